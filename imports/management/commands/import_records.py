"""Import legacy records from the command line, or run a batch the admin started.

    manage.py import_records export.csv --source-system 官渡区TRS旧站 [--publisher 名称] [--topic 名称]
        [--old-site http://www.kmgd.gov.cn/] [--map 列名=field …] [--user 用户名] [--run]
    manage.py import_records pages/ --source-system 官渡区TRS旧站 --old-site http://www.kmgd.gov.cn/
    manage.py import_records --batch 12 --dry-run | --run | --rollback

A new batch is always dry-run first and its result printed; `--run` then imports it. Progress
goes to standard output after every chunk of rows."""

import io
import time
import zipfile
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from disclosures.models import Organization, Topic
from imports import services
from imports.fields import FIELD_NAMES
from imports.models import ImportBatch, RowResult


class Command(BaseCommand):
    help = "Import records from a spreadsheet or captured pages (a file, a folder or a ZIP), with a dry run first."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="CSV/XLSX file, HTML/text page, ZIP, or a folder of pages")
        parser.add_argument("--source-system", help="the legacy system's name; re-imports update by it")
        parser.add_argument("--publisher", help="default 发布机构 (its name) for rows without one")
        parser.add_argument("--topic", help="default 主题分类 (its name) for rows without one")
        parser.add_argument("--old-site", default="", help="the old site's address, for pages without their own")
        parser.add_argument("--map", action="append", default=[], metavar="HEADER=FIELD", help="map a column")
        parser.add_argument("--user", help="import as this staff member (their agencies only)")
        parser.add_argument("--user-id", type=int, help="import as this user (the admin's background start)")
        parser.add_argument("--batch", type=int, help="an existing batch")
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument("--run", action="store_true", help="import for real (after the dry run)")
        parser.add_argument("--rollback", action="store_true")

    def handle(self, *args, **options):
        user = self._user(options)
        if options["batch"]:
            batch = ImportBatch.objects.filter(pk=options["batch"]).first()
            if batch is None:
                raise CommandError(f"没有批次 #{options['batch']}")
            action = "rollback" if options["rollback"] else "run" if options["run"] else "dry_run"
            self._run(batch, action, user)
            return
        if not options["path"] or not options["source_system"]:
            raise CommandError("请给出文件（或文件夹）和 --source-system。")
        batch = self._create(Path(options["path"]), options, user)
        self._run(batch, "dry_run", user)
        if options["run"]:
            self._run(ImportBatch.objects.get(pk=batch.pk), "run", user)

    def _user(self, options):
        User = get_user_model()
        if options.get("user_id"):
            try:
                return User.objects.get(pk=options["user_id"])
            except User.DoesNotExist as error:
                raise CommandError(f"没有编号为 {options['user_id']} 的用户") from error
        if options.get("user"):
            try:
                return User.objects.get(username=options["user"])
            except User.DoesNotExist as error:
                raise CommandError(f"没有用户 {options['user']}") from error
        return None

    def _create(self, path, options, user):
        if path.is_dir():
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for file in sorted(p for p in path.rglob("*") if p.is_file()):
                    archive.write(file, file.relative_to(path).as_posix())
            name, data = f"{path.name}.zip", buffer.getvalue()
        elif path.is_file():
            name, data = path.name, path.read_bytes()
        else:
            raise CommandError(f"找不到 {path}")
        defaults = {}
        for option, model in (("publisher", Organization), ("topic", Topic)):
            if options[option]:
                defaults[f"default_{option}"] = model.objects.filter(name=options[option]).first()
                if defaults[f"default_{option}"] is None:
                    raise CommandError(f"没有名为“{options[option]}”的{model._meta.verbose_name}")
        try:
            batch = services.batch_create(
                user=user,
                name=name,
                data=data,
                source_system=options["source_system"],
                old_site=options["old_site"],
                **defaults,
            )
        except ValidationError as error:
            raise CommandError("；".join(error.messages)) from error
        self.stdout.write(f"批次 #{batch.pk}：{batch.file_name}，{batch.rows_total} 行（{batch.get_kind_display()}）")
        for note in batch.report.get("notes", []):
            self.stdout.write(f"  注意：{note}")
        if batch.kind == ImportBatch.Kind.SPREADSHEET:
            columns = dict(batch.column_mapping)
            for item in options["map"]:
                header, _, target = item.partition("=")
                if target and target not in FIELD_NAMES:
                    raise CommandError(f"--map {item}：没有字段 {target}（可用：{', '.join(FIELD_NAMES)}）")
                columns[header] = target
            unknown = [
                h
                for h in batch.report.get("unknown_headers", [])
                if h not in dict(i.partition("=")[::2] for i in options["map"])
            ]
            if unknown:
                raise CommandError(
                    f"这些列无法自动对应：{'、'.join(unknown)}。请用 --map 列名=字段 指定（字段留空则忽略该列），"
                    f"或在后台的批次页面确认对应关系。"
                )
            services.batch_set_mapping(batch=batch, user=user, columns=columns, values=batch.value_mapping)
        return batch

    def _run(self, batch, action, user):
        label = {"dry_run": "试运行", "run": "正式导入", "rollback": "回滚"}[action]
        started = time.monotonic()
        self.stdout.write(f"{label}批次 #{batch.pk}……")

        def progress(done, total):
            rate = done / max(time.monotonic() - started, 1e-6)
            percent = done * 100 // total if total else 100
            self.stdout.write(f"  {done:,}/{total:,} 行（{percent}%），{rate:,.0f} 行/秒")
            self.stdout.flush()

        try:
            # Started from the admin: batch_start checked it and marked it running already.
            if batch.status != services.RUNNING_STATUS[action]:
                services.check_can_start(batch, action, user)
            batch = services.run_action(batch=batch, action=action, user=user, progress=progress)
        except ValidationError as error:
            raise CommandError("；".join(error.messages)) from error
        if action == "rollback":
            rolled = batch.report.get("rolled_back", {})
            self.stdout.write(f"已回滚：删除 {rolled.get('deleted', 0)} 条，恢复 {rolled.get('restored', 0)} 条。")
            return
        counts = batch.report.get("counts", {})
        summary = "，".join(f"{RowResult.Action(a).label} {counts.get(a, 0)}" for a in RowResult.Action.values)
        self.stdout.write(
            f"{label}完成：{summary}；待核对缺字 {batch.report.get('flags', 0)} 处；{batch.report.get('rows_per_second')} 行/秒"
        )
        for kind, names in batch.report.get("unknown", {}).items():
            self.stdout.write(f"  未识别的{kind}：{'、'.join(list(names)[:10])}")
        refused = RowResult.objects.filter(batch=batch, dry_run=action == "dry_run", action=RowResult.Action.REFUSE)
        for result in refused[:20]:
            self.stdout.write(
                f"  第 {result.number} 行{('（' + result.place + '）') if result.place else ''}：{'；'.join(result.messages)}"
            )
