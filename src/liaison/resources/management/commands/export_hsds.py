"""`liaison export-hsds TARGET`: the directory as HSDS 3.0 — a folder or .zip of CSV, or .json."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from liaison.resources.hsds import exporter


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("target")

    def handle(self, *args, target, **options):
        path = Path(target)
        single_file = path.suffix.lower() in (".json", ".zip")
        if single_file and not path.parent.is_dir():
            raise CommandError(f"The folder {path.parent} does not exist.")
        try:
            if path.suffix.lower() == ".json":
                exporter.write_json(target)
            else:
                exporter.write_csv(target)
        except OSError as exc:
            raise CommandError(f"Cannot write {target}: {exc.strerror or exc}") from None
        self.stdout.write(self.style.SUCCESS(f"Wrote {target}"))
