"""Roster operations: run an import (OneRoster or households CSV), record it, activate staff, arrange households."""

import csv
import io
import shutil
import tempfile
from pathlib import Path

from django.db import transaction
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _

from liaison.core import metrics
from liaison.people import services as people_services
from liaison.people.models import District, Household, Membership, User
from liaison.roster import mapping as roster_mapping
from liaison.roster.bundle import Refused, open_bundle
from liaison.roster.choices import RunKind, RunStatus
from liaison.roster.models import ImportRun, RejectedRow
from liaison.roster.oneroster import OneRosterImport, Outcome


class _DryRun(Exception):
    pass


def start_import(
    *, kind: str, upload, district: District | None, dry_run: bool, by: User
) -> ImportRun:
    """Record an uploaded file as a queued run and enqueue it once the upload is committed."""
    with transaction.atomic():
        run = ImportRun.objects.create(
            kind=kind,
            district=district,
            dry_run=dry_run,
            started_by=by,
            source_name=Path(upload.name).name[:255],
        )
        run.upload.save(f"run-{run.pk}-{Path(upload.name).name}", upload, save=True)
        transaction.on_commit(lambda: run_import_task.enqueue(run.pk))
    return run


def _progress_writer(run: ImportRun):
    def write(stage: str, pct: int):
        if run.dry_run:
            return  # a dry run's writes are all rolled back, progress included
        ImportRun.objects.filter(pk=run.pk).update(stage=stage, progress=pct)

    return write


def execute(run: ImportRun, path: str | Path) -> ImportRun:
    """Run the import the `run` row describes and record its outcome (counts, rejected rows)."""
    ImportRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, started_at=timezone.now())
    run.refresh_from_db()
    outcome = Outcome()
    try:
        if run.kind == RunKind.HOUSEHOLDS:
            from liaison.roster.households_csv import HouseholdsImport

            def work():
                return HouseholdsImport(
                    path=path,
                    district=run.district,
                    by=run.started_by,
                    progress=_progress_writer(run),
                    file_name=Path(run.source_name).name if run.source_name else "",
                ).run()
        else:
            bundle = open_bundle(path)

            def work():
                try:
                    return OneRosterImport(
                        bundle=bundle,
                        mapping=roster_mapping.load(),
                        by=run.started_by,
                        district=run.district,
                        progress=_progress_writer(run),
                    ).run()
                finally:
                    bundle.close()

        if run.dry_run:
            try:
                with transaction.atomic():
                    outcome = work()
                    raise _DryRun
            except _DryRun:
                pass
        else:
            outcome = work()
    except Refused as e:
        run.status, run.message = RunStatus.REFUSED, str(e)
    except Exception as e:  # recorded on the run so the page shows it; the log has the trace
        run.status, run.message = RunStatus.FAILED, f"{type(e).__name__}: {e}"
        import logging

        logging.getLogger(__name__).exception("roster import %s failed", run.pk)
    else:
        run.status = RunStatus.DONE
    run.counts = outcome.totals()
    run.finished_at = timezone.now()
    run.progress, run.stage = 100, ""
    run.save()
    if run.started_at:
        metrics.IMPORT_SECONDS.labels(run.kind, run.status).observe(
            (run.finished_at - run.started_at).total_seconds()
        )
    RejectedRow.objects.bulk_create(
        [
            RejectedRow(
                run=run,
                severity=i.severity,
                file=i.file,
                line=i.line,
                column=i.column,
                value=i.value,
                reason=i.reason,
            )
            for i in outcome.issues
        ],
        batch_size=2000,
    )
    return run


def import_path(
    *,
    path: str | Path,
    kind: str = RunKind.ONEROSTER,
    district: District | None = None,
    dry_run: bool = False,
    by: User | None = None,
) -> ImportRun:
    """The command-line entry point: record a run for a local file or folder and execute it now."""
    run = ImportRun.objects.create(
        kind=kind, district=district, dry_run=dry_run, started_by=by, source_name=str(path)[-255:]
    )
    return execute(run, path)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """A cell a spreadsheet will show as text, never run as a formula (OWASP CSV injection)."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def rejected_rows_csv(run: ImportRun) -> str:
    """The run's report as CSV: the rejected rows first, then the rows kept with warnings, each
    saying so in words."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["severity", "file", "line", "column", "value", "reason"])
    for r in run.rejected_rows.order_by("severity", "file", "line", "id").iterator():
        w.writerow(
            [
                safe_cell(x)
                for x in (r.get_severity_display(), r.file, r.line, r.column, r.value, r.reason)
            ]
        )
    return out.getvalue()


@transaction.atomic
def activate_staff(*, user: User, by: User) -> User:
    """Let an imported staff member sign in (they set a password through the reset link)."""
    user.is_active = True
    user.save(update_fields=["is_active"])
    return user


def pending_staff(district_ids):
    return (
        User.objects.filter(
            is_active=False, sourced_id__isnull=False, memberships__district_id__in=district_ids
        )
        .distinct()
        .order_by("last_name", "first_name")
    )


def merge_households(*, keep: Household, merge: Household, by: User) -> Household:
    return people_services.merge_households(keep=keep, merge=merge, by=by)


def split_household(*, household: Household, guardians, students, name: str, by: User) -> Household:
    if not guardians and not students:
        raise ValueError(_("Choose at least one person to move."))
    return people_services.split_household(
        household=household, guardians=guardians, students=students, name=name, by=by
    )


__all__ = ["Membership"]


# --- background entry point (beside the service it runs: see events.services) -------------------


@task()
def run_import_task(run_id: int) -> None:
    """Run a queued import, then delete the uploaded file (it holds family data)."""
    run = ImportRun.objects.get(pk=run_id)
    try:
        # The upload may be in object storage, which has no path: the importers read a local copy
        # (a ZIP needs seeking), which is gone with the temporary folder.
        with tempfile.TemporaryDirectory(prefix="liaison-import-") as folder:
            local = Path(folder) / Path(run.upload.name or "upload").name
            with run.upload.open("rb") as src, local.open("wb") as dst:
                shutil.copyfileobj(src, dst)
            execute(run, local)
    finally:
        run.upload.delete(save=False)
        ImportRun.objects.filter(pk=run.pk).update(upload="")
