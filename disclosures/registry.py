"""Extension points so that apps which build on the catalogue (proposals, communities)
can add to a record page without the catalogue importing them."""

_record_panels = []


def register_record_panel(func):
    """Register `func(record) -> str | None`: safe HTML shown under a record's body."""
    _record_panels.append(func)
    return func


def record_panels(record) -> list[str]:
    return [html for func in _record_panels if (html := func(record))]
