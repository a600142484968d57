"""Recording access and disclosures; a family's record on request; erasure and retention."""

import datetime as dt
import io
import json
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from liaison.audit.choices import DisclosureChannel, ErasureCause, LegalBasis
from liaison.audit.models import (
    AccessLog,
    DisclosedStudent,
    Disclosure,
    ErasureTombstone,
    LegalHold,
    RetentionPolicy,
)
from liaison.core import family_record, partitions
from liaison.core.clientaddr import client_address


def record_access(
    request,
    *,
    kind: str,
    object_id: int,
    household_id: int | None = None,
    action: str = "view",
    reason: str = "",
) -> AccessLog:
    """One row per view of a family record.

    Inside a request handled by AccessLogMiddleware the request's rows are written together by one
    INSERT when the view returns, before the response leaves; elsewhere, and inside a transaction
    (where the row commits or rolls back with the view's own writes), it is written at once."""
    user = request.user
    entry = AccessLog(
        user=user if user.is_authenticated else None,
        username=user.get_username() if user.is_authenticated else "",
        kind=kind,
        object_id=object_id,
        household_id=household_id,
        action=action,
        path=request.path[:300],
        ip=client_address(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:200],
        reason=reason,
    )
    buffer = getattr(request, "_access_log", None)
    if buffer is not None and not transaction.get_connection().in_atomic_block:
        buffer.append(entry)
    else:
        entry.save()
    return entry


def flush_access_log(entries: list[AccessLog]) -> None:
    """Write a request's rows: one INSERT, fully durable like every other write (one statement in
    autocommit for the usual single row, one round trip; bulk_create, in one transaction, for
    several).

    The single row is written with the statement and values the ORM would send, without
    Model.save(): its signals, field preparation and SQL compilation were half of the write's time
    on the person's path (bench/workloads/audit_access_log.py). The log's only receivers are
    quiet ones (core.kept leaves it out), so no one misses the signal. Measured on the bench
    machine, the commit's cost is the database round trips, not the disk: relaxing PostgreSQL's
    synchronous_commit for this transaction made it slower (two more round trips), and batching
    rows from many requests would lose them with a killed worker."""
    if len(entries) == 1:
        fields, sql = _single_insert()
        entry = entries[0]
        with connection.cursor() as cursor:
            cursor.execute(
                sql, [f.get_db_prep_save(getattr(entry, f.attname), connection) for f in fields]
            )
    elif entries:
        AccessLog.objects.bulk_create(entries)
    entries.clear()


_insert_statements: dict[str, tuple[list, str]] = {}


def _single_insert() -> tuple[list, str]:
    """The access log's columns (all but the id) and `INSERT … VALUES (%s, …)` for them, made once
    per database vendor."""
    made = _insert_statements.get(connection.vendor)
    if made is None:
        q = connection.ops.quote_name
        fields = [f for f in AccessLog._meta.concrete_fields if not f.primary_key]
        sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - names from the model
            q(AccessLog._meta.db_table),
            ", ".join(q(str(f.column)) for f in fields),
            ", ".join(["%s"] * len(fields)),
        )
        made = _insert_statements[connection.vendor] = (fields, sql)
    return made


# --- disclosures (FERPA 34 CFR 99.32) ------------------------------------------------------


def record_disclosure(
    *,
    recipient: str,
    purpose: str,
    by,
    legal_basis: str,
    students=(),
    household=None,
    channel: str = DisclosureChannel.OTHER,
    records: str = "",
    source: str = "",
    at: dt.datetime | None = None,
) -> Disclosure:
    """Record that (part of) a family's record left the school: to whom, why, on what basis.

    Call it from every export, data-sharing referral and API answer about a family. `students`
    are Student objects (or ids); `household` is optional when the students belong to one.
    """
    recipient = (recipient or "").strip()
    purpose = (purpose or "").strip()
    errors = {}
    if not recipient:
        errors["recipient"] = _("Say who received the record.")
    if not purpose:
        errors["purpose"] = _("Say why the record was disclosed.")
    if legal_basis not in LegalBasis.values:
        errors["legal_basis"] = _("Choose the legal basis of the disclosure.")
    if channel not in DisclosureChannel.values:
        errors["channel"] = _("Unknown channel.")
    student_ids = sorted({getattr(s, "pk", s) for s in students})
    if household is None and not student_ids:
        errors["students"] = _("Say whose record was disclosed.")
    if errors:
        raise ValidationError(errors)
    household_id = getattr(household, "pk", household)
    district_id = getattr(household, "district_id", None)
    if household_id is None or district_id is None:
        from liaison.people.models import Student

        first = Student.objects.filter(pk__in=student_ids).values("household_id", "district_id")[:1]
        if first:
            household_id = household_id or first[0]["household_id"]
            district_id = district_id or first[0]["district_id"]
    with transaction.atomic():
        disclosure = Disclosure.objects.create(
            at=at or timezone.now(),
            by=by if getattr(by, "is_authenticated", False) else None,
            by_username=by.get_username() if getattr(by, "is_authenticated", False) else "",
            district_id=district_id,
            household_id=household_id,
            recipient=recipient[:300],
            purpose=purpose,
            legal_basis=legal_basis,
            channel=channel,
            records=records[:500],
            source=source[:100],
        )
        DisclosedStudent.objects.bulk_create(
            [DisclosedStudent(disclosure=disclosure, student_id=sid) for sid in student_ids]
        )
    return disclosure


def _disclosure_dict(d: Disclosure) -> dict:
    return {
        "at": d.at.isoformat(),
        "by": d.by_username,
        "recipient": d.recipient,
        "purpose": d.purpose,
        "legal_basis": d.legal_basis,
        "legal_basis_label": str(d.get_legal_basis_display()),
        "channel": d.channel,
        "records": d.records,
        "student_ids": [s.student_id for s in d.students.all()],
    }


# --- a family's record on request --------------------------------------------------------


def household_record(household, viewer=None) -> dict:
    """Everything held about a household, JSON-ready: people data, every registered section,
    the disclosure record and the access log (who looked, when). `viewer`, the staff member
    producing it, never gets what the policy keeps from them (a concern about them)."""
    sections = {}
    for section in family_record.sections():
        sections[section.name] = {
            "label": str(section.label),
            "entries": section.export_for(household, viewer),
        }
    disclosures = [
        _disclosure_dict(d)
        for d in Disclosure.objects.for_household(household.pk).prefetch_related("students")
    ]
    access = [
        {"at": a.at.isoformat(), "by": a.username, "action": a.action, "kind": a.kind}
        for a in AccessLog.objects.for_household(household.pk).only(
            "at", "username", "action", "kind"
        )
    ]
    return {
        "format": "liaison-family-record/1",
        "generated_at": timezone.now().isoformat(),
        "household_id": household.pk,
        "sections": sections,
        "disclosures": disclosures,
        "access_log": access,
    }


def export_household(
    *, household, by, request=None, recipient: str, purpose: str, language: str = "en"
) -> bytes:
    """A ZIP with record.pdf (readable, in `language`: one of record_words.pdf_languages()) and
    record.json (machine-readable) of one household.

    The export is itself a disclosure (to the family, on their request) and an access."""
    from liaison.audit.pdf import record_pdf

    students = list(household.students.values_list("pk", flat=True))
    with transaction.atomic():
        record_disclosure(
            recipient=recipient,
            purpose=purpose,
            by=by,
            legal_basis=LegalBasis.PARENT_REQUEST,
            students=students,
            household=household,
            channel=DisclosureChannel.RECORD_REQUEST,
            records=_("The family's whole record"),
            source="audit.export",
        )
        if request is not None:
            record_access(
                request,
                kind=AccessLog.Kind.EXPORT,
                object_id=household.pk,
                household_id=household.pk,
                action="export",
            )
    data = household_record(household, viewer=by)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "record.json", json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        )
        zf.writestr("record.pdf", record_pdf(household, data, language))
    return buffer.getvalue()


# --- erasure and retention ---------------------------------------------------------------


class LegalHoldError(Exception):
    """The household is under a legal hold: nothing of it may be erased."""


def on_hold(household) -> bool:
    return LegalHold.objects.active().filter(household_id=household.pk).exists()


def place_legal_hold(*, household, reason: str, by) -> LegalHold:
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the record must be kept.")})
    return LegalHold.objects.create(household=household, reason=reason.strip(), placed_by=by)


def _username(by) -> str:
    return by.get_username() if getattr(by, "is_authenticated", False) else ""


def erase_household(*, household, by=None, cause: str = ErasureCause.REQUEST) -> ErasureTombstone:
    """Erase everything held about one household (every registered section, then the family
    itself), leaving a tombstone and the access log's ids. Refused under a legal hold."""
    with transaction.atomic():
        if on_hold(household):
            raise LegalHoldError(_("This family's record is under a legal hold."))
        # Released holds go with the family (an active one stopped the erasure above).
        LegalHold.objects.filter(household_id=household.pk).delete()
        household_id, district_id = household.pk, household.district_id
        student_ids = list(household.students.values_list("pk", flat=True))
        guardian_ids = list(household.guardians.values_list("pk", flat=True))
        counts = {}
        # Other apps first (they point at the family), the people section last.
        for section in sorted(family_record.sections(), key=lambda s: s.name == "people"):
            if section.erase is not None:
                counts[section.name] = section.erase(household, keep_tombstone=True)
        tombstone = ErasureTombstone.objects.create(
            household_id=household_id,
            district_id=district_id,
            student_ids=student_ids,
            guardian_ids=guardian_ids,
            sections=counts,
            cause=cause,
            by_username=_username(by),
            whole_household=True,
        )
        AccessLog.objects.create(
            user=by if getattr(by, "is_authenticated", False) else None,
            username=_username(by) or "retention",
            kind=AccessLog.Kind.HOUSEHOLD,
            object_id=tombstone.household_id,
            household_id=tombstone.household_id,
            action="erase",
            reason=str(ErasureCause(cause).label),
        )
    return tombstone


def erase_section(*, household, section: str, by=None, cause=ErasureCause.RETENTION):
    """Erase one registered section of a household's record (retention of e.g. messages)."""
    if section == "people":
        return erase_household(household=household, by=by, cause=cause)
    spec = {s.name: s for s in family_record.sections()}.get(section)
    if spec is None or spec.erase is None:
        return None
    with transaction.atomic():
        if on_hold(household):
            raise LegalHoldError(_("This family's record is under a legal hold."))
        count = spec.erase(household, keep_tombstone=True)
        if not count:
            return None
        return ErasureTombstone.objects.create(
            household_id=household.pk,
            district_id=household.district_id,
            sections={section: count},
            cause=cause,
            by_username=_username(by),
            whole_household=False,
        )


def households_that_left(district, *, before: dt.date):
    """Households of a district none of whose children is enrolled any more, the last having
    left before `before`."""
    from liaison.people.models import Enrolment, Household

    still_enrolled = Enrolment.objects.filter(student__household_id=OuterRef("pk"), is_active=True)
    return (
        Household.objects.filter(district=district)
        .annotate(left_on=Max("students__enrolments__ends_on"))
        .filter(~Exists(still_enrolled), left_on__lt=before)
        .exclude(Exists(LegalHold.objects.active().filter(household_id=OuterRef("pk"))))
        .order_by("pk")
    )


@dataclass
class RetentionAction:
    policy: RetentionPolicy
    household_id: int
    household_name: str
    done: bool = False
    erased: dict = field(default_factory=dict)


def apply_retention(
    *, dry_run: bool = False, today: dt.date | None = None
) -> list[RetentionAction]:
    """Apply every district's active retention policies: what is due is erased (or only listed
    with dry_run). Households under a legal hold are left alone."""
    today = today or timezone.localdate()
    known = {s.name for s in family_record.sections()}
    actions = []
    policies = RetentionPolicy.objects.filter(is_active=True, section__in=known).select_related(
        "district"
    )
    # The whole-family policy last: a section erased first is then counted in its own tombstone.
    for policy in sorted(policies, key=lambda p: p.section == "people"):
        cutoff = _years_before(today, policy.years_after_leaving)
        due = households_that_left(policy.district, before=cutoff).exclude(
            # A section already erased since the family left stays erased: nothing to redo.
            Exists(
                ErasureTombstone.objects.filter(
                    household_id=OuterRef("pk"), sections__has_key=policy.section
                )
            )
        )
        for household in due:
            action = RetentionAction(policy, household.pk, household.name)
            if not dry_run:
                tombstone = erase_section(
                    household=household, section=policy.section, cause=ErasureCause.RETENTION
                )
                action.done = True
                action.erased = tombstone.sections if tombstone else {}
            actions.append(action)
    return actions


# Rows deleted per statement on SQLite: each batch is a short write transaction, so a first run on
# years of log never holds the database's one write lock for long.
ACCESS_LOG_DELETE_BATCH = 5000


def access_log_cutoff(today: dt.date | None = None) -> dt.datetime | None:
    """The start of the oldest month of access log kept (LIAISON_ACCESS_LOG_MONTHS back from the
    start of this month, in UTC), or None when the whole log is kept."""
    months = settings.LIAISON_ACCESS_LOG_MONTHS
    if months <= 0:
        return None
    today = today or dt.datetime.now(dt.UTC).date()
    month = partitions.add_months(partitions.month_start(today), -months)
    return dt.datetime(month.year, month.month, 1, tzinfo=dt.UTC)


def expire_access_log(*, today: dt.date | None = None) -> int:
    """Remove the access log older than LIAISON_ACCESS_LOG_MONTHS (nothing when it is 0).

    On PostgreSQL whole monthly partitions are dropped: no row-by-row delete, no dead rows, no
    vacuum. On SQLite (and on a PostgreSQL table not partitioned) old rows are deleted in batches.
    This is the only way access-log rows leave: the model itself stays append-only. Returns the
    partitions dropped (PostgreSQL) or the rows deleted."""
    cutoff = access_log_cutoff(today)
    if cutoff is None:
        return 0
    table = AccessLog._meta.db_table
    if partitions.is_partitioned(table):
        # Rows older than the kept months that the default partition caught (made before the
        # partitioning, or written with an old date) are deleted like on SQLite, below.
        dropped = len(partitions.drop_months_before(table, cutoff.date()))
        return dropped + _delete_access_log_before(f"{table}_default", cutoff)
    return _delete_access_log_before(table, cutoff)


def _delete_access_log_before(table: str, cutoff: dt.datetime) -> int:
    qn = connection.ops.quote_name
    deleted = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {qn(table)} WHERE id IN (SELECT id FROM {qn(table)} "  # noqa: S608
                "WHERE at < %s LIMIT %s)",
                [cutoff, ACCESS_LOG_DELETE_BATCH],
            )
            count = cursor.rowcount
        deleted += count
        if count < ACCESS_LOG_DELETE_BATCH:
            return deleted


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)
