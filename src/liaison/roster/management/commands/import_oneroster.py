"""`liaison import-oneroster PATH [--dry-run] [--district SLUG]`: import a OneRoster 1.2 CSV bundle."""

from django.core.management.base import BaseCommand, CommandError

from liaison.people.models import District
from liaison.roster.choices import RunKind, RunStatus
from liaison.roster.services import import_path


def report(command, run) -> None:
    out = command.stdout
    if run.status == RunStatus.REFUSED:
        raise CommandError(f"Refused: {run.message}")
    if run.status == RunStatus.FAILED:
        raise CommandError(f"Failed: {run.message}")
    c = run.counts
    out.write(
        f"{'Dry run (nothing changed)' if run.dry_run else 'Imported'} — run #{run.pk}: "
        f"created {c.get('created', 0)}, updated {c.get('updated', 0)}, "
        f"unchanged {c.get('unchanged', 0)}, deactivated {c.get('deactivated', 0)}, "
        f"rejected {c.get('rejected', 0)}, warnings {c.get('warnings', 0)}"
    )
    for kind, counts in sorted(c.get("by_kind", {}).items()):
        if not any(counts.values()):
            continue
        out.write(
            "  " + kind + ": " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()) if v)
        )
    # rejected rows first, then the rows kept without a field or link
    for r in run.rejected_rows.order_by("severity", "file", "line", "id"):
        label = "REJECTED" if r.severity == "rejected" else "warning"
        out.write(
            f"{label} {r.file}:{r.line} column {r.column or '-'} value {r.value!r}: {r.reason}"
        )


class Command(BaseCommand):
    help = __doc__
    kind = RunKind.ONEROSTER

    def add_arguments(self, parser):
        parser.add_argument("path", help="a folder or a .zip")
        parser.add_argument(
            "--dry-run", action="store_true", help="report what would change, change nothing"
        )
        parser.add_argument(
            "--district", help="the district's short name (when the bundle has no district org)"
        )

    def handle(self, *args, path, dry_run, district=None, **options):
        target = None
        if district:
            target = District.objects.filter(slug=district).first()
            if target is None:
                raise CommandError(f"No district with the short name {district!r}.")
        report(self, import_path(path=path, kind=self.kind, district=target, dry_run=dry_run))
