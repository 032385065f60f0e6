"""Extension points so that apps which build on the catalogue (proposals, communities)
can add to a record page without the catalogue importing them."""

_record_panels = []


def register_record_panel(func):
    """Register `func(record) -> str | None`: safe HTML shown under a record's body."""
    _record_panels.append(func)
    return func


def record_panels(record) -> list[str]:
    return [html for func in _record_panels if (html := func(record))]


_body_transformers = []


def register_body_transformer(func):
    """Register `func(record, body, params) -> str | None`: the record body (safe HTML) rewritten
    for one request, e.g. a quoted sentence wrapped in <mark>; None leaves it unchanged."""
    _body_transformers.append(func)
    return func


def transform_body(record, params) -> str:
    body = record.public_body  # none for an 依申请公开 or 不予公开 entry
    for func in _body_transformers:
        body = func(record, body, params) or body
    return body


_publish_checks = []


def register_publish_check(func):
    """Register `func(record) -> str | None`: why the record may not be published yet (e.g.
    imported text whose lost characters staff have not checked); record_publish refuses then."""
    _publish_checks.append(func)
    return func


def publish_problems(record) -> list[str]:
    return [problem for func in _publish_checks if (problem := func(record))]


_application_links = []


def register_application_link(func):
    """Register `func(organization) -> str | None`: the address to apply online for information
    the organization holds (依申请公开), or None when it takes no applications online; with
    organization None, the form itself (the applicant chooses the agency)."""
    _application_links.append(func)
    return func


def application_link(organization) -> str | None:
    return next((url for func in _application_links if (url := func(organization))), None)


_restore_steps = []


def register_restore_step(func):
    """Register `func(record, user) -> str | None`, called when a deleted record is restored
    (services.record_restore, in its transaction): what another app links to the record and
    lost with its deletion (an on_delete=SET_NULL link) is linked again; the str is told to
    staff, e.g. why something was not linked again."""
    _restore_steps.append(func)
    return func


def restore_steps(record, user) -> list[str]:
    return [note for func in _restore_steps if (note := func(record, user))]
