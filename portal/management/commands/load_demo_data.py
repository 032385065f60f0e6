"""Load every app's demo data: apps register a callable with `register_demo_loader`."""

from django.core.management.base import BaseCommand

from core.demo import demo_loaders


class Command(BaseCommand):
    help = "Load clearly labelled demo data (演示数据) from every app, idempotently."

    def handle(self, *args, **options):
        for name, loader in demo_loaders():
            result = loader()
            self.stdout.write(f"demo data: {name}: {result}")
