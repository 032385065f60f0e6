"""Sending and publishing replies: the disclosure record (索引号 and all), the 20-working-day
warning, publication modes, corrections, and drafts that never leak."""

import datetime as dt
import re

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from disclosures.models import DisclosureRecord
from proposals import services
from proposals.models import Proposal, Reply

from .conftest import publish, send
from .factories import ProposalFactory, ReplyFactory

pytestmark = pytest.mark.django_db


def local(year, month, day, hour=10):
    return timezone.make_aware(dt.datetime(year, month, day, hour))


def test_sending_needs_letter_date_and_class(vocab):
    reply = ReplyFactory(letter="", replied_on=None, category=None)
    with pytest.raises(ValidationError) as error:
        send(reply)
    assert set(error.value.message_dict) == {"letter", "replied_on", "category"}
    reply.refresh_from_db()
    assert reply.status == Reply.Status.DRAFT


def test_a_letter_with_an_image_without_alt_text_is_not_sent(vocab):
    """It was marked 已答复 (the check ran as a draft's), the member saw an image nobody had
    described, and it could then be neither published nor fixed without a correction."""
    reply = ReplyFactory(letter='<p>图</p><img src="/static/x.png">')
    with pytest.raises(ValidationError) as error:
        send(reply)
    assert "替代文字" in str(error.value.message_dict["letter"])
    reply.refresh_from_db()
    assert reply.status == Reply.Status.DRAFT


def test_publishing_creates_a_catalogue_record_linked_both_ways(reader_client, vocab):
    proposal = ProposalFactory(
        number="3001", session__term=10, session__number=3, session__year=2024, status="handling"
    )
    reply = ReplyFactory(proposal=proposal, replied_on=dt.date(2024, 5, 20))
    with pytest.raises(ValidationError):
        publish(reply)  # a draft cannot be published
    send(reply)
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.ANSWERED
    result = publish(reply, published_at=local(2024, 5, 27))
    record = result.record
    assert result.warnings == []  # 5 working days
    assert record.status == DisclosureRecord.Status.PUBLISHED
    assert re.fullmatch(r"123456789-202405-\d{6}", record.index_number)  # the top organization's code
    assert record.title == "关于政协测试区十届三次会议第3001号提案答复的函"
    assert record.publisher.name == "测试区人民政府" and record.drafting_org == reply.answering_unit
    # Filed under the national vocabulary, not under a "2024年" topic (the year is a facet).
    assert record.topic.name == "综合政务" and record.genre.name == "函"
    assert record.written_date == dt.date(2024, 5, 20) and record.body == reply.letter
    reply.refresh_from_db()
    assert reply.record == record and reply.published_at == record.published_at

    catalogue = reader_client.get("/disclosures/").content.decode()
    assert record.title in catalogue
    record_page = reader_client.get(record.get_absolute_url()).content.decode()
    assert "本件为" in record_page and f'href="{proposal.get_absolute_url()}"' in record_page
    proposal_page = reader_client.get(proposal.get_absolute_url()).content.decode()
    assert f'href="{record.get_absolute_url()}"' in proposal_page and record.index_number in proposal_page


def test_a_table_in_a_published_reply_scrolls_in_its_own_region(reader_client, vocab):
    table = "<table><tbody><tr><th><p>事项</p></th><th><p>办理单位</p></th></tr><tr><td><p>甲</p></td><td><p>乙</p></td></tr></tbody></table>"
    reply = ReplyFactory(letter=f"<p>答复如下：</p>{table}")
    send(reply)
    publish(reply)
    html = reader_client.get(reply.proposal.get_absolute_url()).content.decode()
    region = '<div class="table-scroll" role="region" aria-label="表格（可横向滚动）" tabindex="0">'
    assert f'{region}<table><thead><tr><th scope="col"><p>事项</p></th>' in html


def test_republishing_keeps_the_index_number(vocab):
    reply = ReplyFactory()
    send(reply)
    first = publish(reply).record
    second = publish(reply).record
    assert first.pk == second.pk and first.index_number == second.index_number
    assert DisclosureRecord.objects.count() == 1


def test_warning_when_published_more_than_20_working_days_after_the_reply(vocab):
    reply = ReplyFactory(replied_on=dt.date(2024, 5, 6))
    send(reply)
    # 2024-05-06 → 2024-06-20: 32 working days (端午 2024-06-10 is a holiday).
    result = publish(reply, published_at=local(2024, 6, 20))
    assert len(result.warnings) == 1
    assert "答复日期" in result.warnings[0] and "超过20个工作日" in result.warnings[0]
    assert "国办发〔2014〕46号" in result.warnings[0]


def test_no_warning_for_the_seed_gap_of_12_working_days(vocab):
    reply = ReplyFactory(replied_on=dt.date(2023, 5, 31), proposal__assigned_on=dt.date(2023, 3, 1))
    send(reply)
    assert publish(reply, published_at=local(2023, 6, 16, 17)).warnings == []


def test_summary_mode_publishes_the_summary_only(reader_client, vocab):
    reply = ReplyFactory(
        letter="<p>全文里的内部细节。</p>",
        publication_mode="summary",
        mode_reason="涉及<b>未定稿</b>规划",
        summary="<p>已列入计划。</p>",
    )
    send(reply)
    record = publish(reply).record
    assert "已列入计划。" in record.body and "全文里的内部细节" not in record.body
    # The reason is text as typed, not markup the sanitizer then dropped (“涉及规划”).
    assert "本答复摘要公开（涉及&lt;b&gt;未定稿&lt;/b&gt;规划）。" in record.body
    html = reader_client.get(reply.proposal.get_absolute_url()).content.decode()
    assert "已列入计划。" in html and "涉及&lt;b&gt;未定稿&lt;/b&gt;规划" in html and "全文里的内部细节" not in html


def test_restricted_modes_need_a_reason(vocab):
    reply = ReplyFactory.build(proposal=ProposalFactory(), publication_mode="withheld", mode_reason="")
    with pytest.raises(ValidationError) as error:
        reply.full_clean()
    assert error.value.message_dict["mode_reason"] == ["不公开须说明理由。"]
    with pytest.raises(IntegrityError), transaction.atomic():
        reply.save()  # the database refuses it too


def test_withheld_reply_publishes_the_decision_but_no_text(reader_client, vocab):
    reply = ReplyFactory(letter="<p>不公开的答复正文。</p>", publication_mode="withheld", mode_reason="涉及个人隐私")
    send(reply)
    result = publish(reply)
    assert result.record is None and DisclosureRecord.objects.count() == 0
    html = reader_client.get(reply.proposal.get_absolute_url()).content.decode()
    assert "不公开理由：涉及个人隐私" in html and "不公开的答复正文" not in html


def test_changing_a_published_reply_to_withheld_withdraws_its_record(vocab):
    reply = ReplyFactory()
    send(reply)
    record = publish(reply).record
    Reply.objects.filter(pk=reply.pk).update(publication_mode="withheld", mode_reason="后经审查涉及个人隐私")
    publish(reply)
    record.refresh_from_db()
    assert record.status == DisclosureRecord.Status.WITHDRAWN


def test_a_withheld_decision_keeping_a_scheduled_time_appears_when_that_time_comes(reader_client, vocab):
    """A full reply scheduled for later, then changed to 不公开: the decision keeps the scheduled
    time, and its record is withdrawn. The page cache kept the proposal page as it was before that
    time (only scheduled records bounded it), so the decision stayed off it until the next write
    or PAGE_CACHE_SECONDS."""
    from core import pagecache

    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=1)
    with time_machine.travel(start, tick=False) as clock:
        reply = ReplyFactory()
        send(reply)
        due = start + dt.timedelta(minutes=5)
        publish(reply, published_at=due)
        Reply.objects.filter(pk=reply.pk).update(publication_mode="withheld", mode_reason="后经审查涉及个人隐私")
        services.reply_publish(reply=reply)
        reply.refresh_from_db()
        assert reply.published_at == due and reply.record.status == DisclosureRecord.Status.WITHDRAWN
        urls = [reply.proposal.get_absolute_url(), "/feeds/replies.xml"]
        for url in urls:
            assert "后经审查涉及个人隐私" not in reader_client.get(url).content.decode(), url
            assert reader_client.get(url).get(pagecache.HIT_HEADER) == "hit", url
        clock.move_to(due + dt.timedelta(seconds=1))
        pagecache.reset_local()  # this process's copies last a second of real time
        for url in urls:
            assert "后经审查涉及个人隐私" in reader_client.get(url).content.decode(), url


def test_correction_keeps_the_original_text(reader_client, vocab):
    reply = ReplyFactory(letter="<p>原答复：经费49万元。</p>")
    send(reply)
    record = publish(reply).record
    with pytest.raises(ValidationError):
        services.reply_correct(reply=reply, letter="<p>x</p>", note="")
    services.reply_correct(reply=reply, letter="<p>更正后：经费59万元。</p>", note="经费数字更正")
    services.reply_correct(reply=reply, letter="<p>再次更正：经费69万元。</p>", note="再次更正")
    reply.refresh_from_db()
    record.refresh_from_db()
    assert reply.original_letter == "<p>原答复：经费49万元。</p>"  # the first text, not the intermediate one
    assert reply.letter == record.body == "<p>再次更正：经费69万元。</p>"
    assert reply.history.filter(letter="<p>更正后：经费59万元。</p>").exists()
    html = reader_client.get(reply.proposal.get_absolute_url()).content.decode()
    assert "再次更正：经费69万元" in html and "原答复：经费49万元" in html and "更正前原文" in html


def test_letter_is_sanitized_on_save(vocab):
    reply = ReplyFactory(
        letter='<p onclick="x()">正文<script>alert(1)</script><a href="javascript:alert(1)">链接</a></p>'
    )
    assert "onclick" not in reply.letter and "<script" not in reply.letter and "javascript:" not in reply.letter


def test_drafts_and_unpublished_replies_never_reach_public_pages(reader_client, vocab):
    draft = ReplyFactory(letter="<p>草稿秘密内容</p>")
    sent = ReplyFactory(letter="<p>已送达未公开内容</p>")
    send(sent)
    scheduled = ReplyFactory(letter="<p>定时公开内容</p>")
    send(scheduled)
    publish(scheduled, published_at=timezone.now() + dt.timedelta(days=3))
    assert set(Reply.objects.public()) == set()
    urls = ["/proposals/", "/disclosures/", "/", "/proposals/statistics/"]
    for reply in (draft, sent, scheduled):
        urls += [reply.proposal.get_absolute_url(), reply.proposal.lead_member.get_absolute_url()]
    for url in urls:
        response = reader_client.get(url, follow=True)
        html = response.content.decode()
        for secret in ("草稿秘密内容", "已送达未公开内容", "定时公开内容"):
            assert secret not in html, (url, secret)
    scheduled.refresh_from_db()
    assert reader_client.get(scheduled.record.get_absolute_url()).status_code == 404
    # The category filter only counts published replies.
    assert "共 0 件" in reader_client.get("/proposals/?category=%d" % draft.category_id).content.decode()
