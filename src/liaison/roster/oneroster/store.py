"""The state of one roster import run and its writes: issues, upsert by sourcedId, deactivation.

Shared by the OneRoster import (importer.py and its stages) and the households CSV import.
"""

from collections import defaultdict
from collections.abc import Callable

from django.db.models import Exists, OuterRef
from django.utils import timezone

from liaison.core.db import insert_rows, refresh_statistics, update_rows
from liaison.people.models import (
    ClassSection,
    District,
    Enrolment,
    Guardian,
    GuardianStudent,
    Household,
    Student,
    User,
)
from liaison.people.search import reindex
from liaison.roster.bundle import Bundle
from liaison.roster.choices import Severity
from liaison.roster.mapping import Mapping
from liaison.roster.oneroster.check import Issue, Outcome

BATCH = 2000
SCAN_OVER = 20000  # more sourcedIds than this: read the stored rows in one pass, not by IN lists


class ImportRun:
    """One run: what it was given, what it has met so far, and the helpers every stage writes with."""

    def __init__(
        self,
        *,
        bundle: Bundle,
        mapping: Mapping,
        by: User | None,
        district: District | None = None,
        progress: Callable[[str, int], None] | None = None,
    ):
        self.bundle = bundle
        self.mapping = mapping
        self.by = by
        self.by_id = by.pk if by else None
        self.district = district
        self.progress = progress or (lambda stage, pct: None)
        self.out = Outcome()
        self.now = timezone.now()
        self.today = timezone.localdate()
        # sourcedId → (kind, pk, district_id) for orgs
        self.orgs: dict[str, tuple[str, int, int]] = {}
        self.district_ids: set[int] = set()
        self.sessions: set[str] = set()
        self.touched_households: set[int] = set()
        self.changed: dict[str, set[str]] = defaultdict(set)
        # sourcedIds created by this run, and households created by it: rows that cannot have
        # anything stored against them yet, so a first import does not look for it.
        self.created: dict[str, set[str]] = defaultdict(set)
        self.new_households: set[int] = set()
        self.new_student_households: dict[int, int] = {}
        self.student_ids: dict[str, int] = {}
        self.staff_gone: list[int] = []
        # file → sourcedId → line of the rows rejected: a link to one of them says so
        self.rejected: dict[str, dict[str, int]] = defaultdict(dict)

    # helpers
    def reject(self, file, line, column, value, reason, severity=Severity.REJECTED, sid=None):
        value = str(value).replace("\x00", "\ufffd")[:500]  # shown as it came, never the byte
        self.out.issues.append(Issue(severity, file, line, column, value, reason))
        if sid is not None and severity == Severity.REJECTED:
            self.rejected[file].setdefault(sid, line)

    def warn(self, file, line, column, value, reason):
        self.reject(file, line, column, value, reason, Severity.WARNING)

    def rejected_row(self, file: str, sid: str) -> str:
        """ "; its own row (orgs.csv line 5) was rejected" when it was, else ""."""
        line = self.rejected[file].get(sid)
        return f"; its own row ({file} line {line}) was rejected" if line else ""

    def stamp_new(self, obj):
        obj.created_at = obj.updated_at = self.now
        obj.created_by_id = obj.updated_by_id = self.by_id
        return obj

    def new_rows(self, model, rows: list[dict], returning: str | None = None) -> list:
        """Insert new records given as dicts of attnames (model defaults fill the rest, stamped
        as created now by the importer) with plain SQL; returns (returning, pk) pairs."""
        defaults = {
            f.attname: f.get_default() for f in model._meta.concrete_fields if not f.primary_key
        }
        for stamp, value in (("_at", self.now), ("_by_id", self.by_id)):
            for column in (f"created{stamp}", f"updated{stamp}"):
                if column in defaults:
                    defaults[column] = value
        # `defaults | r` keeps the defaults' key order: each row's values line up with `columns`.
        return insert_rows(
            model,
            list(defaults),
            [tuple((defaults | r).values()) for r in rows],
            returning=returning,
        )

    def stored(self, model, sids: list[str], columns: list[str], **filters):
        """(sourced_id, *columns) of the stored rows with these sourcedIds. Many are read in one
        pass over the table: building IN lists costs the ORM time per value."""
        qs = model.objects.filter(**filters).order_by()
        if len(sids) > SCAN_OVER:
            wanted = set(sids)
            rows = (
                qs.exclude(sourced_id=None)
                .values_list("sourced_id", *columns)
                .iterator(chunk_size=BATCH)
            )
            yield from (row for row in rows if row[0] in wanted)
            return
        for start in range(0, len(sids), BATCH):
            yield from qs.filter(sourced_id__in=sids[start : start + BATCH]).values_list(
                "sourced_id", *columns
            )

    def upsert(
        self,
        model,
        kind: str,
        records: dict[str, dict],
        fields: list[str],
        values_of: Callable[[str, dict], dict] | None = None,
    ) -> dict[str, int]:
        """Create or update by sourced_id; only rows whose `fields` differ are written.

        `values_of(sid, record)`, when given, makes a record's field values as they are needed,
        so that a large import does not hold them all at once.

        Stored rows are compared as plain tuples and written with plain SQL: at a district's size
        (hundreds of thousands of rows) building a model instance per row costs more than the
        database work itself.
        """
        ids: dict[str, int] = {}
        counts = self.out.counts[kind]
        stamp = (self.now, self.by_id)
        active = fields.index("is_active") if "is_active" in fields else None
        updates = []
        get = (lambda sid: values_of(sid, records[sid])) if values_of else records.__getitem__
        for sid, pk, *old in self.stored(model, list(records), ["pk", *fields]):
            values = get(sid)
            old = tuple(old)
            wanted = tuple(values.get(f, o) for f, o in zip(fields, old, strict=True))
            ids[sid] = pk
            if wanted == old:
                counts["unchanged"] += 1
                continue
            updates.append((*wanted, *stamp, pk))
            self.changed[kind].add(sid)
            if active is not None and old[active] and wanted[active] is False:
                counts["deactivated"] += 1
            else:
                counts["updated"] += 1
        update_rows(model, [*fields, "updated_at", "updated_by_id"], updates)
        fresh = [sid for sid in records if sid not in ids]
        self.changed[kind].update(fresh)
        self.created[kind].update(fresh)
        for start in range(0, len(fresh), BATCH * 10):  # row dicts for one batch at a time
            creates = [{**get(sid), "sourced_id": sid} for sid in fresh[start : start + BATCH * 10]]
            ids.update(self.new_rows(model, creates, returning="sourced_id"))
        counts["created"] += len(fresh)
        counts["updated"] += 0  # always reported, even when nothing changed
        return ids

    def deactivate(self, qs, kind: str, keep=None) -> list[int]:
        """Deactivate the active rows of `qs` whose sourced_id is not in `keep` (compared here:
        an IN list of every sourcedId of a large bundle is slow to build, and SQLite caps it)."""
        rows = qs.filter(is_active=True).values_list("pk", "sourced_id")
        keep = set(keep or ())
        ids = [pk for pk, sid in rows if sid not in keep]
        stamp = {} if qs.model is User else {"updated_at": self.now, "updated_by_id": self.by_id}
        for start in range(0, len(ids), BATCH):
            qs.model.objects.filter(pk__in=ids[start : start + BATCH]).update(
                is_active=False, **stamp
            )
        self.out.counts[kind]["deactivated"] += len(ids)
        return ids

    def deactivate_left_out(self, name: str, qs, records: dict, kind: str) -> None:
        """A bulk file is the whole list: the rows of `qs` (imported ones) it leaves out are
        deactivated."""
        if self.bundle.mode(name) == "bulk":
            self.deactivate(
                qs.exclude(sourced_id=None).exclude(sourced_id__in=list(records)),
                kind,
            )

    def skip_new_tobedeleted(self, model, records: dict, kind: str) -> set[str]:
        """Leave out the tobedeleted rows of `records` that are not stored: there is nothing to
        deactivate, and creating them would form households around people who are leaving."""
        leaving = [sid for sid, r in records.items() if r["status"] != "active"]
        if not leaving:
            return set()
        stored = {row[0] for row in self.stored(model, leaving, [])}
        skipped = {sid for sid in leaving if sid not in stored}
        for sid in skipped:
            del records[sid]
        self.out.counts[kind]["not created (to be deleted)"] += len(skipped)
        return skipped

    def households_of(self, model, pks) -> set[int]:
        out = set()
        pks = list(pks)
        for start in range(0, len(pks), BATCH):
            out.update(
                model.objects.filter(pk__in=pks[start : start + BATCH])
                .exclude(household_id=None)
                .values_list("household_id", flat=True)
            )
        return out

    def end_enrolments(self, qs):
        ids = list(qs.values_list("pk", flat=True))
        for start in range(0, len(ids), BATCH):
            Enrolment.objects.filter(pk__in=ids[start : start + BATCH]).update(
                is_active=False, ends_on=self.today, updated_at=self.now, updated_by_id=self.by_id
            )
        self.out.counts["enrolment"]["ended"] += len(ids)

    def families_created(self) -> int:
        """Families' records created so far in this run (guardians, students, households)."""
        return sum(
            self.out.counts[kind]["created"] for kind in ("guardian", "student", "household")
        )

    def finish(self):
        """Households: deactivate imported ones with nobody active, reactivate; then reindex."""
        hids = list(self.touched_households)
        if not hids:
            return
        # First: the queries below (and the reindex) read the tables the stages just filled, and
        # the planner must know their sizes to use their indexes.
        refresh_statistics(Household, Guardian, Student, Enrolment, GuardianStudent, ClassSection)
        # Whether anybody active lives there is asked in the UPDATE itself: no id lists go back
        # and forth, and an import that changes nothing here writes nothing.
        live = Exists(
            Guardian.objects.filter(household_id=OuterRef("pk"), is_active=True)
        ) | Exists(Student.objects.filter(household_id=OuterRef("pk"), is_active=True))
        for start in range(0, len(hids), BATCH):
            chunk = hids[start : start + BATCH]
            n = (
                Household.objects.filter(pk__in=chunk, is_active=True)
                .exclude(live)
                .update(is_active=False, updated_at=self.now, updated_by_id=self.by_id)
            )
            on = Household.objects.filter(
                live, pk__in=chunk, is_active=False, arranged_by_hand=False
            ).update(is_active=True, updated_at=self.now, updated_by_id=self.by_id)
            self.out.counts["household"]["deactivated"] += n
            self.out.counts["household"]["reactivated"] += on
        self.progress("search index", 95)
        reindex(hids, fresh=self.new_households)
