"""`liaison import-hsds PATH`: import an HSDS 3.0 data package (folder or zip) or JSON file."""

from django.core.management.base import BaseCommand, CommandError

from liaison.resources.hsds import importer


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path, **options):
        try:
            report = importer.import_path(path)
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}") from None
        except ValueError as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from None
        for problem in report.problems:
            self.stderr.write(str(problem))
        for name in report.skipped_files:
            self.stdout.write(f"not kept by Liaison: {name}")
        self.stdout.write(self.style.SUCCESS(report.summary()))
        if report.problems:
            self.stdout.write(
                f"{len(report.errors)} rows skipped, "
                f"{len(report.problems) - len(report.errors)} values left out"
            )
