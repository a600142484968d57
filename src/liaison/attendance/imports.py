"""Attendance imports: run a file (upload, command line or drop folder), record it, tell the rest of attendance.

Each file is one transaction: it is written whole (less its refused rows) or not at all. After it
commits, `signals.day_imported` names the days and students it changed, for the measures, tiers and
nudges to follow.
"""

import datetime as dt
import logging
import shutil
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _

from liaison.attendance import files
from liaison.attendance.choices import ImportKind, ImportMode, ImportSource, ImportStatus
from liaison.attendance.models import AttendanceEvent, AttendanceImport, SchoolDay
from liaison.attendance.signals import day_imported
from liaison.core.alongside import alongside
from liaison.core.collect import fewer_collections
from liaison.core.db import analyze_on_postgresql
from liaison.people.models import District, User

log = logging.getLogger(__name__)

# A file writing at least this many rows (a term or a year, not a day: a day is about 8,000 rows at
# 100,000 students) leaves the tables it wrote far from the planner's statistics: they are brought
# up to date before the measures read them, as the roster import does.
BULK_ROWS = 50_000


# A day's file and what it sets off make millions of short-lived rows: collected less often.
@fewer_collections()
def import_file(
    *,
    district: District,
    path: str | Path,
    source: str = ImportSource.COMMAND,
    mode: str = ImportMode.DAYS,
    by: User | None = None,
    file_name: str = "",
    batch: AttendanceImport | None = None,
) -> AttendanceImport:
    """Import one events or calendar file (the kind is read from its header) and record the run."""
    path = Path(path)
    name = file_name or path.name
    if batch is None:
        batch = AttendanceImport.objects.create(
            district=district,
            kind=ImportKind.EVENTS,
            source=source,
            mode=mode,
            file_name=name[-255:],
            by=by,
        )
    batch.status, batch.started_at = ImportStatus.RUNNING, timezone.now()
    batch.save(update_fields=["status", "started_at"])
    outcome = None
    try:
        batch.kind = files.detect_kind(path)
        with transaction.atomic():
            if batch.kind == ImportKind.CALENDAR:
                outcome = files.read_calendar(path=path, file=name, district=district)
            else:
                outcome = files.read_events(
                    path=path, file=name, district=district, batch=batch, mode=batch.mode
                )
    except files.Refused as e:
        batch.status, batch.message = ImportStatus.FAILED, str(e)
    except Exception as e:  # recorded so the page shows it; the log has the trace
        log.exception("attendance import %s failed", batch.pk)
        batch.status = ImportStatus.FAILED
        batch.message = _("The import stopped with an error; nothing was changed: %(error)s") % {
            "error": f"{type(e).__name__}: {e}"
        }
    else:
        batch.status = ImportStatus.DONE_WITH_ERRORS if outcome.rows_refused else ImportStatus.DONE
        batch.rows_read, batch.rows_saved = outcome.rows_read, outcome.rows_saved
        batch.rows_refused, batch.errors = outcome.rows_refused, outcome.errors
        batch.days_replaced = [
            f"{site_id}:{day.isoformat()}" for site_id, day in sorted(outcome.days_replaced)
        ]
    batch.finished_at = timezone.now()
    batch.save()
    if outcome is not None and outcome.rows_saved >= BULK_ROWS:
        analyze_on_postgresql(AttendanceEvent if batch.kind == ImportKind.EVENTS else SchoolDay)
    if outcome is not None and outcome.rows_saved:
        # What the receivers hand over `beside` (the at-risk scores) runs beside the nudges on
        # PostgreSQL, and is finished when the import returns.
        with alongside():
            day_imported.send(
                sender=AttendanceImport,
                district=district,
                site_ids=outcome.site_ids,
                days=outcome.days,
                student_ids=outcome.student_ids if batch.kind == ImportKind.EVENTS else None,
                batch=batch,
            )
    return batch


def start_upload(
    *, district: District, upload: UploadedFile[Any], mode: str, by: User
) -> AttendanceImport:
    """Keep an uploaded file as a queued import and start it in the background once committed."""
    with transaction.atomic():
        batch = AttendanceImport.objects.create(
            district=district,
            kind=ImportKind.EVENTS,
            source=ImportSource.UPLOAD,
            mode=mode,
            file_name=Path(upload.name or "upload.csv").name[-255:],
            by=by,
            status=ImportStatus.QUEUED,
        )
        batch.upload.save(f"import-{batch.pk}.csv", upload, save=True)
        transaction.on_commit(lambda: run_upload_task.enqueue(batch.pk))
    return batch


@task()
def run_upload_task(import_id: int) -> None:
    """Run a queued upload, then delete the file (it holds family data)."""
    batch = AttendanceImport.objects.select_related("district").get(pk=import_id)
    if batch.status != ImportStatus.QUEUED:
        return  # a retried task: the file has run already
    try:
        import_file(
            district=batch.district,
            path=str(batch.upload.path),
            file_name=batch.file_name,
            by=batch.by,
            batch=batch,
        )
    finally:
        batch.upload.delete(save=False)
        AttendanceImport.objects.filter(pk=batch.pk).update(upload="")


def import_drop_folder(
    *, district: District, folder: str | Path, settle_seconds: float = 60
) -> list[AttendanceImport]:
    """Import every .csv waiting in a drop folder, oldest first, moving each to done/ or failed/.

    A file changed in the last `settle_seconds` is left for the next run: an SFTP upload may still
    be writing it. Calendars go before events, so a new year's first day finds its calendar."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(_("No folder %(folder)s.") % {"folder": folder})
    now = timezone.now().timestamp()
    waiting = [
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() == ".csv" and now - p.stat().st_mtime >= settle_seconds
    ]

    def order(p: Path) -> tuple[bool, float, str]:
        try:
            calendar = files.detect_kind(p) == ImportKind.CALENDAR
        except files.Refused:
            calendar = False
        return (not calendar, p.stat().st_mtime, p.name)

    done = []
    for path in sorted(waiting, key=order):
        batch = import_file(district=district, path=path, source=ImportSource.DROP_FOLDER)
        target = folder / ("failed" if batch.status == ImportStatus.FAILED else "done")
        target.mkdir(exist_ok=True)
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        shutil.move(str(path), target / f"{stamp}-import-{batch.pk}-{path.name}")
        done.append(batch)
    return done
