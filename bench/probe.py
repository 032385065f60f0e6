"""Inside Django, against the benchmark database: find the URL of every benchmarked page,
count its queries (rendered, and from the page cache), measure its bytes, time the district's
consolidated 年报, and save the seed record's HTML for the reference apps. Prints one JSON
line (PROBE {...}).

    python -m bench.probe <reference page file>
    python -m bench.probe --staff-session     # SESSION <cookie>: a signed-in bench staff member
    python -m bench.probe --member-session    # SESSION <cookie>: the bench member, signed in

Staff pages (the admin, the 依申请公开 queue) are loaded as a district-wide 审核员 who has
passed the second sign-in step: the bench database gets that user and an authenticator,
and each run a session in the store the server uses. The member who leads the most proposals
gets a bench-only account (no password), for the member's own pages, signed in.
"""

import gzip
import json
import os
import random
import statistics
import sys
import time

NO_CACHE_COOKIE = "bench=1"  # unknown to the page cache, so every request is rendered
BROWSER = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36 govportal-bench"
)
SEED_INDEX_NUMBER = "015117762-202306-707714"
CSV_ROWS = 100_000
PAGE_SIZE = 20
STAFF_USERNAME = "bench-staff"
MEMBER_USERNAME = "bench-member"
REPORT_RUNS = 5


def _try(func):
    try:
        return func(), None
    except Exception as error:  # a page another issue has not built yet
        return None, f"{type(error).__name__}: {error}"


def page_urls(words):
    """[(name, url or None, note)] for every page the benchmark loads."""
    from django.urls import reverse
    from django.utils import timezone

    from disclosures.models import DisclosureRecord

    public = DisclosureRecord.objects.published().order_by("-published_at", "-id")
    count = public.count()
    pages = [("home", "/", "")]
    pages.append(("catalogue p1", reverse("disclosures:catalogue"), ""))
    wanted = 5000
    deepest = max(1, -(-count // PAGE_SIZE))
    page = min(wanted, deepest)
    note = "" if page == wanted else f"only {deepest} pages at this scale: page {page}"
    anchor = public.values_list("pk", flat=True)[(page - 1) * PAGE_SIZE - 1] if page > 1 else None
    pages.append(("catalogue p5000", f"{reverse('disclosures:catalogue')}?after={anchor}" if anchor else None, note))
    pages.append(("seed record", f"/disclosures/{SEED_INDEX_NUMBER}/", ""))
    rng = random.Random(42)
    middle = public.values_list("index_number", flat=True)[
        rng.randrange(count // 4, max(count // 4 + 1, 3 * count // 4))
    ]
    pages.append(("random record", f"/disclosures/{middle}/", ""))

    def proposal():
        from proposals.models import Proposal

        item = (
            Proposal.objects.filter(session__assembly__name="政协基准测试区").order_by("-pk").first()
            or Proposal.objects.order_by("pk").first()
        )
        return item.get_absolute_url()

    def member():
        from django.db.models import Count

        from proposals.models import Member

        item = Member.objects.annotate(n=Count("lead_proposals")).order_by("-n", "pk").first()
        return item.get_absolute_url()

    for name, func in (
        ("proposal", proposal),
        ("member page", member),
        ("communities", lambda: reverse("communities:index")),
    ):
        url, error = _try(func)
        pages.append((name, url, error or ""))
    search, error = _try(lambda: reverse("search:results"))
    for label, key in (("search common word", "common"), ("search phrase", "phrase"), ("search miss", "miss")):
        from urllib.parse import quote

        pages.append((label, f"{search}?q={quote(words[key])}" if search else None, error or f"q={words[key]}"))
    feed, error = _try(lambda: reverse("feeds:records_rss"))
    pages.append(("feed", feed, error or ""))
    api, error = _try(lambda: reverse("api-v1:records"))
    pages.append(("api list", api, error or ""))
    pages += member_pages()
    pages += staff_pages(public, words, rng)
    csv_url, error = _try(lambda: reverse("records_csv"))
    if csv_url:
        year, rows = _csv_year(public, timezone)
        note = f"{rows:,} rows" + ("" if year is None else f" (year={year})")
        csv_url = csv_url if year is None else f"{csv_url}?year={year}"
        pages.append(("csv export", csv_url, note))
    else:
        pages.append(("csv export", None, error))
    return pages


def member_pages():
    """The signed-in member's view: their public page, their own proposal (with the letters
    sent to them and their feedback) and 我的建议提案: (name, url, note, "member")."""
    from django.urls import reverse

    member = member_user().proposal_member
    proposal = member.lead_proposals.order_by("-pk").first()
    return [
        ("member page (signed in)", member.get_absolute_url(), "", "member"),
        ("own proposal (signed in)", proposal.get_absolute_url() if proposal else None, "", "member"),
        ("我的建议提案 (signed in)", reverse("proposals:mine"), "", "member"),
    ]


def member_user():
    """The account of the member who leads the most proposals (made for the bench if none)."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from proposals.models import Member

    member = Member.objects.annotate(n=Count("lead_proposals")).order_by("-n", "pk").first()
    if member.user_id is None:
        user, _ = get_user_model().objects.get_or_create(username=MEMBER_USERNAME)
        user.set_unusable_password()  # signed in by the bench only, never with a password
        user.save()
        member.user = user
        member.save(update_fields=["user"])
    return member.user


def signed_in_client(client, signed_in):
    if signed_in == "member":
        client.force_login(member_user())
        return client
    return staff_client(client)


def staff_pages(public, words, rng):
    """The records and replies changelists (plain, searched three ways, filtered), the
    依申请公开 staff queue, and its public statistics pages: (name, url, note, staff)."""
    from urllib.parse import quote

    from django.urls import reverse

    from disclosures.models import Organization

    records = reverse("admin:disclosures_disclosurerecord_changelist")
    count = public.count()
    middle = public[rng.randrange(count // 4, max(count // 4 + 1, 3 * count // 4))]
    numbered = public.exclude(document_number="").order_by("pk")
    numbered = numbered[rng.randrange(max(1, numbered.count()))] if numbered.exists() else None
    pages = [
        ("admin records", records, "", True),
        ("admin records 索引号", f"{records}?q={quote(middle.index_number)}", f"q={middle.index_number}", True),
        (
            "admin records 文号",
            f"{records}?q={quote(numbered.document_number)}" if numbered else None,
            f"q={numbered.document_number}" if numbered else "no record has a 文号",
            True,
        ),
        ("admin records 名称", f"{records}?q={quote(words['phrase'])}", f"q={words['phrase']}", True),
        ("admin records 名称 miss", f"{records}?q={quote(words['miss'])}", f"q={words['miss']}", True),
        ("admin records filter", f"{records}?status__exact=draft", "status=草稿", True),
        ("admin replies", reverse("admin:proposals_reply_changelist"), "", True),
        # Staff read the public side too (issue 20: the signed-in staff view of public pages).
        ("catalogue p1 (signed in staff)", reverse("disclosures:catalogue"), "", True),
        ("seed record (signed in staff)", reverse("disclosures:record_detail", args=[SEED_INDEX_NUMBER]), "", True),
        ("inforequests queue", reverse("inforequests:staff_queue"), "", True),
        ("inforequests statistics", reverse("inforequests:statistics"), "", False),
    ]
    agency = Organization.objects.filter(request_desk__isnull=False, name__startswith="基准测试单位").order_by("pk")
    agency = agency.first()
    pages.append(
        (
            "inforequests agency",
            reverse("inforequests:agency", args=[agency.pk]) if agency else None,
            "" if agency else "no generated 依申请公开 cases",
            False,
        )
    )
    return pages


def staff_user():
    """The bench's district-wide 审核员 with a confirmed authenticator (bench data only)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group, Permission
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from core.roles import REVIEWER

    user, _ = get_user_model().objects.get_or_create(
        username=STAFF_USERNAME, defaults={"is_staff": True, "first_name": "基准测试"}
    )
    user.set_unusable_password()  # signed in by the bench only, never with a password
    user.save()
    user.groups.add(Group.objects.get(name=REVIEWER))
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label__in=["disclosures", "inforequests"],
            codename__in=["manage_all_agencies", "view_all_cases"],
        )
    )
    device, _ = TOTPDevice.objects.get_or_create(user=user, confirmed=True, defaults={"name": "基准测试验证器"})
    return user, device


def staff_client(client):
    """`client` signed in as the bench staff member, second step passed (tests/staff.py)."""
    from django_otp import DEVICE_ID_SESSION_KEY

    user, device = staff_user()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def session_cookie(signed_in="staff") -> str:
    """A Cookie header value for a signed-in bench staff (or member) session, in this process's
    session store (run with the server's settings, so the server finds it)."""
    from django.conf import settings
    from django.test import Client

    client = signed_in_client(Client(), signed_in)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def annual_report_timing(runs=REPORT_RUNS):
    """Generating the district's consolidated 年报 (bench/generate.py made it a draft): its
    tables from the catalogue and the cases, the 勾稽 checks, and what publishing would store
    and serve (the HTML body, CSV, XLSX), without writing anything. One untimed run first."""
    from django.template.loader import render_to_string

    from annualreports import downloads, selectors
    from annualreports import tables as t
    from annualreports.models import AnnualReport
    from bench.generate import DISTRICT

    report = AnnualReport.objects.filter(organization__name=DISTRICT, consolidated=True).order_by("-year").first()
    if report is None:
        return {"name": "annual report", "url": None, "note": "no generated consolidated 年报"}

    def generate():
        tables = selectors.report_tables(report)
        findings = selectors.report_findings(report, tables)
        sheets = t.sheets(tables)
        body = render_to_string("annualreports/_record_body.html", {"report": report, "sheets": sheets})
        downloads.report_csv(report.title, sheets)
        downloads.report_xlsx(report.title, sheets)
        return body, findings

    generate()
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        body, findings = generate()
        seconds.append(time.perf_counter() - started)
    html = body.encode()
    return {
        "name": "annual report",
        "url": f"(in process) {report}",
        "note": f"{report.year}, consolidated over {len(selectors.report_organizations(report))} agencies; "
        f"{len(findings)} 勾稽 findings",
        "status": 200,
        "in_process": True,
        "requests": runs,
        "rps": round(runs / sum(seconds), 2),
        "p50_ms": round(statistics.median(seconds) * 1000, 1),
        "p95_ms": round(max(seconds) * 1000, 1),
        "p99_ms": round(max(seconds) * 1000, 1),
        "errors": 0,
        "bytes": len(html),
        "gzip_bytes": len(gzip.compress(html, 6)),
    }


def _csv_year(public, timezone):
    """A filter giving about CSV_ROWS rows: everything if there are fewer, else one year."""
    total = public.count()
    if total <= CSV_ROWS * 1.2:
        return None, total
    from django.db.models import Count
    from django.db.models.functions import ExtractYear

    years = public.order_by().annotate(y=ExtractYear("published_at")).values("y").annotate(n=Count("id"))
    best = min(years, key=lambda row: abs(row["n"] - CSV_ROWS))
    return best["y"], best["n"]


def measure(url, *, signed_in=None):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    def fetch(client):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
        return response, body, len(queries.captured_queries)

    rendered = Client(HTTP_USER_AGENT=BROWSER, HTTP_HOST="127.0.0.1")
    name, value = NO_CACHE_COOKIE.split("=")
    rendered.cookies[name] = value  # beside a session cookie, so not as a default header
    if signed_in:
        signed_in_client(rendered, signed_in)
    fetch(rendered)  # per-generation caches (counts, facets) filled, as in a steady state
    response, body, queries = fetch(rendered)
    result = {
        "status": response.status_code,
        "bytes": len(body),
        "gzip_bytes": len(gzip.compress(body, 6)),
        "queries": queries,
        "content_type": response.get("Content-Type", ""),
    }
    if signed_in:  # never served from the page cache
        return {**result, signed_in: True, "cached": False, "cached_queries": None}, body
    cached = Client(HTTP_USER_AGENT=BROWSER, HTTP_HOST="127.0.0.1")
    fetch(cached)
    hit, _, hit_queries = fetch(cached)
    return {**result, "cached": hit.get("X-Page-Cache") == "hit", "cached_queries": hit_queries}, body


def main():
    import django

    django.setup()
    if sys.argv[1] in ("--staff-session", "--member-session"):
        print("SESSION " + session_cookie(sys.argv[1][2:].removesuffix("-session")))
        return
    reference_file = sys.argv[1]
    from bench.generate import _meta_read

    meta = _meta_read() or {}
    words = meta.get("words") or {"common": "社区", "phrase": "社区治理", "miss": "量子纠缠"}
    results = []
    for name, url, note, *signed_in in page_urls(words):
        entry = {"name": name, "url": url, "note": note}
        if url:
            who = signed_in[0] if signed_in else None
            entry.update(measure(url, signed_in="staff" if who is True else who or None)[0])
        results.append(entry)
    results.append(annual_report_timing())
    seed_url = next(p["url"] for p in results if p["name"] == "seed record")
    stats, body = measure(seed_url)
    with open(reference_file, "wb") as handle:
        handle.write(body)
    print("PROBE " + json.dumps({"pages": results, "meta": meta, "reference_bytes": len(body)}, ensure_ascii=False))


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govportal.settings.prod")
    main()
