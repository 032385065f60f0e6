"""Staff and members acting on a reply's objects at the same moment, on PostgreSQL with two real
connections. A reply's catalogue record, written by a correction or a publication of the reply
while a reviewer withdraws that record: the withdrawal must not be written over (the record
public again, without anyone deciding to republish it). A member's feedback changed while
staff confirm it: the confirmation must not be written over (the form open to changes again)."""

import pytest

from disclosures.models import DisclosureRecord
from disclosures.services import record_withdraw
from proposals import services
from proposals.models import Feedback
from tests.races import Meanwhile, before

from .conftest import publish
from .factories import level
from .test_feedback import member, reply  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def withdrawal(record):
    return Meanwhile(lambda: record_withdraw(record=DisclosureRecord.objects.get(pk=record.pk), reason="内容有误"))


def assert_withdrawn_last(record):
    record.refresh_from_db()
    assert record.status == DisclosureRecord.Status.WITHDRAWN
    assert record.history.order_by("-history_id").first().history_change_reason == "撤回：内容有误"


def test_a_correction_made_while_the_record_is_withdrawn_does_not_publish_it_again(published_reply, monkeypatch):
    record = published_reply.record
    # The reviewer withdraws once the correction has read the reply and its record, before it writes.
    withdrawn = withdrawal(record)
    before(monkeypatch, services, "_save", withdrawn)

    services.reply_correct(reply=published_reply, letter="<p>更正后的答复。</p>", note="数字更正")
    withdrawn.done()

    assert_withdrawn_last(record)
    assert record.body == "<p>更正后的答复。</p>"  # the correction is kept in the withdrawn record


def test_a_reply_published_again_while_its_record_is_withdrawn_leaves_it_withdrawn(published_reply, monkeypatch):
    record = published_reply.record
    withdrawn = withdrawal(record)
    before(monkeypatch, services, "_record_body", withdrawn)

    publish(published_reply, published_at=record.published_at)
    withdrawn.done()

    assert_withdrawn_last(record)


def test_feedback_changed_while_staff_confirm_it_stays_confirmed(member, reply, monkeypatch):  # noqa: F811
    feedback = services.feedback_submit(reply=reply, member=member, level=level("satisfied"))
    # Staff confirm the form once the member's change has read it, before it writes.
    confirmed = Meanwhile(lambda: services.feedback_close(feedback=feedback, user=None))
    before(monkeypatch, services, "_save", confirmed)

    services.feedback_submit(reply=reply, member=member, level=level("dissatisfied"), comment="仍未解决")
    confirmed.done()

    feedback = Feedback.objects.get(pk=feedback.pk)
    assert feedback.is_closed  # confirmed after the change it now holds
    assert (feedback.level.code, feedback.comment) == ("dissatisfied", "仍未解决")


def test_a_correction_while_staff_move_the_records_date_waits_instead_of_deadlocking(published_reply):
    """A record's save locks the record, then its replies (their time follows the record's);
    a correction locked the reply, then the record: the two deadlocked, one of them a 500."""
    import datetime as dt

    from django.db import transaction

    from disclosures.services import record_locked

    correction = Meanwhile(
        lambda: services.reply_correct(reply=published_reply, letter="<p>更正后的答复。</p>", note="数字更正")
    )
    with transaction.atomic():
        record = record_locked(published_reply.record_id)  # as the record's change form does
        correction.act()
        assert correction.held  # waiting for the record
        record.published_at += dt.timedelta(minutes=1)
        record.save()  # moves the reply's time: its row must not be locked by the correction
    correction.done()
    published_reply.refresh_from_db()
    assert published_reply.published_at == record.published_at
    assert published_reply.letter == "<p>更正后的答复。</p>"
