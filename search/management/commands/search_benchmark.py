"""Time search queries on a synthetic corpus, inside a transaction that is rolled back.

    python manage.py search_benchmark --rows 5000

Creates N published records of random government phrases (plus a few known ones), indexes
them with the same code as production, then times each query the way /search/ runs it:
the count, the first page of 20 ranked hits, and the five facet counts. Nothing is kept.
Numbers, not assertions: the test suite never asserts a time."""

import random
import statistics
import time

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from disclosures.models import DisclosureRecord, Organization, Topic
from search.backends import backend_for
from search.models import SearchDocument
from search.query import parse_query
from search.selectors import PlannedQuery, search, search_hits
from search.services import index_rebuild

PHRASES = [
    "关于进一步加强",
    "社区治理",
    "工作的通知",
    "政府信息公开",
    "年度报告",
    "实施意见",
    "基层社会治理",
    "试点建设",
    "城乡社区",
    "街道办事处",
    "民政局",
    "财政预算",
    "项目资金",
    "公开招聘",
    "社区工作者",
    "准入制度",
    "协商议事",
    "便民服务",
    "营商环境",
    "安全生产",
    "生态环境",
    "教育体育",
    "卫生健康",
    "区人民政府办公室",
    "印发",
    "管理办法",
    "考核评议",
    "征求意见",
    "通告",
    "公示",
]
QUERIES = [
    "社区",
    "治理试点",
    "〔2018〕49号",
    "[2018]49号",
    "区",
    "信息公开",
    "年度报告 通知",
    "015117762",
    "华人民",
    "GB/T 9704",
]


class _Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "在回滚的事务中生成合成数据并测量检索耗时（不保留任何数据）。"

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=5000)
        parser.add_argument("--repeat", type=int, default=5)
        parser.add_argument("--body-phrases", type=int, default=60)
        parser.add_argument("--explain", action="append", default=[], help="print the plans of this query's first page")

    def handle(self, *args, rows, repeat, body_phrases, explain, **options):
        try:
            with transaction.atomic():
                self._run(rows, repeat, body_phrases)
                for q in explain:
                    results = search(query=parse_query(q), at=timezone.now())
                    for part in results.queryset.parts:
                        # The ranked window's rows, or the date-ordered rest (a planned query's plain queryset).
                        part_qs = part.documents if hasattr(part, "documents") else part.queryset
                        part_qs = part_qs.queryset if isinstance(part_qs, PlannedQuery) else part_qs
                        count = part.count(grouped=False)
                        self.stdout.write(f"EXPLAIN ANALYZE {q}（{count} 条）:\n" + part_qs[:20].explain(analyze=True))
                raise _Rollback
        except _Rollback:
            self.stdout.write("（合成数据已回滚）")

    def _run(self, rows, repeat, body_phrases):
        rng = random.Random(6)
        org, _ = Organization.objects.get_or_create(name="基准测试机构", defaults={"org_code": "015117762"})
        topics = [Topic.objects.get_or_create(name=f"基准分类{i}")[0] for i in range(8)]
        now = timezone.now()
        records = []
        for n in range(rows):
            body = "".join(rng.choice(PHRASES) + rng.choice("，。、；") for _ in range(body_phrases))
            if n % 97 == 0:
                body += "（昆办通〔2018〕49号）"
            records.append(
                DisclosureRecord(
                    index_number=f"015117762-{2015 + n % 10}01-{n:06d}",
                    title="".join(rng.sample(PHRASES, 3)),
                    publisher=org,
                    topic=topics[n % len(topics)],
                    body=f"<p>{body}</p>",
                    status=DisclosureRecord.Status.PUBLISHED,
                    published_at=now - timezone.timedelta(hours=n),
                    written_date=now.date(),
                    validity=DisclosureRecord.Validity.VALID if n % 5 else DisclosureRecord.Validity.EXPIRED,
                )
            )
        started = time.perf_counter()
        DisclosureRecord.objects.bulk_create(records, batch_size=1000)
        created = time.perf_counter() - started
        started = time.perf_counter()
        counts = index_rebuild(keys=["record"])
        indexed = time.perf_counter() - started
        self.stdout.write(
            f"{connection.vendor}: {rows} 条记录（正文约 {body_phrases * 5} 字），写入 {created:.2f}s，"
            f"建索引 {indexed:.2f}s（{counts['record'] / indexed:.0f} 条/秒）"
        )
        self.stdout.write(
            f"{'检索词':<14}{'命中':>7}{'计数与分面 ms':>14}{'（缓存后）':>10}{'首页20条 ms':>12}{'合计 ms':>9}"
        )
        for q in QUERIES:
            self._time(q, repeat)
        if connection.vendor == "postgresql":
            everything = SearchDocument.objects.all()
            query = parse_query("治理试点")
            plan = backend_for(everything).match(everything, query).explain(analyze=True)
            self.stdout.write("EXPLAIN ANALYZE（治理试点的词元匹配）:\n" + plan)

    def _time(self, q, repeat):
        """As /search/ runs it: one grouped query gives the count and every facet (cached
        until content changes, so measured cold and warm), then the first page of 20 ranked
        hits with highlighted excerpts."""
        query = parse_query(q)
        cold, warm, page_times = [], [], []
        for _ in range(repeat):
            started = time.perf_counter()
            results = search(query=query, at=timezone.now())  # an explicit time bypasses the cache
            searched = time.perf_counter()
            search_hits(documents=results.groups[:20], query=query)
            page_times.append(time.perf_counter() - searched)
            cold.append(searched - started)
            started = time.perf_counter()
            search(query=query)
            warm.append(time.perf_counter() - started)
        cold_ms, warm_ms, page_ms = (statistics.median(v) * 1000 for v in (cold, warm, page_times))
        self.stdout.write(
            f"{q:<14}{results.count:>7}{cold_ms:>14.1f}{warm_ms:>10.1f}{page_ms:>12.1f}{cold_ms + page_ms:>9.1f}"
        )
