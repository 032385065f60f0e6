"""Synthetic benchmark data: N disclosure records, with proposal replies (1 in 50 records is a
reply letter) and governance facts (1 in 100 records states a figure) in proportion, their
history rows and their search documents; 依申请公开 cases (100k from the 100k scale on), and a
district above the generated agencies with a draft consolidated 年报.

Clearly marked: every generated title ends in （基准测试数据）, every generated organization,
member and metric says 基准测试, and the table `bench_meta` records the scale. The generator
refuses a database that holds records it did not make (beyond the seed page).

Fast: record rows (and their history and search documents) are built in worker processes and
written with COPY on PostgreSQL or executemany on SQLite; secondary indexes are dropped
during the load and rebuilt after. The smaller tables (proposals, replies, facts) go through
bulk_create. Run inside Django (DATABASE_URL names the benchmark database):

    DATABASE_URL=postgres://…/govportal_bench_10k python -m bench.generate 10k
"""

import datetime as dt
import json
import multiprocessing
import os
import random
import sys
import time
from decimal import Decimal

GENERATOR_VERSION = 4
SCALES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
# 依申请公开 cases: issue 14 measures the queue and statistics at 100k, issue 15 the 年报 at 1M
# records and 100k cases.
CASES = {"10k": 10_000, "100k": 100_000, "1m": 100_000}
DISTRICT = "基准测试区人民政府（基准测试数据）"
CHUNK = 20_000
MARK = "（基准测试数据）"
REPLY_EVERY = 50
FACT_EVERY = 100
YEARS = 10
# Words the benchmark searches for: a common two-character word, a four-character phrase
# and a miss that no generated text contains.
COMMON_WORD, PHRASE, MISS = "社区", "社区治理", "量子纠缠"

ACTORS = [
    "区人民政府",
    "区政府办公室",
    "区民政局",
    "区财政局",
    "区教育体育局",
    "区卫生健康局",
    "各街道办事处",
    "区住房城乡建设局",
    "区人力资源社会保障局",
    "区市场监管局",
    "区生态环境分局",
    "区应急管理局",
    "各社区居委会",
]
ACTIONS = ["认真贯彻落实", "进一步加强", "统筹推进", "持续深化", "全面开展", "扎实做好", "稳步推进", "切实抓好"]
OBJECTS = [
    "社区治理",
    "政府信息公开",
    "城市更新",
    "养老服务",
    "义务教育",
    "基层医疗卫生",
    "安全生产",
    "就业创业",
    "营商环境",
    "生态环境保护",
    "防汛抗旱",
    "社区服务",
    "老旧小区改造",
    "住房保障",
    "公共文化服务",
    "社会救助",
    "农村集体经济",
    "网格化管理",
    "便民服务",
    "食品安全",
]
TAILS = ["各项工作", "工作机制", "重点任务", "制度建设", "考核评价", "监督检查", "宣传引导", "队伍建设"]
CLOSINGS = [
    "请各单位结合实际认真抓好落实。",
    "特此通知。",
    "现将有关情况公开如下。",
    "各单位要加强组织领导，确保取得实效。",
    "工作中遇到的问题请及时报告。",
    "欢迎社会各界监督。",
]
GENRES = ["通知", "意见", "办法", "公告", "报告", "批复", "函", "方案", "规划", "决定"]
SUBJECTS = [
    f"{a}{o}{t}"
    for a in ("加强", "做好", "推进", "规范", "开展", "完善")
    for o in OBJECTS
    for t in ("工作", "管理", "")
]


BODY_POOL = 20_000  # distinct bodies; a record takes one (plus its own sentence, if it states a figure)


def sentence(rng: random.Random) -> str:
    return f"{rng.choice(ACTORS)}{rng.choice(ACTIONS)}{rng.choice(OBJECTS)}{rng.choice(TAILS)}。"


def body_html(rng: random.Random, extra: str = "") -> str:
    paragraphs = []
    for _ in range(rng.randint(3, 6)):
        paragraphs.append("".join(sentence(rng) for _ in range(rng.randint(2, 4))))
    if extra:
        paragraphs.insert(rng.randint(1, len(paragraphs)), extra)
    paragraphs.append(rng.choice(CLOSINGS))
    return "".join(f"<p>{p}</p>" for p in paragraphs)


def org_code(n: int) -> str:
    from disclosures.codes import org_code_check_digit

    body = f"B{n:07d}"
    return body + org_code_check_digit(body)


# --- writing rows fast -------------------------------------------------------------------


class TableWriter:
    """Writes tuples to a model's table with COPY (PostgreSQL) or executemany (SQLite)."""

    def __init__(self, model, columns):
        from django.db import connection

        self.model = model
        self.table = model._meta.db_table
        self.columns = columns
        self.connection = connection
        self.fields = {f.attname: f for f in model._meta.concrete_fields}
        self.converters = [self._converter(self.fields[c]) for c in columns]

    def _converter(self, field):
        from django.db import models

        vendor = self.connection.vendor
        if isinstance(field, models.JSONField):
            if vendor == "postgresql":
                from psycopg.types.json import Jsonb

                return lambda v: None if v is None else Jsonb(v)
            return lambda v: None if v is None else json.dumps(v, ensure_ascii=False)
        if vendor == "sqlite" and isinstance(field, models.DateTimeField):
            return self.connection.ops.adapt_datetimefield_value
        if vendor == "sqlite" and isinstance(field, (models.DateField, models.DecimalField)):
            return lambda v: None if v is None else str(v)
        return None

    def write(self, rows):
        convert = [(i, c) for i, c in enumerate(self.converters) if c]
        if convert:

            def converted(row):
                row = list(row)
                for i, c in convert:
                    row[i] = c(row[i])
                return row

            rows = (converted(r) for r in rows)
        names = ", ".join(f'"{c}"' for c in self.columns)
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                with cursor.cursor.copy(f'COPY "{self.table}" ({names}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" for _ in self.columns)
                raw = self.connection.connection.cursor()
                raw.executemany(f'INSERT INTO "{self.table}" ({names}) VALUES ({marks})', list(rows))


def reset_sequence(model):
    from django.core.management.color import no_style
    from django.db import connection

    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [model]):
            cursor.execute(statement)


class DroppedIndexes:
    """PostgreSQL: drop a table's secondary (non-constraint) indexes during a bulk load."""

    def __init__(self, *models):
        from django.db import connection

        self.connection = connection
        self.tables = [m._meta.db_table for m in models]
        self.definitions = []

    def __enter__(self):
        if self.connection.vendor != "postgresql":
            return self
        with self.connection.cursor() as cursor:
            cursor.execute(
                """SELECT i.indexname, i.indexdef FROM pg_indexes i
                   WHERE i.tablename = ANY(%s) AND NOT EXISTS (
                     SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""",
                [self.tables],
            )
            self.definitions = cursor.fetchall()
            for name, _ in self.definitions:
                cursor.execute(f'DROP INDEX "{name}"')
        return self

    def __exit__(self, *exc):
        if self.connection.vendor != "postgresql":
            return
        with self.connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '512MB'")
            for _, definition in self.definitions:
                cursor.execute(definition)


# --- records, built in worker processes ----------------------------------------------------

_bodies = []


def _body_pool():
    if not _bodies:
        rng = random.Random(20261126)
        _bodies.extend(body_html(rng) for _ in range(BODY_POOL))
    return _bodies


def memoize_search_text_functions():
    """Bulk generation only: the search app's text functions are pure, and generated titles,
    bodies and paragraphs repeat, so remember their results (the documents are identical,
    built ~20× faster). Patched in this process and the workers it forks, nowhere else."""
    from functools import lru_cache

    from search import services, tokenizer
    from search.adapters import disclosures as record_adapter

    memoized = (
        (tokenizer, "tokens"),
        (services, "squeeze"),
        (services, "pinyin_tokens"),
        (record_adapter, "html_to_text"),
    )
    for module, name in memoized:
        function = getattr(module, name, None)
        if function is not None and not hasattr(function, "cache_info"):
            setattr(module, name, lru_cache(maxsize=200_000)(function))


def _chunk_rows(args):
    """Rows for records [start, stop): (records, history, search documents, replies, facts)."""
    start, stop, first_id, first_history_id, context = args
    from django.utils import timezone

    from disclosures.models import DisclosureRecord, Organization, Topic
    from search.registry import source_get
    from search.services import document_fields

    rng = random.Random(1000003 * start + 17)
    orgs = {pk: Organization(pk=pk, name=name, org_code=code) for pk, name, code in context["orgs"]}
    topics = {pk: Topic(pk=pk, name=name) for pk, name in context["topics"]}
    genre_ids = context["genres"]
    now = dt.datetime.fromisoformat(context["now"])
    span = YEARS * 365 * 24 * 60
    record_source = source_get("record")
    search_columns = context["search_columns"]
    records, history, documents, replies, facts = [], [], [], [], []
    for offset, n in enumerate(range(start, stop)):
        pk = first_id + offset
        # Spread evenly over the last YEARS years, newest last, one record per slot.
        minutes_ago = span - (n * span) // context["total"]
        published_at = (now - dt.timedelta(minutes=minutes_ago)).replace(second=0, microsecond=0)
        publisher = rng.choice(list(orgs))
        topic = rng.choice(list(topics))
        status = "published"
        roll = rng.random()
        if roll < 0.01:
            status = "draft"
        elif roll < 0.02:
            status = "withdrawn"
        extra = ""
        kind = "record"
        if n % REPLY_EVERY == 0 and status == "published":
            kind = "reply"
        elif n % FACT_EVERY == 7 and status == "published":
            kind = "fact"
            year = timezone.localtime(published_at).year - 1
            figure = rng.randint(100, 900)
            extra = f"截至{year}年底,基准测试区共开展社区协商各类活动{figure}次。"
            facts.append((pk, extra, figure, year))
        local = timezone.localtime(published_at)
        if kind == "reply":
            number = 100000 + n
            title = f"关于政协基准测试区第{number}号提案答复的函{MARK}"
            replies.append((pk, number, published_at.isoformat()))
        else:
            title = f"关于{rng.choice(SUBJECTS)}的{rng.choice(GENRES)}{MARK}"
        index_number = None
        if status != "draft":
            index_number = f"{orgs[publisher].org_code}-{local:%Y%m}-{n % 1000000:06d}"
        written = local.date() - dt.timedelta(days=rng.randint(1, 15))
        row = {
            "id": pk,
            "index_number": index_number,
            "title": title,
            "publisher_id": publisher,
            "drafting_org_id": publisher if rng.random() < 0.5 else None,
            "document_number": f"基测发〔{local.year}〕{n % 997 + 1}号" if rng.random() < 0.4 else "",
            "written_date": written,
            "published_at": None if status == "draft" else published_at,
            "topic_id": topic,
            "genre_id": rng.choice(genre_ids),
            "keywords": "、".join(rng.sample(OBJECTS, 2)),
            "summary": "",
            "validity": "valid",
            "effective_date": None,
            "invalid_date": None,
            "superseded_by_id": None,
            "interprets_id": None,
            "disclosure_mode": "proactive",
            "withheld_reason": "",
            "body": _with_paragraph(rng.choice(_body_pool()), extra),
            "status": status,
            "review_levels": 0,  # generated records never went through review (三审)
            "review_level": 0,
            "view_count": rng.randint(0, 500),
            "created_at": published_at,
            "updated_at": published_at,
        }
        records.append(tuple(row[c] for c in context["record_columns"]))
        history.append(
            tuple(
                {
                    "history_id": first_history_id + offset,
                    "history_date": published_at,
                    "history_change_reason": "基准测试数据",
                    "history_type": "+",
                    "history_user_id": None,
                }.get(c, row.get(c))
                for c in context["history_columns"]
            )
        )
        if status == "published":
            record = DisclosureRecord(**{k: v for k, v in row.items() if not k.endswith("_id")})
            record.pk = pk
            record.publisher = orgs[publisher]
            record.drafting_org = orgs[publisher] if row["drafting_org_id"] else None
            record.topic = topics[topic]
            fields = document_fields(document=record_source.document(record))
            fields.update(source="record", object_id=pk, indexed_at=now)
            documents.append(fields)
    docs = [tuple(_document_value(d, c) for c in search_columns) for d in documents]
    return records, history, docs, replies, facts


def _with_paragraph(body, extra):
    if not extra:
        return body
    head, sep, tail = body.partition("</p>")
    return f"{head}{sep}<p>{extra}</p>{tail}"


def _document_value(fields, column):
    if column.endswith("_id") and column[:-3] in fields:
        value = fields[column[:-3]]
        return getattr(value, "pk", value)
    return fields[column]


# --- the whole run -----------------------------------------------------------------------


def _meta_read():
    from django.db import connection

    if "bench_meta" not in connection.introspection.table_names():
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM bench_meta")
        row = cursor.fetchone()
    return json.loads(row[0]) if row else None


def _meta_write(data):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_meta (data TEXT NOT NULL)")
        cursor.execute("DELETE FROM bench_meta")
        cursor.execute("INSERT INTO bench_meta (data) VALUES (%s)", [json.dumps(data, ensure_ascii=False)])


def generate(scale: str, *, workers: int = 2, log=print, records: int | None = None) -> dict:
    """Fill the current database with `scale` records (idempotent: a database already
    generated at this scale by this version is left as it is). `records` overrides the
    count (tests generate a few hundred)."""
    from django.core.management import call_command
    from django.db import connection, connections, transaction
    from django.utils import timezone

    from disclosures.models import DisclosureRecord, Genre, IndexSerial, Organization, Topic
    from search.models import SearchDocument

    total = records or SCALES[scale]
    started = time.monotonic()
    # Always: a database generated by an earlier run gets the schema of the code measured now.
    call_command("migrate", "--noinput", verbosity=0)
    cases = CASES[scale] if records is None else max(50, records // 4)
    existing = _meta_read()
    if existing and existing.get("scale") == scale and existing.get("version") == GENERATOR_VERSION:
        log(f"bench data: {scale} already generated ({existing['records']:,} records), reused")
        return {**_complete(existing, cases=cases, log=log), "reused": True}
    if existing:
        raise SystemExit(f"this database holds benchmark data of another scale or version ({existing}); drop it first")
    timings = {}
    call_command("load_seed", verbosity=0)
    timings["migrate_and_seed"] = round(time.monotonic() - started, 1)
    if DisclosureRecord.objects.count() > 10:
        raise SystemExit("refusing: this database holds records that are not benchmark data")

    phase = time.monotonic()
    orgs = []
    for i in range(1, 41):
        org, _ = Organization.objects.get_or_create(
            name=f"基准测试单位{i:02d}（基准测试数据）",
            defaults={"org_code": org_code(i), "short_name": f"基测{i:02d}"},
        )
        orgs.append(org)
    topics = list(Topic.objects.all())
    genres = list(Genre.objects.values_list("pk", flat=True))
    first_id = (DisclosureRecord.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    History = DisclosureRecord.history.model
    first_history_id = (History.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    record_columns = [f.attname for f in DisclosureRecord._meta.concrete_fields]
    history_columns = [f.attname for f in History._meta.concrete_fields]
    search_columns = [f.attname for f in SearchDocument._meta.concrete_fields if f.attname != "id"]
    context = {
        "orgs": [(o.pk, o.name, o.index_code) for o in orgs],
        "topics": [(t.pk, t.name) for t in topics],
        "genres": genres,
        "now": timezone.now().isoformat(),
        "total": total,
        "record_columns": record_columns,
        "history_columns": history_columns,
        "search_columns": search_columns,
    }
    chunk = max(2000, min(CHUNK, total // (workers * 4)))  # enough chunks to keep every worker busy
    jobs = [(s, min(s + chunk, total), first_id + s, first_history_id + s, context) for s in range(0, total, chunk)]
    writers = (
        TableWriter(DisclosureRecord, record_columns),
        TableWriter(History, history_columns),
        TableWriter(SearchDocument, search_columns),
    )
    replies, facts = [], []
    memoize_search_text_functions()
    _body_pool()
    # Fork the workers before this process opens its connection: they must not share it.
    connections.close_all()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        with DroppedIndexes(DisclosureRecord, History, SearchDocument), transaction.atomic():
            for done, (records, history, docs, chunk_replies, chunk_facts) in enumerate(
                pool.imap(_chunk_rows, jobs), 1
            ):
                for writer, rows in zip(writers, (records, history, docs)):
                    writer.write(rows)
                replies += chunk_replies
                facts += chunk_facts
                if done % max(1, len(jobs) // 10) == 0 or done == len(jobs):
                    log(f"  records {min(done * chunk, total):,}/{total:,}  ({time.monotonic() - phase:.0f} s)")
            timings["rows"] = round(time.monotonic() - phase, 1)
            log("  rebuilding indexes")
    timings["indexes"] = round(time.monotonic() - phase - timings["rows"], 1)
    phase = time.monotonic()
    reset_sequence(DisclosureRecord)
    reset_sequence(History)
    reset_sequence(SearchDocument)
    _index_serials(IndexSerial, DisclosureRecord, first_id)
    timings["sequences_and_index_serials"] = round(time.monotonic() - phase, 1)

    phase = time.monotonic()
    extras = {}
    for name, build in (("proposals", _proposals), ("facts", _facts)):
        extras[name] = build(replies if name == "proposals" else facts, log=log)
    timings["replies_and_facts"] = round(time.monotonic() - phase, 1)

    parts = _complete({"timings": timings}, cases=cases, log=log, save=False)

    phase = time.monotonic()
    with connection.cursor() as cursor:
        # As autovacuum leaves tables after a bulk load: statistics and the visibility map
        # (counts can then be read from an index alone, as in a running site).
        cursor.execute("VACUUM (ANALYZE)" if connection.vendor == "postgresql" else "ANALYZE")
    timings["analyze"] = round(time.monotonic() - phase, 1)
    data = {
        "scale": scale,
        "version": GENERATOR_VERSION,
        "records": total,
        "replies": extras["proposals"],
        "facts": extras["facts"],
        "search_documents": SearchDocument.objects.count(),
        "cases": parts["cases"],
        "district": parts["district"],
        "words": {"common": COMMON_WORD, "phrase": PHRASE, "miss": MISS},
        "seconds": round(time.monotonic() - started, 1),
        "timings": timings,
        "database": connection.vendor,
        "generated_at": timezone.now().isoformat(),
    }
    _meta_write(data)
    log(f"bench data: {total:,} records generated in {data['seconds']} s {timings}")
    return data


def _index_serials(IndexSerial, DisclosureRecord, first_id):
    """Future 索引号 allocations must not collide with the generated ones."""
    from collections import defaultdict

    last = defaultdict(int)
    for number in (
        DisclosureRecord.objects.filter(pk__gte=first_id, index_number__isnull=False)
        .values_list("index_number", flat=True)
        .iterator(chunk_size=50_000)
    ):
        prefix, serial = number.rsplit("-", 1)
        last[prefix + "-"] = max(last[prefix + "-"], int(serial))
    existing = {s.prefix: s for s in IndexSerial.objects.filter(prefix__in=list(last))}
    for prefix, serial in existing.items():
        serial.last_value = max(serial.last_value, last[prefix])
    IndexSerial.objects.bulk_update(existing.values(), ["last_value"], batch_size=1000)
    IndexSerial.objects.bulk_create(
        [IndexSerial(prefix=p, last_value=v) for p, v in last.items() if p not in existing], batch_size=1000
    )


def _proposals(replies, *, log):
    """One proposal per reply letter, answered and published, with its search document."""
    if not replies:
        return 0
    from django.db import transaction
    from simple_history.utils import bulk_create_with_history

    from disclosures.models import DisclosureRecord, Organization
    from proposals.models import Assembly, Member, Proposal, Reply, ReplyCategory, Session

    rng = random.Random(7)
    with transaction.atomic():
        assembly, _ = Assembly.objects.get_or_create(
            name="政协基准测试区", defaults={"kind": Assembly.Kind.CPPCC, "place": "基准测试区（基准测试数据）"}
        )
        years = sorted({dt.datetime.fromisoformat(when).year for _, _, when in replies})
        sessions = {}
        for i, year in enumerate(years, start=1):
            sessions[year], _ = Session.objects.get_or_create(
                assembly=assembly, term=20, number=i, defaults={"year": year}
            )
        members = bulk_create_with_history(
            [Member(assembly=assembly, name=f"基测委员{i:03d}", sector="基准测试界") for i in range(1, 201)],
            Member,
            batch_size=1000,
        )
        members = list(Member.objects.filter(assembly=assembly))
        units = list(Organization.objects.filter(name__startswith="基准测试单位"))
        categories = list(ReplyCategory.objects.all())
        records = dict(
            DisclosureRecord.objects.filter(pk__in=[pk for pk, _, _ in replies]).values_list("pk", "publisher")
        )
        proposals, answers = [], []
        for pk, number, when in replies:
            when = dt.datetime.fromisoformat(when)
            session = sessions[when.year]
            assigned = (when - dt.timedelta(days=60)).date()
            unit = next(u for u in units if u.pk == records[pk]) if records.get(pk) else rng.choice(units)
            proposals.append(
                Proposal(
                    session=session,
                    number=str(number),
                    kind=Proposal.Kind.PROPOSAL,
                    title=f"关于加强{rng.choice(OBJECTS)}的提案{MARK}",
                    lead_member=rng.choice(members),
                    filed_on=assigned - dt.timedelta(days=10),
                    assigned_on=assigned,
                    lead_unit=unit,
                    status=Proposal.Status.ANSWERED,
                )
            )
        proposals = bulk_create_with_history(proposals, Proposal, batch_size=2000)
        by_number = {p.number: p for p in Proposal.objects.filter(session__assembly=assembly)}
        for pk, number, when in replies:
            proposal = by_number[str(number)]
            when = dt.datetime.fromisoformat(when)
            answers.append(
                Reply(
                    proposal=proposal,
                    answering_unit_id=proposal.lead_unit_id,
                    letter=f"<p>尊敬的委员：您提出的第{number}号提案收悉，现答复如下。</p>",
                    replied_on=when.date(),
                    category=rng.choice(categories) if categories else None,
                    contact_person="基测联系人",
                    contact_phone="0871-00000000",
                    status=Reply.Status.SENT,
                    published_at=when,
                    record_id=pk,
                )
            )
        bulk_create_with_history(answers, Reply, batch_size=2000)
    _index_source("reply", Reply.objects.filter(proposal__session__assembly=assembly), log=log)
    return len(answers)


def _facts(facts, *, log):
    if not facts:
        return 0
    from django.db import transaction
    from simple_history.utils import bulk_create_with_history

    from communities.models import Fact, Metric

    with transaction.atomic():
        metric, _ = Metric.objects.get_or_create(
            slug="bench-consultations", defaults={"name": "社区协商活动次数（基准测试数据）", "unit": "次"}
        )
        rows = [
            Fact(
                source_record_id=pk,
                sentence=text,
                metric=metric,
                value=Decimal(figure),
                unit="次",
                figure_text=f"{figure}次",
                period=f"截至{year}年底",
                period_end=dt.date(year, 12, 31),
            )
            for pk, text, figure, year in facts
        ]
        bulk_create_with_history(rows, Fact, batch_size=2000)
    _index_source("fact", Fact.objects.filter(metric=metric), log=log)
    return len(rows)


def _index_source(key, queryset, *, log):
    """Search documents for generated replies or facts, through the search app's own adapters."""
    from search.models import SearchDocument
    from search.registry import source_get
    from search.services import document_fields

    source = source_get(key)
    if source is None:
        log(f"  search source {key!r} not registered: skipped")
        return
    ids = queryset.values_list("pk", flat=True)
    batch = []
    for item in source.indexable().filter(pk__in=ids).iterator(chunk_size=2000):
        document = source.document(item)
        if document is None or document.published_at is None:
            continue
        batch.append(SearchDocument(source=key, object_id=item.pk, **document_fields(document=document)))
        if len(batch) >= 2000:
            SearchDocument.objects.bulk_create(batch)
            batch = []
    if batch:
        SearchDocument.objects.bulk_create(batch)


# --- parts added after the records: the district, its 年报, the 依申请公开 cases --------------


def _complete(data, *, cases, log, save=True):
    """The parts a database generated by an earlier run of this version may lack, added once:
    the district (with its consolidated 年报 draft) and the cases."""
    from django.db import connection

    timings = data.setdefault("timings", {})
    added = False
    if "district" not in data:
        data["district"] = _district()
        added = True
    if "cases" not in data:
        phase = time.monotonic()
        data["cases"] = _cases(cases, log=log)
        timings["cases"] = round(time.monotonic() - phase, 1)
        added = True
    if added and save:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        _meta_write(data)
    return data


def _district():
    """The generated agencies' parent, with the draft consolidated 年报 for last year that
    `make bench` generates (bench/probe.py)."""
    from django.utils import timezone

    from annualreports.models import AnnualReport
    from disclosures.models import Organization

    district, _ = Organization.objects.get_or_create(
        name=DISTRICT, defaults={"org_code": org_code(0), "short_name": "基测区"}
    )
    Organization.objects.filter(name__startswith="基准测试单位").update(parent=district)
    AnnualReport.objects.get_or_create(
        organization=district,
        year=timezone.localdate().year - 1,
        consolidated=True,
        defaults={
            "overview": f"<p>基准测试区汇总年报{MARK}。</p>",
            "licences": 0,
            "penalties": 0,
            "enforcement": 0,
            "fees": Decimal("0"),
        },
    )
    return district.pk


def _cases(total, *, log):
    """`total` 依申请公开 cases across the generated agencies over the last two years: most
    answered (each outcome and applicant type), the recent ones open in every state, a few
    published after redaction. Written with COPY; the identifiers are encrypted once (one
    made-up applicant), the 查询码 digests are unique."""
    from django.db import connection
    from django.utils import timezone

    from disclosures.models import Organization
    from inforequests.crypto import digest
    from inforequests.models import Agency, Case, CaseItem, Outcome, phone_key

    if not total:
        return 0
    rng = random.Random(14)
    agencies = list(Organization.objects.filter(name__startswith="基准测试单位").order_by("pk"))
    for org in agencies:
        Agency.objects.get_or_create(organization=org)
    today = timezone.localdate()
    person = [value for value, _ in Case.ApplicantType.choices]
    weights = [80, 8, 3, 3, 3, 3]
    open_states = [Case.State.REGISTERED] * 6 + [
        Case.State.CORRECTION,
        Case.State.CONSULTATION,
        Case.State.FEE,
        Case.State.EXTENDED,
    ]
    encrypted = {
        name: Case._meta.get_field(name).get_prep_value(value)
        for name, value in (
            ("name", "基准测试申请人"),
            ("id_number", "11010519491231002X"),
            ("phone", "13800000000"),
            ("address", "基准测试地址"),
        )
    }
    applicants = [digest(f"bench-applicant-{n}", "applicant") for n in range(5000)]
    phone_digest = phone_key("13800000000")  # the encrypted phone's, as Case.save() sets it
    outcomes = list(Outcome.values)
    first_id = (Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    first_item = (CaseItem.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    case_columns = [f.attname for f in Case._meta.concrete_fields]
    item_columns = [f.attname for f in CaseItem._meta.concrete_fields]
    now = timezone.now()
    rows, items = [], []
    for n in range(total):
        pk = first_id + n
        received = today - dt.timedelta(days=rng.randint(0, 720))
        closed = received < today - dt.timedelta(days=40) or rng.random() < 0.2
        state = rng.choice([Case.State.ANSWERED, Case.State.ARCHIVED]) if closed else rng.choice(open_states)
        paused = state in Case.PAUSED_STATES
        replied = received + dt.timedelta(days=rng.randint(1, 30)) if closed else None
        published = closed and rng.random() < 0.05
        title = f"关于{rng.choice(OBJECTS)}情况的信息公开申请{MARK}"
        row = {
            "id": pk,
            "number": f"JZCS-YSQ-{n:07d}",
            "query_code_digest": digest(f"bench-case-{n}", "query"),
            "agency_id": agencies[n % len(agencies)].pk,
            "channel": Case.Channel.ONLINE,
            "received_on": received,
            "confirmed_at": None,
            "state": state,
            "is_open": not closed,
            "is_demo": False,
            "applicant_type": rng.choices(person, weights)[0],
            "id_type": Case.IdType.RESIDENT_ID,
            "email": "",
            "applicant_key": applicants[n % len(applicants)],
            "phone_key": phone_digest,
            "contact_person": "",
            "particulars_erased_on": None,
            "title": title,
            "document_number": "",
            "description": "基准测试数据：所需信息的特征描述。",
            "delivery": Case.Delivery.ELECTRONIC,
            "consents_publication": published,
            "duplicate_of_id": None,
            "possible_duplicate_of_id": None,
            "clock_start": received,
            "extension_days": 15 if state == Case.State.EXTENDED else 0,
            "extension_approver": "基测负责人" if state == Case.State.EXTENDED else "",
            "due_on": None if paused else received + dt.timedelta(days=28),
            "due_exact": True,
            "due_inputs": {},
            "waiting_until": received + dt.timedelta(days=20) if paused else None,
            "correction_notice_on": None,
            "correction_received_on": None,
            "fee_amount": Decimal("0"),
            "fee_notice_on": None,
            "paid_on": None,
            "outcome": rng.choice(outcomes) if closed else "",
            "replied_on": replied,
            "reply_text": "基准测试答复。" if closed else "",
            "answer_working_days": rng.randint(1, 25) if closed else None,
            "answered_on_time": rng.random() < 0.9 if closed else None,
            "public_request_text": title if published else "",
            "public_reply_text": "基准测试答复（已作隐私处理）。" if published else "",
            "published_at": dt.datetime.combine(replied, dt.time(10), tzinfo=now.tzinfo) if published else None,
            "promoted_record_id": None,
            "created_at": now,
            **encrypted,
        }
        rows.append(tuple(row[c] for c in case_columns))
        item = {"id": first_item + n, "case_id": pk, "position": 1, "description": title, "outcome": row["outcome"]}
        items.append(tuple(item[c] for c in item_columns))
    from django.db import transaction

    with transaction.atomic():
        TableWriter(Case, case_columns).write(rows)
        TableWriter(CaseItem, item_columns).write(items)
    reset_sequence(Case)
    reset_sequence(CaseItem)
    if connection.vendor == "postgresql":
        # As autovacuum leaves a table after a bulk load: statistics and the visibility map (the
        # queue's count of open cases is then read from its partial index alone).
        with connection.cursor() as cursor:
            for model in (Case, CaseItem):
                cursor.execute(f'VACUUM (ANALYZE) "{model._meta.db_table}"')
    log(f"  依申请公开 cases {total:,}")
    return total


def main(argv=None):
    import django

    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in SCALES:
        raise SystemExit(f"usage: python -m bench.generate {{{','.join(SCALES)}}}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govportal.settings.dev")
    django.setup()
    data = generate(argv[0], workers=int(os.environ.get("BENCH_GENERATE_WORKERS", "2")))
    print("BENCH_META " + json.dumps(data, ensure_ascii=False))


if __name__ == "__main__":
    main()
