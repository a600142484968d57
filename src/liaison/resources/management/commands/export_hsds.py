"""`liaison export-hsds TARGET`: the directory as HSDS 3.0 — a folder or .zip of CSV, or .json."""

from pathlib import Path

from django.core.management.base import BaseCommand

from liaison.resources.hsds import exporter


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("target")

    def handle(self, *args, target, **options):
        if Path(target).suffix.lower() == ".json":
            exporter.write_json(target)
        else:
            exporter.write_csv(target)
        self.stdout.write(self.style.SUCCESS(f"Wrote {target}"))
