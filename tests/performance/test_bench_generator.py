"""The benchmark data generator (bench/generate.py) at a small scale: marked, complete, in
proportion, and its bulk-built search documents identical to the search app's own."""

import importlib

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from bench import generate as bench_generate
from bench import probe
from disclosures.models import DisclosureRecord, IndexSerial, Organization
from disclosures.services import record_publish
from inforequests.models import Agency, Case, CaseItem
from search.models import SearchDocument
from search.registry import source_get
from search.services import document_fields
from tests.disclosures.factories import RecordFactory

COMPARED = [
    "title",
    "url",
    "fields",
    "extra",
    "body_text",
    "publisher_id",
    "topic_id",
    "validity",
    "record_id",
    "published_at",
    "year",
    "title_tokens",
    "keyword_tokens",
    "body_tokens",
    "search_title",
    "search_text",
]


@pytest.mark.django_db(transaction=True)
def test_generated_data_is_marked_complete_and_indexed_like_the_search_app_does():
    # Earlier transactional tests flush the vocabularies the migrations ship, which the
    # generator draws from: put them back the way the migration does.
    from django.apps import apps

    importlib.import_module("disclosures.migrations.0002_vocabularies").forwards(apps, None)
    try:
        check_generated_data()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_meta")  # not a model: the flush would keep it


def check_generated_data():
    meta = bench_generate.generate("10k", records=400, workers=1, log=lambda *a: None)
    generated = DisclosureRecord.objects.filter(title__endswith=bench_generate.MARK)
    assert meta["records"] == 400 and generated.count() == 400
    seed_records = DisclosureRecord.objects.exclude(title__endswith=bench_generate.MARK).count()
    assert seed_records >= 1  # the seed page is there too
    assert Organization.objects.filter(name__startswith="基准测试单位").count() == 40
    # History, written in bulk: one creation row per generated record.
    history = DisclosureRecord.history.filter(history_type="+", history_change_reason="基准测试数据")
    assert history.count() == 400
    # Replies and facts in proportion (1 in 50 and 1 in 100 records).
    assert 6 <= meta["replies"] <= 8 and 3 <= meta["facts"] <= 4

    record_source = source_get("record")
    public = list(record_source.indexable().filter(title__endswith=bench_generate.MARK))
    assert len(public) >= 360  # about 2 % are drafts or withdrawn
    for record in public[::37]:
        stored = SearchDocument.objects.filter(source="record", object_id=record.pk).values(*COMPARED).get()
        expected = document_fields(document=record_source.document(record))
        for field in ("publisher", "topic", "record"):
            value = expected.pop(field)
            expected[f"{field}_id"] = value.pk if value is not None else None
        assert stored == {k: expected[k] for k in COMPARED}, record.pk
    assert SearchDocument.objects.filter(source="reply").count() >= 6
    assert SearchDocument.objects.filter(source="fact").count() >= 3

    # Run again: reused, nothing doubled.
    again = bench_generate.generate("10k", records=400, workers=1, log=lambda *a: None)
    assert again.get("reused") and generated.count() == 400

    check_cases_district_and_staff(meta)

    # Allocation continues after the generated 索引号 (no collision on publish).
    org = Organization.objects.filter(name__startswith="基准测试单位").first()
    assert IndexSerial.objects.filter(prefix__startswith=org.org_code).exists()
    latest = generated.filter(publisher=org).exclude(index_number=None).order_by("-published_at").first()
    record = RecordFactory(publisher=org)
    record_publish(record=record, published_at=latest.published_at)
    record.refresh_from_db()
    assert (
        record.index_number.startswith(org.org_code)
        and not DisclosureRecord.objects.filter(index_number=record.index_number).exclude(pk=record.pk).exists()
    )


def check_cases_district_and_staff(meta):
    """依申请公开 cases across the generated agencies, the district above them with its draft
    consolidated 年报, and what `make bench` does with them (bench/probe.py)."""
    cases = Case.objects.filter(title__endswith=bench_generate.MARK)
    assert meta["cases"] == 100 and cases.count() == 100 == CaseItem.objects.filter(case__in=cases).count()
    assert Agency.objects.filter(organization__name__startswith="基准测试单位").count() == 40
    assert cases.filter(is_open=True).exists() and cases.filter(is_open=False).exists()
    assert not cases.filter(is_open=False, outcome="").exists()  # closed cases have their outcome
    assert cases.order_by("pk").first().phone == "13800000000"  # encrypted with the configured key
    district = Organization.objects.get(pk=meta["district"])
    assert district.children.filter(name__startswith="基准测试单位").count() == 40

    # A database generated before the cases existed gets them (and the district) on its next run.
    CaseItem.objects.all().delete()
    Case.objects.all().delete()
    bench_generate._meta_write({k: v for k, v in meta.items() if k not in ("cases", "district")})
    again = bench_generate.generate("10k", records=400, workers=1, log=lambda *a: None)
    assert again["reused"] and again["cases"] == 100 and cases.count() == 100
    assert bench_generate._meta_read()["cases"] == 100

    timing = probe.annual_report_timing(runs=1)
    assert timing["in_process"] and timing["p95_ms"] > 0 and timing["bytes"] > 1000
    assert "41 agencies" in timing["note"]  # the district and the 40 below it

    staff = probe.staff_client(Client())
    for url in ("/admin/disclosures/disclosurerecord/", "/admin/proposals/reply/", "/disclosures/apply/staff/"):
        assert staff.get(url).status_code == 200, url  # signed in, second step passed
    cookie = probe.session_cookie("staff")
    assert cookie.startswith(f"{settings.SESSION_COOKIE_NAME}=")
    fresh = Client()
    fresh.cookies[settings.SESSION_COOKIE_NAME] = cookie.split("=", 1)[1]
    assert fresh.get("/admin/disclosures/disclosurerecord/").status_code == 200

    # The member's own pages, signed in as the member who leads the most proposals.
    pages = {name: url for name, url, _, who in probe.member_pages()}
    assert set(pages) == {"member page (signed in)", "own proposal (signed in)", "我的建议提案 (signed in)"}
    member = Client()
    member.cookies[settings.SESSION_COOKIE_NAME] = probe.session_cookie("member").split("=", 1)[1]
    own = member.get(pages["我的建议提案 (signed in)"])
    assert own.status_code == 200 and own.wsgi_request.user.proposal_member.lead_proposals.exists()
    assert member.get(pages["own proposal (signed in)"]).status_code == 200
