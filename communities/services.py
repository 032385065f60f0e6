"""Writes for the communities app. A newer source never overwrites a fact: it adds one."""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from disclosures import selectors as disclosure_selectors

from .models import Designation, Fact


def _checked_save(instance, *, user):
    """Saved only if its quote and fields hold (ValidationError otherwise), with who on record.
    Staff quote their own agencies' records only, as in the admin (SourcedAdminMixin)."""
    if user is not None:
        if not disclosure_selectors.can_manage_record(user, instance.source_record):
            raise PermissionDenied("只能引用本机构的记录。")
        instance._history_user = user
    instance.full_clean()
    instance.save()
    return instance


@transaction.atomic
def fact_create(
    *,
    metric,
    value,
    figure_text,
    period,
    period_end,
    source_record,
    sentence,
    category="",
    unit="",
    approximation=Fact.Approximation.EXACT,
    scope=Fact.Scope.DISTRICT,
    street=None,
    community=None,
    position=0,
    user=None,
) -> Fact:
    """Record one figure quoted from a record; raises ValidationError if the quote does not hold."""
    fact = Fact(
        metric=metric,
        value=value,
        figure_text=figure_text,
        period=period,
        period_end=period_end,
        source_record=source_record,
        sentence=sentence,
        category=category,
        unit=unit,
        approximation=approximation,
        scope=scope,
        street=street,
        community=community,
        position=position,
    )
    return _checked_save(fact, user=user)


@transaction.atomic
def designation_create(
    *,
    program,
    community,
    source_record,
    sentence,
    title="",
    level="",
    batch_first=None,
    batch_last=None,
    year=None,
    period="",
    note="",
    user=None,
) -> Designation:
    designation = Designation(
        program=program,
        community=community,
        source_record=source_record,
        sentence=sentence,
        title=title,
        level=level,
        batch_first=batch_first,
        batch_last=batch_last,
        year=year,
        period=period,
        note=note,
    )
    return _checked_save(designation, user=user)
