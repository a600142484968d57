"""`liaison import-attendance PATH [--district SLUG] [--corrections]`: import an attendance or
calendar CSV; with `--drop-folder`, PATH is a folder and every .csv waiting in it is imported."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from liaison.attendance.choices import ImportMode, ImportStatus
from liaison.attendance.imports import import_drop_folder, import_file
from liaison.attendance.models import AttendanceImport
from liaison.people.models import District


def _district(slug: str | None) -> District:
    if slug:
        district = District.objects.filter(slug=slug).first()
        if district is None:
            raise CommandError(f"No district with the short name {slug!r}.")
        return district
    districts = list(District.objects.order_by("pk")[:2])
    if len(districts) != 1:
        raise CommandError(
            "Name the district with --district SLUG." if districts else "There is no district yet."
        )
    return districts[0]


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="a .csv file, or a folder with --drop-folder")
        parser.add_argument("--district", help="the district's short name (when there are several)")
        parser.add_argument(
            "--corrections",
            action="store_true",
            help="replace only the listed students' days, not the whole days in the file",
        )
        parser.add_argument(
            "--drop-folder",
            action="store_true",
            help="import every .csv in the folder PATH and move it to done/ or failed/",
        )
        parser.add_argument(
            "--settle",
            type=float,
            default=60,
            help="with --drop-folder: leave files changed in the last SECONDS (default 60)",
        )

    def handle(
        self,
        *args: Any,
        path: str,
        district: str | None = None,
        corrections: bool = False,
        drop_folder: bool = False,
        **options: Any,
    ) -> None:
        target = _district(district)
        if drop_folder:
            try:
                batches = import_drop_folder(
                    district=target, folder=path, settle_seconds=options["settle"]
                )
            except FileNotFoundError as e:
                raise CommandError(str(e)) from None
            if not batches:
                self.stdout.write("No file waiting.")
            for batch in batches:
                self.report(batch)
            if any(b.status == ImportStatus.FAILED for b in batches):
                raise CommandError("Some files were not imported (see above).")
            return
        mode = ImportMode.CORRECTIONS if corrections else ImportMode.DAYS
        batch = import_file(district=target, path=path, mode=mode)
        self.report(batch)
        if batch.status == ImportStatus.FAILED:
            raise CommandError(f"Not imported: {batch.message}")

    def report(self, batch: AttendanceImport) -> None:
        self.stdout.write(
            f"{batch.file_name}: {batch.get_kind_display()}, {batch.get_status_display()} — "
            f"import #{batch.pk}: read {batch.rows_read}, accepted {batch.rows_saved}, "
            f"refused {batch.rows_refused}" + (f". {batch.message}" if batch.message else "")
        )
        for e in batch.errors:
            self.stdout.write(
                f"REFUSED {e['file']}:{e['line']} column {e['column']} "
                f"value {e['value']!r}: {e['reason']}"
            )
        if batch.rows_refused > len(batch.errors):
            self.stdout.write(f"…and {batch.rows_refused - len(batch.errors)} more refused rows.")
