"""Inside Django, against the benchmark database: find the URL of every benchmarked page,
count its queries (rendered, and from the page cache), measure its bytes, and save the seed
record's HTML for the reference apps. Prints one JSON line (PROBE {...}).

    python -m bench.probe <reference page file>
"""

import gzip
import json
import os
import random
import sys

NO_CACHE_COOKIE = "bench=1"  # unknown to the page cache, so every request is rendered
BROWSER = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36 govportal-bench"
)
SEED_INDEX_NUMBER = "015117762-202306-707714"
CSV_ROWS = 100_000
PAGE_SIZE = 20


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
    csv_url, error = _try(lambda: reverse("records_csv"))
    if csv_url:
        year, rows = _csv_year(public, timezone)
        note = f"{rows:,} rows" + ("" if year is None else f" (year={year})")
        csv_url = csv_url if year is None else f"{csv_url}?year={year}"
        pages.append(("csv export", csv_url, note))
    else:
        pages.append(("csv export", None, error))
    return pages


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


def measure(url):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    def fetch(client):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
        return response, body, len(queries.captured_queries)

    rendered = Client(HTTP_USER_AGENT=BROWSER, HTTP_COOKIE=NO_CACHE_COOKIE, HTTP_HOST="127.0.0.1")
    fetch(rendered)  # per-generation caches (counts, facets) filled, as in a steady state
    response, body, queries = fetch(rendered)
    cached = Client(HTTP_USER_AGENT=BROWSER, HTTP_HOST="127.0.0.1")
    fetch(cached)
    hit, _, hit_queries = fetch(cached)
    return {
        "status": response.status_code,
        "bytes": len(body),
        "gzip_bytes": len(gzip.compress(body, 6)),
        "queries": queries,
        "cached": hit.get("X-Page-Cache") == "hit",
        "cached_queries": hit_queries,
        "content_type": response.get("Content-Type", ""),
    }, body


def main():
    import django

    reference_file = sys.argv[1]
    django.setup()
    from bench.generate import _meta_read

    meta = _meta_read() or {}
    words = meta.get("words") or {"common": "社区", "phrase": "社区治理", "miss": "量子纠缠"}
    results = []
    for name, url, note in page_urls(words):
        entry = {"name": name, "url": url, "note": note}
        if url:
            entry.update(measure(url)[0])
        results.append(entry)
    seed_url = next(p["url"] for p in results if p["name"] == "seed record")
    stats, body = measure(seed_url)
    with open(reference_file, "wb") as handle:
        handle.write(body)
    print("PROBE " + json.dumps({"pages": results, "meta": meta, "reference_bytes": len(body)}, ensure_ascii=False))


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govportal.settings.prod")
    main()
