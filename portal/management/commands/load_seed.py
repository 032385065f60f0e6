"""Load fixtures/*.json idempotently: rows that already exist are left as staff left them.

`loaddata` would overwrite them (resetting 浏览次数 and undoing staff edits), so each
object is saved only when its natural key or primary key is not in the database yet."""

from pathlib import Path

from django.conf import settings
from django.core import serializers
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core.signals import seed_loaded


class Command(BaseCommand):
    help = "Load the seed fixtures (fixtures/*.json, in name order) without overwriting existing rows."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", help="fixture files (default: every fixtures/*.json)")

    def handle(self, *args, **options):
        files = [Path(p) for p in options["paths"]] or sorted((Path(settings.BASE_DIR) / "fixtures").glob("*.json"))
        created = skipped = 0
        with transaction.atomic():
            for path in files:
                try:
                    with path.open(encoding="utf-8") as handle:
                        for item in serializers.deserialize("json", handle, handle_forward_references=True):
                            model = type(item.object)
                            if item.object.pk is not None and model._default_manager.filter(pk=item.object.pk).exists():
                                skipped += 1
                                continue
                            item.save()
                            created += 1
                except OSError as error:
                    raise CommandError(f"无法读取 {path}：{error.strerror}") from None
                except serializers.base.DeserializationError as error:
                    # Nothing of any file is kept (one transaction): say which file, and where.
                    raise CommandError(
                        f"{path} 不是可载入的数据文件：{(str(error).strip().splitlines() or [type(error).__name__])[-1][:300]}"
                    ) from None
        seed_loaded.send(sender=self.__class__, created=created)
        self.stdout.write(f"seed: {created} created, {skipped} already present")
