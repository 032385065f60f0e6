"""`make bench`: importing N generated rows (default 100k) into the benchmark database, beside
the bench generator's own bulk-insert rate measured in the same process just before.

Both write inside a transaction that is rolled back, so the benchmark database is left as it
was: the generator's path (`bench.generate._chunk_rows` + COPY/executemany, records with their
history and search documents, secondary indexes in place as on a live site) and then the
importer's real run (`imports.services.batch_execute`, dry_run=False) over a CSV of the same
number of rows. Run inside Django (DATABASE_URL names the benchmark database):

    DATABASE_URL=postgres://…/govportal_bench_100k python -m bench.importing 100000
"""

import csv
import datetime as dt
import io
import json
import os
import random
import sys
import time


class _Rollback(Exception):
    pass


def _csv_rows(total, orgs, topics, rng):
    from bench.generate import GENRES, MARK, SUBJECTS, body_html

    header = [
        "来源编号",
        "索引号",
        "名称",
        "发布机构",
        "成文日期",
        "发布日期",
        "文号",
        "主题分类",
        "体裁",
        "关键字",
        "正文",
        "原网址",
        "浏览次数",
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    start = dt.datetime(2015, 1, 1, 9, 0)
    for n in range(total):
        when = start + dt.timedelta(minutes=n * 37)
        body = body_html(rng)
        if n % 20 == 0:  # one row in 20 lost characters in capture, as legacy text does
            body = body.replace("</p>", f"截至{when.year - 1}底,共开展活动{rng.randint(100, 900)};</p>", 1)
        writer.writerow(
            [
                f"imp-{n}",
                f"IMP{n % 97:06d}-{when:%Y%m}-{n:07d}",
                f"关于{rng.choice(SUBJECTS)}的{rng.choice(GENRES)}（导入）{MARK}",
                rng.choice(orgs),
                f"{when - dt.timedelta(days=3):%Y-%m-%d}",
                f"{when:%Y-%m-%d %H:%M}",
                f"旧发〔{when.year}〕{n % 997 + 1}号" if n % 3 == 0 else "",
                rng.choice(topics),
                "",
                "社区治理、政府信息公开",
                body,
                f"http://old.example.gov.cn/art/{when:%Y/%m/%d}/art_1_{n}.html",
                str(rng.randint(0, 5000)),
            ]
        )
    return buffer.getvalue().encode("utf-8")


def _generator_rate(total):
    """The generator's own path for `total` records (rows built, then written with COPY or
    executemany), rolled back."""
    from django.db import transaction
    from django.utils import timezone

    from bench.generate import TableWriter, _body_pool, _chunk_rows, memoize_search_text_functions
    from disclosures.models import DisclosureRecord, Genre, Organization, Topic
    from search.models import SearchDocument

    History = DisclosureRecord.history.model
    record_columns = [f.attname for f in DisclosureRecord._meta.concrete_fields]
    history_columns = [f.attname for f in History._meta.concrete_fields]
    search_columns = [f.attname for f in SearchDocument._meta.concrete_fields if f.attname != "id"]
    orgs = list(Organization.objects.filter(name__startswith="基准测试单位")[:40]) or list(
        Organization.objects.all()[:5]
    )
    first_id = (DisclosureRecord.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1_000_000
    first_history = (History.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1_000_000
    context = {
        "orgs": [(o.pk, o.name, o.index_code or "000000000") for o in orgs],
        "topics": list(Topic.objects.values_list("pk", "name")),
        "genres": list(Genre.objects.values_list("pk", flat=True)),
        "now": timezone.now().isoformat(),
        "total": total,
        "record_columns": record_columns,
        "history_columns": history_columns,
        "search_columns": search_columns,
    }
    memoize_search_text_functions()
    _body_pool()
    writers = (
        TableWriter(DisclosureRecord, record_columns),
        TableWriter(History, history_columns),
        TableWriter(SearchDocument, search_columns),
    )
    started = time.monotonic()
    try:
        with transaction.atomic():
            chunk = 20_000
            for start in range(0, total, chunk):
                stop = min(start + chunk, total)
                records, history, docs, _, _ = _chunk_rows(
                    (start, stop, first_id + start, first_history + start, context)
                )
                # Index numbers of the replay must not meet the database's own.
                index = record_columns.index("index_number")
                records = [
                    r[:index] + (f"GENREPLAY-{first_id + i}",) + r[index + 1 :] for i, r in enumerate(records, start)
                ]
                for writer, rows in zip(writers, (records, history, docs)):
                    writer.write(rows)
            seconds = time.monotonic() - started
            raise _Rollback
    except _Rollback:
        pass
    return seconds


def _import_rate(total):
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from disclosures.models import Organization, Topic
    from imports import services
    from imports.models import ImportBatch, RowResult

    rng = random.Random(4242)
    orgs = list(Organization.objects.filter(name__startswith="基准测试单位").values_list("name", flat=True)[:40])
    orgs = orgs or list(Organization.objects.values_list("name", flat=True)[:5])
    topics = list(Topic.objects.values_list("name", flat=True))
    data = _csv_rows(total, orgs, topics, rng)
    User = get_user_model()
    result = {}
    try:
        with transaction.atomic():
            user = User.objects.create_superuser("bench-importer", "", None)
            batch = services.batch_create(user=user, name="bench-import.csv", data=data, source_system="基准测试旧站")
            file_name = batch.file.name
            started = time.monotonic()
            last = [started]

            def progress(done, all_rows):
                if time.monotonic() - last[0] >= 15 or done == all_rows:
                    last[0] = time.monotonic()
                    print(f"  import {done:,}/{all_rows:,} ({done / (last[0] - started):,.0f} rows/s)", flush=True)

            services.batch_execute(batch=batch, dry_run=False, progress=progress)
            seconds = time.monotonic() - started
            batch = ImportBatch.objects.get(pk=batch.pk)
            result = {
                "seconds": round(seconds, 1),
                "counts": batch.report["counts"],
                "flags": batch.report["flags"],
                "csv_bytes": len(data),
                "refused_examples": list(
                    RowResult.objects.filter(batch=batch, action="refuse").values_list("messages", flat=True)[:3]
                ),
            }
            raise _Rollback
    except _Rollback:
        pass
    finally:
        from django.core.files.storage import default_storage

        if result and default_storage.exists(file_name):
            default_storage.delete(file_name)
    return result


def main(argv=None):
    import django

    argv = sys.argv[1:] if argv is None else argv
    total = int(argv[0]) if argv else 100_000
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govportal.settings.dev")
    django.setup()
    load_start = list(os.getloadavg())
    print(f"  generator path: {total:,} records (rolled back)", flush=True)
    generator_seconds = _generator_rate(total)
    print(f"  generator path: {total / generator_seconds:,.0f} records/s", flush=True)
    imported = _import_rate(total)
    data = {
        "rows": total,
        "generator_seconds": round(generator_seconds, 1),
        "generator_rows_per_second": round(total / generator_seconds, 1),
        "import_seconds": imported["seconds"],
        "import_rows_per_second": round(total / imported["seconds"], 1),
        "ratio": round(generator_seconds / imported["seconds"], 3),
        "import_counts": imported["counts"],
        "import_flags": imported["flags"],
        "csv_bytes": imported["csv_bytes"],
        "refused_examples": imported["refused_examples"],
        "load_average_start": load_start,
        "load_average_end": list(os.getloadavg()),
    }
    print("BENCH_IMPORT " + json.dumps(data, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
