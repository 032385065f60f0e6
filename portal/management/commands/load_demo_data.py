"""Load every app's demo data: apps register a callable with `register_demo_loader`."""

from django.core.management.base import BaseCommand, CommandError

from core.demo import DemoDataRefused, demo_loaders, refuse_unless_demo_allowed


class Command(BaseCommand):
    help = (
        "Load clearly labelled demo data (演示数据) and demo accounts from every app, idempotently (not in production)."
    )

    def handle(self, *args, **options):
        try:
            refuse_unless_demo_allowed()
        except DemoDataRefused as refused:
            raise CommandError(str(refused)) from None
        for name, loader in demo_loaders():
            result = loader()
            self.stdout.write(f"demo data: {name}: {result}")
