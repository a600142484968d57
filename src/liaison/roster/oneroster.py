"""The OneRoster 1.2 CSV import: read a bundle, check every row, upsert by sourcedId in batches.

Each file is streamed. A row is rejected whole (file, line, column, value, reason) only when its
identity or a required field is unusable; a malformed optional field (email, phone, birth date,
grade) or a link to a row that is unknown or was rejected is left out with a warning, and the rest
of the row is applied. `tobedeleted` rows take no part in forming households. Rows are compared
with what is stored, and only rows whose SIS-owned fields changed are written (so re-importing a
bundle changes nothing). Records missing from a bulk file, or sent with status=tobedeleted, are
deactivated and their enrolments ended; nothing is deleted. See docs/roster.md for the field ownership and the household rule.
"""

import datetime as dt
import functools
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.text import slugify

from liaison.core.db import insert_rows, refresh_statistics, update_rows
from liaison.core.validators import normalize_phone, strip_bidi_controls
from liaison.people.choices import Grade, Relationship, Role, SiteKind
from liaison.people.models import (
    ClassSection,
    District,
    Enrolment,
    Guardian,
    GuardianStudent,
    Household,
    Membership,
    Site,
    Student,
    StudentProgramme,
    User,
)
from liaison.people.search import reindex
from liaison.roster.bundle import Bundle
from liaison.roster.choices import Severity
from liaison.roster.mapping import Mapping

BATCH = 2000
SCAN_OVER = 20000  # more sourcedIds than this: read the stored rows in one pass, not by IN lists
STATISTICS_AFTER_ROWS = 5000  # a run that created more families' rows refreshes the planner's view
SOURCED_ID_MAX = 255  # the length of sourced_id on every rostered table
STUDENT_ROLES = {"student"}
GUARDIAN_ROLES = {
    "parent": Relationship.PARENT,
    "guardian": Relationship.LEGAL_GUARDIAN,
    "relative": Relationship.RELATIVE,
}
STAFF_ROLES = {
    "teacher": Role.TEACHER,
    "aide": Role.TEACHER,
    "proctor": Role.TEACHER,
    "counselor": Role.TEACHER,
    "principal": Role.SITE_LEADER,
    "siteAdministrator": Role.SITE_LEADER,
    "administrator": Role.SITE_LEADER,
    "districtAdministrator": Role.DISTRICT_ADMIN,
    "systemAdministrator": Role.DISTRICT_ADMIN,
}
ALL_ROLES = STUDENT_ROLES | set(GUARDIAN_ROLES) | set(STAFF_ROLES)
ORG_TYPES = {"district", "school", "department", "local", "state", "national"}
GRADES = set(Grade.values)
_E164_US = re.compile(r"^\+1[2-9]\d{2}[2-9]\d{6}$")
DROPPED = object()  # an optional field that was malformed: left out, the stored value is kept
DROPPED_FIELD = "; this field was left out and the rest of the row imported"
DROPPED_LINK = "; this link was left out and the rest of the row imported"
# Optional fields whose own check refuses a NUL character: such a field is dropped, not the row.
OPTIONAL_COLUMNS = {
    "users.csv": frozenset({"email", "sms", "phone", "grades"}),
    "demographics.csv": frozenset({"birthDate"}),
    "roles.csv": frozenset({"beginDate", "endDate"}),
    "enrollments.csv": frozenset({"beginDate", "endDate"}),
}


class _EmailValidator(EmailValidator):
    """Django's check, with each domain's verdict kept: a district's addresses share a few domains."""

    def validate_domain_part(self, domain_part):
        return _domain_ok(domain_part)


@functools.lru_cache(maxsize=4096)
def _domain_ok(domain_part: str) -> bool:
    return EmailValidator.validate_domain_part(_email, domain_part)


_email = _EmailValidator()


class RowError(Exception):
    def __init__(self, column: str, value: str, reason: str):
        super().__init__(reason)
        self.column, self.value, self.reason = column, value, reason


@dataclass
class Issue:
    severity: str
    file: str
    line: int
    column: str
    value: str
    reason: str


@dataclass
class Outcome:
    counts: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    issues: list[Issue] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def totals(self) -> dict:
        total = Counter()
        for c in self.counts.values():
            total.update(c)
        total["rejected"] = sum(1 for i in self.issues if i.severity == Severity.REJECTED)
        total["warnings"] = sum(1 for i in self.issues if i.severity == Severity.WARNING)
        return {
            **total,
            "by_kind": {k: dict(v) for k, v in self.counts.items()},
            "seconds": self.seconds,
        }


# -- value checks ---------------------------------------------------------------------------------
def parse_date(value: str, column: str) -> dt.date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return (
            dt.date.fromisoformat(value[:10]) if len(value) >= 10 else dt.date.fromisoformat(value)
        )
    except ValueError:
        raise RowError(column, value, "not a date (YYYY-MM-DD)") from None


def parse_datetime(value: str, column: str) -> None:
    value = (value or "").strip()
    try:
        dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise RowError(column, value, "not a date and time (ISO 8601)") from None


def clean_phone(value: str, column: str) -> str:
    value = (value or "").strip()
    if not value or _E164_US.match(value):
        return value
    digits = re.sub(r"[\s().-]", "", value)
    if (
        len(digits) == 10
        and digits.isdigit()
        and digits[0] in "23456789"
        and digits[3] in "23456789"
    ):
        return "+1" + digits
    try:
        return normalize_phone(value)
    except ValidationError:
        raise RowError(column, value, "not a valid phone number") from None


def clean_email(value: str, column: str) -> str:
    value = (value or "").strip()
    if value:
        try:
            _email(value)
        except ValidationError:
            raise RowError(column, value, "not a valid email address") from None
    return value


def check_text(row: dict, checked: frozenset[str] = frozenset()) -> None:
    """Refuse a row with a NUL character in it: that is not text, and PostgreSQL cannot store it.
    `checked` columns are optional fields whose own check refuses a NUL (the field is dropped)."""
    if "\x00" not in "".join(row.values()):  # one scan of the row; columns only when needed
        return
    for column, value in row.items():
        if value and "\x00" in value and column not in checked:
            raise RowError(column or "", value, "contains a NUL character, which is not text")


def split_list(value: str) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def optional(clean: Callable[[str, str], object], value: str, column: str, warnings: list):
    """The cleaned value of an optional field, or DROPPED (with a warning) when it is malformed."""
    try:
        return clean(value, column)
    except RowError as e:
        warnings.append((e.column, e.value, e.reason + DROPPED_FIELD))
        return DROPPED


# -- the import ----------------------------------------------------------------------------------
class OneRosterImport:
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

    def row_status(self, name: str, row: dict) -> str:
        """'active' or 'tobedeleted'; checks the delta-mode columns."""
        status = (row.get("status") or "").strip()
        if self.bundle.mode(name) == "delta":
            if status not in ("active", "tobedeleted"):
                raise RowError("status", status, "a delta file needs status active or tobedeleted")
            parse_datetime(row.get("dateLastModified", ""), "dateLastModified")
        if status in ("tobedeleted", "inactive"):
            return "tobedeleted"
        if status not in ("", "active"):
            raise RowError("status", status, "status must be active or tobedeleted")
        return "active"

    def read(self, name: str, check: Callable[[int, dict, str], object]) -> dict:
        """Stream a file; `check` returns the parsed record or raises RowError. Returns sid → record."""
        seen: dict[str, object] = {}
        key = "userSourcedId" if name == "roles.csv" else "sourcedId"
        if not self.bundle.has(name):
            return seen
        checked = OPTIONAL_COLUMNS.get(name, frozenset())
        for line, row in self.bundle.rows(name):
            sid = (row.get(key) or "").strip()
            if name == "roles.csv":
                sid = f"{sid}|{row.get('orgSourcedId', '').strip()}|{row.get('role', '').strip()}"
            try:
                check_text(row, checked)
                if not sid.strip("|"):
                    raise RowError(key, "", "sourcedId is empty")
                if len(sid) > SOURCED_ID_MAX and key == "sourcedId":
                    raise RowError(key, sid, f"longer than {SOURCED_ID_MAX} characters")
                if sid in seen:
                    raise RowError(key, sid, "duplicate sourcedId (already on an earlier line)")
                status = self.row_status(name, row)
                record = check(line, row, status)
            except RowError as e:
                self.reject(name, line, e.column, e.value, e.reason, sid=sid)
                seen.setdefault(sid, None)  # a second row with this id is still a duplicate
                continue
            seen[sid] = record
        return {k: v for k, v in seen.items() if v is not None}

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

    # -- stages -------------------------------------------------------------------------------
    def run(self) -> Outcome:
        stages = [
            ("orgs", self.import_orgs),
            ("academic sessions", self.import_sessions),
            ("users", self.import_users),
            ("classes", self.import_classes),
            ("enrollments", self.import_enrollments),
            ("households", self.finish),
        ]
        for i, (label, stage) in enumerate(stages):
            self.progress(label, int(100 * i / len(stages)))
            began = time.perf_counter()
            with transaction.atomic():
                stage()
            self.out.seconds[label] = round(time.perf_counter() - began, 2)
        self.progress("done", 100)
        return self.out

    # orgs.csv → District and Site
    def import_orgs(self):
        name = "orgs.csv"
        for d in District.objects.exclude(sourced_id=None).values_list("sourced_id", "pk"):
            self.orgs[d[0]] = ("district", d[1], d[1])
        for s in Site.objects.exclude(sourced_id=None).values_list(
            "sourced_id", "pk", "district_id"
        ):
            self.orgs[s[0]] = ("site", s[1], s[2])
        if self.district:
            self.district_ids.add(self.district.pk)

        def check(line, row, status):
            kind = row.get("type", "").strip()
            if kind not in ORG_TYPES:
                raise RowError("type", kind, "unknown org type")
            if not row.get("name", "").strip():
                raise RowError("name", "", "an org needs a name")
            return {
                "type": kind,
                "name": row["name"].strip(),
                "parent": row.get("parentSourcedId", "").strip(),
                "identifier": row.get("identifier", "").strip(),
                "status": status,
                "line": line,
            }

        records = self.read(name, check)
        districts = {
            sid: r
            for sid, r in records.items()
            if r["type"] in ("district", "local", "state", "national")
        }
        for sid, r in districts.items():
            existing = District.objects.filter(sourced_id=sid).first()
            if existing is None and self.district and not self.district.sourced_id:
                existing = self.district
            if existing is None:
                slug = base = slugify(r["identifier"] or r["name"])[:40] or "district"
                n = 1
                while District.objects.filter(slug=slug).exists():
                    n += 1
                    slug = f"{base}-{n}"
                existing = self.stamp_new(District(name=r["name"], slug=slug, sourced_id=sid))
                existing.save()
                self.out.counts["district"]["created"] += 1
            elif existing.name != r["name"] or existing.sourced_id != sid:
                District.objects.filter(pk=existing.pk).update(
                    name=r["name"], sourced_id=sid, updated_at=self.now, updated_by_id=self.by_id
                )
                self.out.counts["district"]["updated"] += 1
            else:
                self.out.counts["district"]["unchanged"] += 1
            self.orgs[sid] = ("district", existing.pk, existing.pk)
            self.district_ids.add(existing.pk)
        sites = {}
        for sid, r in records.items():
            if sid in districts:
                continue
            parent = self.orgs.get(r["parent"])
            fallback = self.district.pk if self.district and not r["parent"] else None
            district_id = parent[2] if parent else fallback
            if district_id is None:
                self.reject(
                    name,
                    r["line"],
                    "parentSourcedId",
                    r["parent"],
                    "unknown org: the parent district is neither in the bundle nor in Liaison",
                    sid=sid,
                )
                continue
            sites[sid] = {
                "name": r["name"],
                "district_id": district_id,
                "kind": SiteKind.SCHOOL if r["type"] == "school" else SiteKind.PROGRAMME,
                "is_active": r["status"] == "active",
            }
            self.district_ids.add(district_id)
        ids = self.upsert(Site, "site", sites, ["name", "is_active"])
        for sid, pk in ids.items():
            self.orgs[sid] = ("site", pk, sites[sid]["district_id"])
        if self.bundle.mode(name) == "bulk":
            self.deactivate(
                Site.objects.filter(district_id__in=self.district_ids)
                .exclude(sourced_id=None)
                .exclude(sourced_id__in=list(records)),
                "site",
            )

    def import_sessions(self):
        def check(line, row, status):
            start = parse_date(row.get("startDate", ""), "startDate")
            end = parse_date(row.get("endDate", ""), "endDate")
            if start and end and end < start:
                raise RowError("endDate", row["endDate"], "ends before it starts")
            return status

        self.sessions = set(self.read("academicSessions.csv", check))
        self.out.counts["academic session"]["read"] += len(self.sessions)

    # users.csv (+ roles.csv, demographics.csv) → Student, Guardian, staff User
    def import_users(self):
        roles: dict[str, list[tuple[str, str, str]]] = defaultdict(list)

        def check_role(line, row, status):
            org = row.get("orgSourcedId", "").strip()
            if org not in self.orgs:
                raise RowError("orgSourcedId", org, "unknown org")
            role = row.get("role", "").strip()
            if role not in ALL_ROLES:
                raise RowError("role", role, "unknown role")
            warnings = []
            for column in ("beginDate", "endDate"):
                optional(parse_date, row.get(column, ""), column, warnings)
            for column, value, reason in warnings:
                self.warn("roles.csv", line, column, value, reason)
            if status == "active":
                roles[row["userSourcedId"].strip()].append(
                    (row.get("roleType", "").strip(), role, org)
                )
            return status

        self.read("roles.csv", check_role)

        births: dict[str, tuple] = {}

        def check_demo(line, row, status):
            warnings = []
            born = optional(parse_date, row.get("birthDate", ""), "birthDate", warnings)
            births[row["sourcedId"].strip()] = (line, born, warnings)
            return status

        self.read("demographics.csv", check_demo)

        header = self.bundle.headers.get("users.csv", [])
        col = {k: self.mapping.column("guardian", k, header) for k in self.mapping.guardian}
        scol = {k: self.mapping.column("student", k, header) for k in self.mapping.student}
        people: dict[str, dict] = {}
        name = "users.csv"

        def check_user(line, row, status):
            sid = row["sourcedId"].strip()
            user_roles = roles.get(sid, [])
            role = next((r for t, r, _o in user_roles if t == "primary"), None) or (
                user_roles[0][1] if user_roles else row.get("role", "").strip()
            )
            if not role and self.bundle.mode(name) == "delta":
                role = "?"  # a user Liaison already has: resolved below
            elif not role:
                raise RowError("role", "", "no role for this user (roles.csv or users.csv)")
            if role != "?" and role not in ALL_ROLES:
                raise RowError("role", role, "unknown role")
            # Names are stored without bidi controls (core/validators.py), as the models store them.
            given, family = (
                strip_bidi_controls(row.get(column, "")).strip()
                for column in ("givenName", "familyName")
            )
            if not given and not family:
                raise RowError("givenName", "", "a user needs a name")
            # Kept for every user of the bundle until the end of the stage: compact values (shared
            # org ids, tuples, no empty lists) keep a 250,000-user district well under 1 GiB.
            warnings = []
            orgs = [o for _t, _r, o in user_roles] or split_list(row.get("orgSourcedIds", ""))
            primary = row.get("primaryOrgSourcedId", "").strip()
            if primary:
                orgs.insert(0, primary)
            for org in orgs:
                if org not in self.orgs:  # rare: only then say which are unknown
                    for org in dict.fromkeys(o for o in orgs if o not in self.orgs):
                        column = "primaryOrgSourcedId" if org == primary else "orgSourcedIds"
                        reason = "unknown org" + self.rejected_row("orgs.csv", org) + DROPPED_LINK
                        warnings.append((column, org, reason))
                    orgs = [o for o in orgs if o in self.orgs]
                    break
            email = optional(clean_email, row.get("email", ""), "email", warnings)
            # sms is the mobile number and phone the other one; without an sms, phone is the mobile
            raw_sms = row.get("sms", "").strip()
            sms = optional(clean_phone, raw_sms, "sms", warnings)
            phone = optional(clean_phone, row.get("phone", ""), "phone", warnings)
            grades = split_list(row.get("grades", ""))
            rec = {
                "line": line,
                "role": sys.intern(role),
                "orgs": tuple(sys.intern(o) for o in dict.fromkeys(orgs)),
                "status": status,
                "agents": tuple(split_list(row.get("agentSourcedIds", ""))),
                "given": given[:100],
                "family": family[:100],
                "preferred": strip_bidi_controls(row.get("preferredGivenName", "")).strip()[:100],
                "email": email,
                "mobile": sms if raw_sms else phone,
                "other": phone if raw_sms else "",
                "username": row.get("username", "").strip(),
            }
            if role in GUARDIAN_ROLES or role == "?":
                if col.get("preferred_language"):
                    raw = row.get(col["preferred_language"], "").strip()
                    tag = self.mapping.language(raw)
                    if raw and tag is None:
                        warnings.append((col["preferred_language"], raw, "unknown language"))
                    rec["language"] = tag
                if col.get("contact_restriction"):
                    rec["restricted"] = self.mapping.restricted(
                        row.get(col["contact_restriction"], "")
                    )
                rec["address"] = {
                    k: row.get(col[k], "").strip() if col.get(k) else ""
                    for k in ("street", "unit", "city", "region", "postal_code")
                }
            if role in STUDENT_ROLES or role == "?":
                if scol.get("programmes"):
                    progs, unknown = self.mapping.programme_list(row.get(scol["programmes"], ""))
                    rec["programmes"] = progs
                    for u in unknown:
                        warnings.append((scol["programmes"], u, "unknown programme"))
                if scol.get("home_language"):
                    raw = row.get(scol["home_language"], "").strip()
                    tag = self.mapping.language(raw)
                    if raw and tag is None:
                        warnings.append((scol["home_language"], raw, "unknown language"))
                    rec["language"] = tag
                grade = grades[0] if grades else ""
                if grade and grade not in GRADES:
                    warnings.append(("grades", grade, "unknown grade code" + DROPPED_FIELD))
                    grade = DROPPED
                rec["grade"] = grade
            if warnings:
                rec["warnings"] = warnings
            return rec

        people = self.read(name, check_user)
        unknown_role = [sid for sid, r in people.items() if r["role"] == "?"]
        for start in range(0, len(unknown_role), BATCH):
            chunk = unknown_role[start : start + BATCH]
            for model, role in ((Student, "student"), (Guardian, None), (User, None)):
                rows = model.objects.filter(sourced_id__in=chunk)
                if model is Guardian:
                    for sid, rel in rows.values_list("sourced_id", "relationship"):
                        people[sid]["role"] = (
                            "guardian"
                            if rel == Relationship.LEGAL_GUARDIAN
                            else ("relative" if rel == Relationship.RELATIVE else "parent")
                        )
                elif model is User:
                    for sid, r in rows.values_list("sourced_id", "memberships__role"):
                        people[sid]["role"] = {
                            Role.DISTRICT_ADMIN: "districtAdministrator",
                            Role.SITE_LEADER: "principal",
                        }.get(r, "teacher")
                else:
                    for sid in rows.values_list("sourced_id", flat=True):
                        people[sid]["role"] = role
        for sid in unknown_role:
            rec = people[sid]
            if rec["role"] == "?":
                self.reject(
                    name,
                    rec["line"],
                    "role",
                    "",
                    "no role for this user (roles.csv or users.csv)",
                    sid=sid,
                )
                del people[sid]
        self.progress("users", 35)

        # demographics: birth dates of students. A row whose user is unknown is rejected; a
        # malformed birth date is left out with a warning (the row's user is imported without it).
        known_students = {
            row[0] for row in self.stored(Student, [s for s in births if s not in people], [])
        }
        for sid, (line, born, warnings) in births.items():
            rec = people.get(sid)
            if rec is None and sid not in known_students:
                line_of_user = self.rejected[name].get(sid)
                self.reject(
                    "demographics.csv",
                    line,
                    "sourcedId",
                    sid,
                    f"unknown user: its row in users.csv (line {line_of_user}) was rejected"
                    if line_of_user
                    else "unknown user: not in users.csv",
                )
                continue
            for column, value, reason in warnings:
                self.warn("demographics.csv", line, column, value, reason)
            if born is DROPPED:
                continue
            if rec is not None and rec["role"] in STUDENT_ROLES:
                rec["born"] = born
            elif rec is None:
                Student.objects.filter(sourced_id=sid).exclude(date_of_birth=born).update(
                    date_of_birth=born, updated_at=self.now, updated_by_id=self.by_id
                )

        # district of each person: their orgs, else their linked students', else --district
        def org_district(rec):
            for o in rec["orgs"]:
                return self.orgs[o][2]
            return None

        students = {s: r for s, r in people.items() if r["role"] in STUDENT_ROLES}
        guardians = {s: r for s, r in people.items() if r["role"] in GUARDIAN_ROLES}
        staff = {s: r for s, r in people.items() if r["role"] in STAFF_ROLES}
        default_district = (
            self.district.pk
            if self.district
            else (next(iter(self.district_ids)) if len(self.district_ids) == 1 else None)
        )
        for sid, rec in list(students.items()):
            rec["district_id"] = org_district(rec) or default_district
            if rec["district_id"] is None:
                self.reject(
                    name,
                    rec["line"],
                    "orgSourcedIds",
                    "",
                    "unknown org: no school or district given",
                    sid=sid,
                )
                del students[sid]

        # links: agentSourcedIds in either direction. An agent that is neither a kept row of the
        # file nor in Liaison is left out of the row that names it, with a warning; the rest of
        # the row (and its other links) is imported.
        stored_students = set()
        stored_guardians = set()
        referenced = {a for r in people.values() for a in r["agents"]} - set(people)
        if referenced:
            ref = list(referenced)
            for start in range(0, len(ref), BATCH):
                chunk = ref[start : start + BATCH]
                stored_students.update(
                    Student.objects.filter(sourced_id__in=chunk).values_list(
                        "sourced_id", flat=True
                    )
                )
                stored_guardians.update(
                    Guardian.objects.filter(sourced_id__in=chunk).values_list(
                        "sourced_id", flat=True
                    )
                )

        def drop_unknown_agents(rows: dict, kept: dict, stored: set, what: str, noun: str):
            for rec in rows.values():
                if not rec["agents"]:
                    continue
                agents = []
                for agent in rec["agents"]:
                    if agent in kept or (agent not in people and agent in stored):
                        agents.append(agent)
                        continue
                    line = self.rejected[name].get(agent)
                    reason = (
                        f"{what}: the row of this {noun} (users.csv line {line}) was rejected"
                        if line
                        else f"{what}: no {noun} with this sourcedId"
                    )
                    rec.setdefault("warnings", []).append(
                        ("agentSourcedIds", agent, reason + DROPPED_LINK)
                    )
                if len(agents) != len(rec["agents"]):
                    rec["agents"] = tuple(agents)

        drop_unknown_agents(
            guardians, students, stored_students, "missing student for an agent", "student"
        )
        by_guardian = defaultdict(list)
        for sid, rec in guardians.items():
            by_guardian[sid].extend(rec["agents"])
        for sid, rec in students.items():
            for agent in rec["agents"]:
                by_guardian[agent].append(sid)
        stored_student_district = dict(
            Student.objects.filter(
                sourced_id__in=list(
                    {st for sts in by_guardian.values() for st in sts} - set(students)
                )
            ).values_list("sourced_id", "district_id")
        )
        for sid, rec in list(guardians.items()):
            d = org_district(rec)
            for st in by_guardian.get(sid, []):
                d = d or (
                    students[st]["district_id"]
                    if st in students
                    else stored_student_district.get(st)
                )
            rec["district_id"] = d or default_district
            if rec["district_id"] is None:
                self.reject(
                    name,
                    rec["line"],
                    "orgSourcedIds",
                    "",
                    "unknown org: no school, district or student links this guardian to a district",
                    sid=sid,
                )
                del guardians[sid]
        drop_unknown_agents(
            students,
            guardians,
            stored_guardians,
            "missing guardian for an agent",
            "parent or guardian",
        )
        links: set[tuple[str, str]] = set()
        for sid, rec in guardians.items():
            links.update((sid, agent) for agent in rec["agents"])
        for sid, rec in students.items():
            links.update((agent, sid) for agent in rec["agents"])
        # A tobedeleted row that Liaison never had is not created: nothing forms around it.
        skipped = self.skip_new_tobedeleted(Student, students, "student")
        skipped |= self.skip_new_tobedeleted(Guardian, guardians, "guardian")
        if skipped:
            links = {(g, st) for g, st in links if g not in skipped and st not in skipped}
        for kept in (staff, students, guardians):
            for rec in kept.values():
                for column, value, reason in dict.fromkeys(rec.get("warnings", ())):
                    self.warn(name, rec["line"], column, value, reason)
        self.district_ids.update(
            r["district_id"] for r in [*students.values(), *guardians.values()]
        )

        # students
        self.progress("users", 45)
        self.import_staff(staff)
        before = self._people_count()
        student_ids = self.import_guardians(guardians, students, links)
        self.import_programmes(students, student_ids)
        if self._people_count() - before > STATISTICS_AFTER_ROWS:
            # A first load: the planner's statistics still describe the tables as they were (a
            # district with no roster yet), and the queries below join guardians to households by
            # district. With them, PostgreSQL chose a nested loop over every new guardian times
            # every new household (hours at 100,000 students); fresh statistics, a hash join.
            refresh_statistics(Household, Guardian, Student, GuardianStudent)

        # tobedeleted rows and bulk omissions
        if self.bundle.mode(name) == "bulk":
            keep = set(people)
            off = self.deactivate(
                Student.objects.filter(district_id__in=self.district_ids).exclude(sourced_id=None),
                "student",
                keep=keep,
            )
            self.touched_households.update(self.households_of(Student, off))
            off = self.deactivate(
                Guardian.objects.filter(household__district_id__in=self.district_ids).exclude(
                    sourced_id=None
                ),
                "guardian",
                keep=keep,
            )
            self.touched_households.update(self.households_of(Guardian, off))
            self.staff_gone += self.deactivate(
                User.objects.filter(memberships__district_id__in=self.district_ids)
                .exclude(sourced_id=None)
                .distinct(),
                "staff",
                keep=keep,
            )
        self.touched_households.update(
            self.households_of(
                Student,
                [
                    student_ids[s]
                    for s in self.changed["student"] - self.created["student"]
                    if s in student_ids
                ],
            )
        )
        self.touched_households.update(self.new_student_households.values())
        self.end_enrolments(
            Enrolment.objects.filter(
                student__is_active=False, is_active=True, student__district_id__in=self.district_ids
            )
        )
        # Staff who left: their roles end too (pending accounts, inactive until activated, keep theirs).
        Membership.objects.filter(
            user_id__in=self.staff_gone, is_active=True, district_id__in=self.district_ids
        ).update(is_active=False, updated_at=self.now, updated_by_id=self.by_id)
        self.student_ids = student_ids

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

    def _people_count(self) -> int:
        """Families' records created so far in this run (guardians, students, households)."""
        return sum(
            self.out.counts[kind]["created"] for kind in ("guardian", "student", "household")
        )

    def import_staff(self, staff: dict):
        def new(sid, values):
            username = values.pop("username")
            return User(
                sourced_id=sid,
                username=username,
                password=make_password(None),
                is_active=False,
                **values,
            )

        existing_usernames = set(
            User.objects.filter(
                username__in=[r["username"] or f"sis-{s}" for s, r in staff.items()]
            )
            .exclude(sourced_id__in=list(staff))
            .values_list("username", flat=True)
        )
        records = {}
        for sid, r in staff.items():
            username = (r["username"] or f"sis-{sid}")[:150]
            if username in existing_usernames:
                username = f"sis-{sid}"[:150]
            records[sid] = {
                "username": username,
                "first_name": r["given"][:150],
                "last_name": r["family"][:150],
                # a malformed email or phone is left out: a new account has none, a stored one
                # keeps its own
                **({"email": r["email"]} if r["email"] is not DROPPED else {}),
                **({"phone": r["mobile"]} if r["mobile"] is not DROPPED else {}),
            }
        # User is not a TrackedModel: compare and write by hand.
        ids = {}
        counts = self.out.counts["staff"]
        existing = {u.sourced_id: u for u in User.objects.filter(sourced_id__in=list(staff))}
        creates, updates = [], []
        fields = ["first_name", "last_name", "email", "phone"]
        for sid, values in records.items():
            u = existing.get(sid)
            if u is None:
                creates.append(new(sid, dict(values)))
                continue
            changed = [f for f in fields if f in values and getattr(u, f) != values[f]]
            for f in changed:
                setattr(u, f, values[f])
            if staff[sid]["status"] != "active" and u.is_active:
                u.is_active = False
                counts["deactivated"] += 1
                self.staff_gone.append(u.pk)
                changed.append("is_active")
            (updates.append(u) if changed else None)
            counts["unchanged" if not changed else "updated"] += 1
            ids[sid] = u.pk
        User.objects.bulk_create(creates, batch_size=BATCH)
        counts["created"] += len(creates)
        if updates:
            User.objects.bulk_update(updates, [*fields, "is_active"], batch_size=BATCH)
        ids.update(
            User.objects.filter(sourced_id__in=[u.sourced_id for u in creates]).values_list(
                "sourced_id", "pk"
            )
        )
        # memberships: the role at each org
        wanted = set()
        for sid, r in staff.items():
            if sid not in ids:
                continue
            role = STAFF_ROLES[r["role"]]
            for org in r["orgs"] or []:
                kind, pk, district_id = self.orgs[org]
                site_id = pk if kind == "site" else None
                if role == Role.DISTRICT_ADMIN:
                    site_id = None
                wanted.add((ids[sid], district_id, site_id, role))
        self.ensure_memberships(wanted)
        self.staff_ids = ids

    def ensure_memberships(self, wanted: set):
        if not wanted:
            return
        have = {}
        user_ids = list({w[0] for w in wanted})
        for start in range(0, len(user_ids), BATCH):
            for m in Membership.objects.filter(user_id__in=user_ids[start : start + BATCH]):
                have[(m.user_id, m.district_id, m.site_id, m.role)] = m
        creates = [
            {"user_id": u, "district_id": d, "site_id": s, "role": r}
            for (u, d, s, r) in sorted(wanted, key=str)
            if (u, d, s, r) not in have
        ]
        self.new_rows(Membership, creates)
        self.out.counts["membership"]["created"] += len(creates)

    def import_guardians(self, guardians, students, links):
        """Form households from guardians linked to the same students at the same address."""

        # Union guardians who share a student and an address.
        def addr_key(rec):
            a = rec.get("address") or {}
            return re.sub(
                r"[^a-z0-9]",
                "",
                f"{a.get('street', '')}{a.get('unit', '')}{a.get('postal_code', '')}".lower(),
            )

        # Only active rows form households: a tobedeleted guardian stays where it is (and is
        # deactivated), and a tobedeleted student joins nobody together and is placed nowhere.
        active = {g for g, r in guardians.items() if r["status"] == "active"}
        leaving_students = {s for s, r in students.items() if r["status"] != "active"}
        address = {g: addr_key(guardians[g]) for g in active}

        parent = {g: g for g in active}

        def find(x):
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        by_student = defaultdict(list)
        for g, st in links:
            if g in active and st not in leaving_students:
                by_student[st].append(g)
        for gs in by_student.values():
            gs.sort()
            for other in gs[1:]:
                if address[other] == address[gs[0]]:
                    a, b = find(gs[0]), find(other)
                    if a != b:
                        parent[max(a, b)] = min(a, b)
        groups = defaultdict(list)
        for g in active:
            groups[find(g)].append(g)

        # Where each guardian lives now.
        current: dict[str, tuple[int, bool, str]] = {}
        for sid, hid, by_hand, key in self.stored(
            Guardian,
            list(guardians),
            ["household_id", "household__arranged_by_hand", "household__source_key"],
        ):
            current[sid] = (hid, by_hand, key)
        keys = {f"oneroster:{root}" for root in groups}
        by_key = {}
        keyl = list(keys)
        for start in range(0, len(keyl), BATCH):
            by_key.update(
                Household.objects.filter(
                    source_key__in=keyl[start : start + BATCH], arranged_by_hand=False
                ).values_list("source_key", "pk")
            )
        household_of: dict[str, int] = {
            g: current[g][0] for g in guardians if g not in active and g in current
        }
        new_households = []
        for root, members in groups.items():
            pinned = {g: current[g][0] for g in members if g in current and current[g][1]}
            household_of.update(pinned)
            free = [g for g in members if g not in pinned]
            if not free:
                continue
            # An existing imported household of a member keeps its identity (and its local edits).
            hid = next(
                (current[g][0] for g in sorted(free) if g in current and current[g][2]), None
            )
            hid = hid or by_key.get(f"oneroster:{root}")
            if hid:
                household_of.update(dict.fromkeys(free, hid))
                continue
            lead = guardians[root]
            names = list(
                dict.fromkeys(
                    guardians[g]["family"] for g in sorted(free) if guardians[g]["family"]
                )
            )
            langs = [
                guardians[g].get("language") for g in sorted(free) if guardians[g].get("language")
            ]
            a = lead.get("address") or {}
            h = {
                "district_id": lead["district_id"],
                "name": (" – ".join(names[:3]) + " household")[:200],
                "source_key": f"oneroster:{root}",
                "home_languages": list(dict.fromkeys(langs)),
                "street": a.get("street", "")[:200],
                "unit": a.get("unit", "")[:50],
                "city": a.get("city", "")[:100],
                "region": a.get("region", "")[:50],
                "postal_code": a.get("postal_code", "")[:20],
            }
            new_households.append((h, free))
        pks = dict(
            self.new_rows(Household, [h for h, _m in new_households], returning="source_key")
        )
        self.new_households.update(pks.values())
        for h, members in new_households:
            household_of.update(dict.fromkeys(members, pks[h["source_key"]]))
        self.out.counts["household"]["created"] += len(new_households)

        # Students live with their first linked guardian's household (unless arranged by hand);
        # new students are created in it.
        first = {}
        for g, st in sorted(links):
            if g in active and g in household_of and st not in leaving_students:
                first.setdefault(st, household_of[g])
        pinned_students = {
            row[0]
            for row in self.stored(Student, list(students), [], household__arranged_by_hand=True)
        }

        def student_values(sid, r):
            return {
                "district_id": r["district_id"],
                "given_name": r["given"],
                "family_name": r["family"],
                "preferred_name": r["preferred"],
                **({"grade": r["grade"]} if r["grade"] is not DROPPED else {}),
                "is_active": r["status"] == "active",
                **(
                    {"household_id": first[sid]}
                    if sid in first and sid not in pinned_students
                    else {}
                ),
                **({"date_of_birth": r["born"]} if "born" in r else {}),
            }

        student_ids = self.upsert(
            Student,
            "student",
            students,
            [
                "district_id",
                "household_id",
                "given_name",
                "family_name",
                "preferred_name",
                "grade",
                "is_active",
                "date_of_birth",
            ],
            student_values,
        )
        self.new_student_households = {
            student_ids[s]: first[s] for s in self.created["student"] if s in first
        }

        def guardian_values(sid, r):
            values = {
                "household_id": household_of[sid],
                "given_name": r["given"],
                "family_name": r["family"],
                "preferred_name": r["preferred"],
                "relationship": GUARDIAN_ROLES[r["role"]],
                "is_active": r["status"] == "active",
            }
            # a malformed email or phone is left out: the stored one (or none) stays
            for column, key in (("email", "email"), ("phone", "mobile"), ("alt_phone", "other")):
                if r[key] is not DROPPED:
                    values[column] = r[key]
            if r.get("language"):
                values["preferred_language"] = r["language"]
            if "restricted" in r:
                values["contact_restricted"] = r["restricted"]
                values["contact_restriction_reason"] = (
                    "Contact restriction recorded in the student information system."
                    if r["restricted"]
                    else ""
                )
            return values

        before = dict((sid, v[0]) for sid, v in current.items())
        guardian_ids = self.upsert(
            Guardian,
            "guardian",
            guardians,
            [
                "household_id",
                "given_name",
                "family_name",
                "preferred_name",
                "email",
                "phone",
                "alt_phone",
                "relationship",
                "is_active",
                "preferred_language",
                "contact_restricted",
                "contact_restriction_reason",
            ],
            guardian_values,
        )
        for sid in self.changed["guardian"]:
            self.touched_households.add(household_of[sid])
            if sid in before:
                self.touched_households.add(before[sid])

        # links guardian ↔ student
        stored = {}
        other_students = list({st for _g, st in links} - set(student_ids))
        for start in range(0, len(other_students), BATCH):
            stored.update(
                Student.objects.filter(
                    sourced_id__in=other_students[start : start + BATCH]
                ).values_list("sourced_id", "pk")
            )
        all_students = {**stored, **student_ids}
        stored_g = {}
        other_guardians = list({g for g, _st in links} - set(guardian_ids))
        for start in range(0, len(other_guardians), BATCH):
            stored_g.update(
                Guardian.objects.filter(
                    sourced_id__in=other_guardians[start : start + BATCH]
                ).values_list("sourced_id", "pk")
            )
        all_guardians = {**stored_g, **guardian_ids}
        pairs = {
            (all_guardians[g], all_students[st], g)
            for g, st in links
            if g in all_guardians and st in all_students
        }
        new_guardians = {guardian_ids[g] for g in self.created["guardian"]}
        gids = list({p[0] for p in pairs} - new_guardians)  # a new guardian has no links yet
        have = set()
        for start in range(0, len(gids), BATCH):
            have.update(
                GuardianStudent.objects.filter(
                    guardian_id__in=gids[start : start + BATCH]
                ).values_list("guardian_id", "student_id")
            )
        creates = [
            {
                "guardian_id": g,
                "student_id": s,
                "relationship": GUARDIAN_ROLES[guardians[gs]["role"]]
                if gs in guardians
                else Relationship.PARENT,
            }
            for g, s, gs in sorted(pairs)
            if (g, s) not in have
        ]
        self.new_rows(GuardianStudent, creates)
        self.out.counts["guardian link"]["created"] += len(creates)

        # students of the file are placed above; stored students linked to guardians of the file
        sids = [s for s in first if s in all_students and s not in students]
        moves = []
        for start in range(0, len(sids), BATCH):
            chunk = sids[start : start + BATCH]
            for sid, pk, hid, by_hand in Student.objects.filter(sourced_id__in=chunk).values_list(
                "sourced_id", "pk", "household_id", "household__arranged_by_hand"
            ):
                if hid != first[sid] and not by_hand:
                    moves.append((pk, first[sid], hid))
        update_rows(
            Student,
            ["household_id", "updated_at", "updated_by_id"],
            [(hid, self.now, self.by_id, pk) for pk, hid, _old in moves],
        )
        for _pk, hid, old in moves:
            self.touched_households.update(x for x in (hid, old) if x)
        self.out.counts["student"]["moved household"] += sum(1 for m in moves if m[2])
        return student_ids

    def import_programmes(self, students, student_ids):
        wanted = {
            student_ids[s]: r["programmes"]
            for s, r in students.items()
            if "programmes" in r and s in student_ids
        }
        if not wanted:
            return
        new_students = {student_ids[s] for s in self.created["student"]}
        ids = [s for s in wanted if s not in new_students]  # a new student has no programmes yet
        have = defaultdict(set)
        for start in range(0, len(ids), BATCH):
            for sid, prog in StudentProgramme.objects.filter(
                student_id__in=ids[start : start + BATCH]
            ).values_list("student_id", "programme"):
                have[sid].add(prog)
        creates, drops = [], []
        for sid, progs in wanted.items():
            for p in set(progs) - have[sid]:
                creates.append({"student_id": sid, "programme": p})
            for p in have[sid] - set(progs):
                drops.append((sid, p))
        self.new_rows(StudentProgramme, creates)
        for sid, p in drops:
            StudentProgramme.objects.filter(student_id=sid, programme=p).delete()
        self.out.counts["programme"]["created"] += len(creates)
        self.out.counts["programme"]["ended"] += len(drops)

    # classes.csv → ClassSection
    def import_classes(self):
        name = "classes.csv"

        def check(line, row, status):
            school = row.get("schoolSourcedId", "").strip()
            org = self.orgs.get(school)
            if org is None or org[0] != "site":
                raise RowError(
                    "schoolSourcedId", school, "unknown org: no school with this sourcedId"
                )
            for term in split_list(row.get("termSourcedIds", "")):
                if self.bundle.has("academicSessions.csv") and term not in self.sessions:
                    self.warn(  # terms are only checked: the class is imported all the same
                        name,
                        line,
                        "termSourcedIds",
                        term,
                        "unknown academic session" + DROPPED_LINK,
                    )
            return {
                "site_id": org[1],
                "title": row.get("title", "").strip()[:200] or school,
                "course_code": row.get("classCode", "").strip()[:64],
                "is_active": status == "active",
            }

        records = self.read(name, check)
        self.class_ids = self.upsert(
            ClassSection, "class", records, ["site_id", "title", "course_code", "is_active"]
        )
        self.class_sites = {sid: r["site_id"] for sid, r in records.items()}
        if self.bundle.mode(name) == "bulk":
            self.deactivate(
                ClassSection.objects.filter(site__district_id__in=self.district_ids)
                .exclude(sourced_id=None)
                .exclude(sourced_id__in=list(records)),
                "class",
            )

    # enrollments.csv → class rosters, teacher class links, student enrolments at sites
    def import_enrollments(self):
        name = "enrollments.csv"
        if not self.bundle.has(name):
            return
        classes = dict(
            ClassSection.objects.exclude(sourced_id=None).values_list("sourced_id", "pk")
        )
        class_site = dict(
            ClassSection.objects.exclude(sourced_id=None).values_list("sourced_id", "site_id")
        )
        students = dict(
            Student.objects.filter(district_id__in=self.district_ids)
            .exclude(sourced_id=None)
            .values_list("sourced_id", "pk")
        )
        staff = dict(User.objects.exclude(sourced_id=None).values_list("sourced_id", "pk"))
        student_links, teacher_links = set(), set()
        drop_student, drop_teacher = set(), set()
        site_enrol: dict[tuple[int, int], dt.date | None] = {}
        memberships = set()

        def unknown(what: str, file: str, sid: str) -> str:
            line = self.rejected[file].get(sid)
            return f"{what}; its row in {file} (line {line}) was rejected" if line else what

        def check(line, row, status):
            cls = row.get("classSourcedId", "").strip()
            if cls not in classes:
                raise RowError("classSourcedId", cls, unknown("unknown class", "classes.csv", cls))
            school = row.get("schoolSourcedId", "").strip()
            org = self.orgs.get(school)
            if org is None or org[0] != "site":
                raise RowError(
                    "schoolSourcedId", school, "unknown org: no school with this sourcedId"
                )
            user = row.get("userSourcedId", "").strip()
            role = row.get("role", "").strip()
            if role == "student":
                if user not in students:
                    raise RowError(
                        "userSourcedId",
                        user,
                        unknown("unknown user: no student with this sourcedId", "users.csv", user),
                    )
                pair = (classes[cls], students[user])
                if status == "active":
                    student_links.add(pair)
                else:
                    drop_student.add(pair)
            elif role in STAFF_ROLES:
                if user not in staff:
                    raise RowError(
                        "userSourcedId",
                        user,
                        unknown(
                            "unknown user: no staff member with this sourcedId", "users.csv", user
                        ),
                    )
                pair = (classes[cls], staff[user])
                if status == "active":
                    teacher_links.add(pair)
                    memberships.add((staff[user], org[2], class_site[cls], Role.TEACHER))
                else:
                    drop_teacher.add(pair)
            else:
                raise RowError("role", role, "unknown enrollment role")
            # the dates are optional: a malformed one is left out (the enrolment starts undated)
            warnings = []
            begin = optional(parse_date, row.get("beginDate", ""), "beginDate", warnings)
            optional(parse_date, row.get("endDate", ""), "endDate", warnings)
            for column, value, reason in warnings:
                self.warn(name, line, column, value, reason)
            begin = None if begin is DROPPED else begin
            if role == "student" and status == "active":
                key = (students[user], class_site[cls])
                if key not in site_enrol or (
                    begin and (site_enrol[key] is None or begin < site_enrol[key])
                ):
                    site_enrol[key] = begin
            return True

        self.read(name, check)
        self.progress("enrollments", 80)
        bulk = self.bundle.mode(name) == "bulk"
        through_s = ClassSection.students.through
        through_t = ClassSection.teachers.through
        cls_ids = list(classes.values())
        for through, wanted, drops, col, kind in (
            (through_s, student_links, drop_student, "student_id", "class roster"),
            (through_t, teacher_links, drop_teacher, "user_id", "class teacher"),
        ):
            have = set()
            for start in range(0, len(cls_ids), BATCH):
                have.update(
                    through.objects.filter(
                        classsection_id__in=cls_ids[start : start + BATCH]
                    ).values_list("classsection_id", col)
                )
            add = wanted - have
            self.new_rows(through, [{"classsection_id": c, col: u} for c, u in sorted(add)])
            remove = (have - wanted) if bulk else (drops & have)
            for c, u in remove:
                through.objects.filter(classsection_id=c, **{col: u}).delete()
            self.out.counts[kind]["created"] += len(add)
            self.out.counts[kind]["deactivated"] += len(remove)
        self.ensure_memberships(memberships)

        # one Enrolment per student and school, keyed "<student>@<school>"
        sid_of_student = {pk: sid for sid, pk in students.items()}
        site_sid = {pk: sid for sid, (kind, pk, _d) in self.orgs.items() if kind == "site"}
        records = {}
        for (stu, site), begin in site_enrol.items():
            records[f"{sid_of_student[stu]}@{site_sid[site]}"] = {
                "student_id": stu,
                "site_id": site,
                "is_active": True,
                "ends_on": None,
                **({"starts_on": begin} if begin else {}),
            }
        # adopt enrolments made by hand for the same student and school (a student this run
        # created has none)
        keys = list(records)
        new_students = {
            self.student_ids[s] for s in self.created["student"] if s in self.student_ids
        }
        adoptable = [k for k in keys if records[k]["student_id"] not in new_students]
        for start in range(0, len(adoptable), BATCH):
            chunk = [records[k] for k in adoptable[start : start + BATCH]]
            for e in Enrolment.objects.filter(
                sourced_id=None, is_active=True, student_id__in={r["student_id"] for r in chunk}
            ):
                key = f"{sid_of_student[e.student_id]}@{site_sid.get(e.site_id, '')}"
                if key in records:
                    Enrolment.objects.filter(pk=e.pk).update(sourced_id=key)
        self.upsert(Enrolment, "enrolment", records, ["is_active", "ends_on", "starts_on"])
        # enrolments with no class left at their school end
        if bulk:
            keep = set(keys)
            stale_ids = [
                pk
                for pk, sid in Enrolment.objects.filter(
                    student__district_id__in=self.district_ids, is_active=True
                )
                .exclude(sourced_id=None)
                .values_list("pk", "sourced_id")
                if sid not in keep
            ]
            stale = Enrolment.objects.filter(pk__in=stale_ids)
        else:
            site_of_class = {classes[c]: class_site[c] for c in class_site}
            pairs = {(u, site_of_class[c]) for (c, u) in drop_student}
            still = set(
                ClassSection.students.through.objects.filter(
                    student_id__in=[p[0] for p in pairs]
                ).values_list("student_id", "classsection__site_id")
            )
            gone = pairs - still
            q = Enrolment.objects.none()
            for stu, site in gone:
                q = q | Enrolment.objects.filter(student_id=stu, site_id=site, is_active=True)
            stale = q
        self.end_enrolments(stale)

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
