"""Rebuild the search index from every registered source (after bulk imports, or to repair)."""

import time

from django.core.management.base import BaseCommand, CommandError

from search.registry import source_labels
from search.services import index_rebuild


class Command(BaseCommand):
    help = "重建站内检索索引（默认全部类型；--type 只重建指定类型）。"

    def add_arguments(self, parser):
        parser.add_argument("--type", action="append", dest="types", help=f"类型：{', '.join(source_labels())}")
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, types=None, batch_size=500, **options):
        unknown = set(types or []) - set(source_labels())
        if unknown:
            raise CommandError(f"未知类型：{', '.join(sorted(unknown))}；可选：{', '.join(source_labels())}")
        started = time.perf_counter()
        counts = index_rebuild(keys=types, batch_size=max(1, batch_size))
        labels = source_labels()
        summary = "，".join(f"{labels.get(key, key)} {count} 条" for key, count in counts.items())
        self.stdout.write(f"检索索引已重建：{summary}（{time.perf_counter() - started:.2f} 秒）")
