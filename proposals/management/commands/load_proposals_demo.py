"""Demo proposals, replies and feedback (演示数据 in every title); `load_demo_data` runs it too."""

from django.core.management.base import BaseCommand, CommandError

from core.demo import DemoDataRefused, refuse_unless_demo_allowed
from proposals.demo import load_demo_data


class Command(BaseCommand):
    help = "Generate clearly labelled demo proposals (fixed random seed; a second run creates nothing)."

    def handle(self, *args, **options):
        try:
            refuse_unless_demo_allowed()  # as load_demo_data: never under production settings
        except DemoDataRefused as refused:
            raise CommandError(str(refused)) from None
        self.stdout.write(f"proposals demo data: {load_demo_data()}")
