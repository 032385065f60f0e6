"""Timing of the staff queue and the public statistics page at N generated cases, against the
catalogue page in the same run (issue 14: p95 within 1.5× of the catalogue).

    DATABASE_URL=…/govportal_bench python manage.py bench_inforequests --generate 100000

Generates into the configured database (refuses one whose name lacks "bench" unless
--force), then requests each page in turn through Django's test client, in process."""

import datetime as dt
import random
import statistics
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from disclosures.models import Organization
from inforequests.crypto import digest
from inforequests.models import Agency, Case, CaseItem, Outcome

AGENCIES = 20


class Command(BaseCommand):
    help = "依申请公开性能测试：生成申请并比较办理队列、统计页与信息公开目录页的 p95。"

    def add_arguments(self, parser):
        parser.add_argument("--generate", type=int, default=0, help="生成多少件申请（0：使用已有数据）")
        parser.add_argument("--requests", type=int, default=100)
        parser.add_argument("--force", action="store_true")

    def handle(self, *args, generate=0, requests=100, force=False, **options):
        name = str(connection.settings_dict["NAME"])
        if generate and "bench" not in name and not force:
            raise CommandError(f"refusing to generate into {name!r}: use a database named *bench* or --force")
        if generate:
            self._generate(generate)
        agency = Organization.objects.filter(name__startswith="性能测试机关").order_by("pk").first()
        if agency is None:
            raise CommandError("no generated data: run with --generate N first")
        user, _ = get_user_model().objects.get_or_create(
            username="bench-district", defaults={"is_staff": True, "is_superuser": True}
        )
        staff, public = Client(), Client(HTTP_USER_AGENT="Mozilla/5.0 bench")
        staff.force_login(user)
        for client in (staff, public):
            client.cookies["bench"] = "1"  # an unknown cookie: the page cache stays out of the way
        pages = {
            "目录页 /disclosures/": (public, "/disclosures/"),
            "办理队列": (staff, "/disclosures/apply/staff/"),
            "办理队列（红牌）": (staff, "/disclosures/apply/staff/?alarm=红牌"),
            "机关统计页": (public, f"/disclosures/apply/statistics/{agency.pk}/"),
            "统计首页": (public, "/disclosures/apply/statistics/"),
        }
        timings = {label: [] for label in pages}
        for _ in range(requests):
            for label, (client, url) in pages.items():
                start = time.perf_counter()
                response = client.get(url)
                timings[label].append(time.perf_counter() - start)
                if response.status_code != 200:
                    raise CommandError(f"{url} answered {response.status_code}")
        base = _p95(timings["目录页 /disclosures/"])
        worst = 0
        for label, values in timings.items():
            ratio = _p95(values) / base
            worst = max(worst, ratio)
            self.stdout.write(
                f"{label:<24} p50 {statistics.median(values) * 1000:7.1f} ms  p95 {_p95(values) * 1000:7.1f} ms  {ratio:4.2f}×"
            )
        self.stdout.write(f"cases: {Case.objects.count()}; worst ratio to the catalogue: {worst:.2f}× (limit 1.5×)")

    @transaction.atomic
    def _generate(self, count):
        rng = random.Random(14)
        agencies = []
        for n in range(AGENCIES):
            org, _ = Organization.objects.get_or_create(name=f"性能测试机关{n:02d}")
            Agency.objects.get_or_create(organization=org)
            agencies.append(org)
        today = timezone.localdate()
        start = Case.objects.count()
        outcomes = list(Outcome.values)
        batch = []
        for i in range(start, start + count):
            received = today - dt.timedelta(days=rng.randint(0, 720))
            closed = received < today - dt.timedelta(days=40) or rng.random() < 0.2
            case = Case(
                number=f"BENCH-{i:07d}",
                query_code_digest=digest(f"bench-{i}", "query"),
                agency=rng.choice(agencies),
                channel="online",
                received_on=received,
                clock_start=received,
                is_demo=True,
                applicant_type="person",
                id_type="resident_id",
                name="性能测试",
                id_number="11010519491231002X",
                phone="13800000000",
                address="测试地址",
                applicant_key=digest(str(i % 5000), "applicant"),
                title=f"性能测试申请{i}",
                description="性能测试",
                delivery="electronic",
                due_on=received + dt.timedelta(days=28),
                due_inputs={},
                state=Case.State.ANSWERED if closed else Case.State.REGISTERED,
                is_open=not closed,
                outcome=rng.choice(outcomes) if closed else "",
                replied_on=received + dt.timedelta(days=rng.randint(1, 30)) if closed else None,
                answer_working_days=rng.randint(1, 25) if closed else None,
                answered_on_time=rng.random() < 0.9 if closed else None,
            )
            batch.append(case)
            if len(batch) == 5000:
                self._flush(batch)
        self._flush(batch)
        self.stdout.write(f"generated {count} cases")

    def _flush(self, batch):
        created = Case.objects.bulk_create(batch)
        CaseItem.objects.bulk_create([CaseItem(case=c, position=1, description=c.title) for c in created])
        batch.clear()


def _p95(values):
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]
