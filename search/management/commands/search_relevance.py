"""Measure the relevance set (search/relevance_set.json) on this database's seed and demo data."""

import json

from django.core.management.base import BaseCommand

from search.relevance import evaluate


class Command(BaseCommand):
    help = "用检索相关性测试集（需已加载 load_seed 与 load_demo_data）计算 precision@3 与 nDCG@10。"

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args, **options):
        measured = evaluate()
        if options["json"]:
            self.stdout.write(json.dumps(measured, ensure_ascii=False))
            return
        self.stdout.write(
            f"{measured['queries']} 条检索词：precision@3 {measured['precision_at_3']:.3f}，"
            f"nDCG@10 {measured['ndcg_at_10']:.3f}"
        )
        for miss in measured["misses"]:
            self.stdout.write(f"  {miss['q']}（{miss['kind']}）：缺 {'、'.join(miss['missing']) or '—'}")
