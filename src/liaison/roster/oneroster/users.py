"""users.csv (with roles.csv and demographics.csv) → Student, Guardian and staff User.

The stage reads the three files into one record per user, resolves each user's role, district and
links (agentSourcedIds), then writes staff (users.py), families (guardians.py) and ends what a bulk
file leaves out. Its working set is a People, handed from step to step.
"""

import sys
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password

from liaison.core.db import refresh_statistics
from liaison.core.validators import strip_bidi_controls
from liaison.people.choices import Relationship, Role
from liaison.people.models import (
    Enrolment,
    Guardian,
    GuardianStudent,
    Household,
    Membership,
    Student,
    User,
)
from liaison.roster.oneroster.check import (
    ALL_ROLES,
    DROPPED,
    DROPPED_FIELD,
    DROPPED_LINK,
    GRADES,
    GUARDIAN_ROLES,
    STAFF_ROLES,
    STUDENT_ROLES,
    RowError,
    clean_email,
    clean_phone,
    optional,
    parse_date,
    split_list,
)
from liaison.roster.oneroster.guardians import import_guardians, import_programmes
from liaison.roster.oneroster.read import read_file
from liaison.roster.oneroster.store import BATCH, ImportRun

USERS = "users.csv"
STATISTICS_AFTER_ROWS = 5000  # a run that created more families' rows refreshes the planner's view


@dataclass
class People:
    """The users stage's working set: every kept user's record, then the same records by role."""

    records: dict[str, dict]  # sourcedId → record of users.csv
    births: dict[str, tuple]  # demographics.csv: sourcedId → (line, birth date, warnings)
    students: dict[str, dict] = field(default_factory=dict)
    guardians: dict[str, dict] = field(default_factory=dict)
    staff: dict[str, dict] = field(default_factory=dict)
    default_district: int | None = None
    links: set[tuple[str, str]] = field(default_factory=set)  # (guardian, student) sourcedIds


def import_users(run: ImportRun) -> None:
    roles = read_roles(run)
    births = read_demographics(run)
    people = People(records=read_file(run, USERS, user_check(run, roles)), births=births)
    resolve_unknown_roles(run, people)
    run.progress("users", 35)
    apply_birth_dates(run, people)
    sort_by_role(run, people)
    link_families(run, people)
    keep_people(run, people)
    run.progress("users", 45)
    write_people(run, people)


def read_roles(run: ImportRun) -> dict[str, list[tuple[str, str, str]]]:
    """roles.csv: user sourcedId → [(roleType, role, org sourcedId)] of its active rows."""
    roles: dict[str, list[tuple[str, str, str]]] = defaultdict(list)

    def check_role(line, row, status):
        org = row.get("orgSourcedId", "").strip()
        if org not in run.orgs:
            raise RowError("orgSourcedId", org, "unknown org")
        role = row.get("role", "").strip()
        if role not in ALL_ROLES:
            raise RowError("role", role, "unknown role")
        warnings = []
        for column in ("beginDate", "endDate"):
            optional(parse_date, row.get(column, ""), column, warnings)
        for column, value, reason in warnings:
            run.warn("roles.csv", line, column, value, reason)
        if status == "active":
            roles[row["userSourcedId"].strip()].append((row.get("roleType", "").strip(), role, org))
        return status

    read_file(run, "roles.csv", check_role)
    return roles


def read_demographics(run: ImportRun) -> dict[str, tuple]:
    """demographics.csv: sourcedId → (line, birth date or DROPPED, warnings); applied later."""
    births: dict[str, tuple] = {}

    def check_demo(line, row, status):
        warnings = []
        born = optional(parse_date, row.get("birthDate", ""), "birthDate", warnings)
        births[row["sourcedId"].strip()] = (line, born, warnings)
        return status

    read_file(run, "demographics.csv", check_demo)
    return births


def user_check(run: ImportRun, roles: dict):
    """The check of one users.csv row: it returns the user's record (role "?" for a delta row
    of a user Liaison already has, resolved by resolve_unknown_roles)."""
    header = run.bundle.headers.get("users.csv", [])
    col = {k: run.mapping.column("guardian", k, header) for k in run.mapping.guardian}
    scol = {k: run.mapping.column("student", k, header) for k in run.mapping.student}
    name = USERS

    def check_user(line, row, status):
        sid = row["sourcedId"].strip()
        user_roles = roles.get(sid, [])
        role = next((r for t, r, _o in user_roles if t == "primary"), None) or (
            user_roles[0][1] if user_roles else row.get("role", "").strip()
        )
        if not role and run.bundle.mode(name) == "delta":
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
            if org not in run.orgs:  # rare: only then say which are unknown
                for org in dict.fromkeys(o for o in orgs if o not in run.orgs):
                    column = "primaryOrgSourcedId" if org == primary else "orgSourcedIds"
                    reason = "unknown org" + run.rejected_row("orgs.csv", org) + DROPPED_LINK
                    warnings.append((column, org, reason))
                orgs = [o for o in orgs if o in run.orgs]
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
            family_fields(run, col, row, rec, warnings)
        if role in STUDENT_ROLES or role == "?":
            student_fields(run, scol, row, rec, warnings, grades)
        if warnings:
            rec["warnings"] = warnings
        return rec

    return check_user


def _language(run: ImportRun, column: str, row: dict, warnings: list) -> str | None:
    """The BCP 47 tag of a language column, through the district's mapping; a value the mapping
    does not know is a warning."""
    raw = row.get(column, "").strip()
    tag = run.mapping.language(raw)
    if raw and tag is None:
        warnings.append((column, raw, "unknown language"))
    return tag


def family_fields(run: ImportRun, col: dict, row: dict, rec: dict, warnings: list) -> None:
    """A guardian's own columns (as the district's mapping names them): language, restriction,
    address."""
    if col.get("preferred_language"):
        rec["language"] = _language(run, col["preferred_language"], row, warnings)
    if col.get("contact_restriction"):
        rec["restricted"] = run.mapping.restricted(row.get(col["contact_restriction"], ""))
    rec["address"] = {
        k: row.get(col[k], "").strip() if col.get(k) else ""
        for k in ("street", "unit", "city", "region", "postal_code")
    }


def student_fields(
    run: ImportRun, scol: dict, row: dict, rec: dict, warnings: list, grades: list[str]
) -> None:
    """A student's own columns: programmes, home language, grade."""
    if scol.get("programmes"):
        progs, unknown = run.mapping.programme_list(row.get(scol["programmes"], ""))
        rec["programmes"] = progs
        for u in unknown:
            warnings.append((scol["programmes"], u, "unknown programme"))
    if scol.get("home_language"):
        rec["language"] = _language(run, scol["home_language"], row, warnings)
    grade = grades[0] if grades else ""
    if grade and grade not in GRADES:
        warnings.append(("grades", grade, "unknown grade code" + DROPPED_FIELD))
        grade = DROPPED
    rec["grade"] = grade


def resolve_unknown_roles(run: ImportRun, people: People) -> None:
    """A delta row without a role is a user Liaison has: its role is the stored one; a user
    Liaison does not have is rejected."""
    name = USERS
    records = people.records
    unknown_role = [sid for sid, r in records.items() if r["role"] == "?"]
    for start in range(0, len(unknown_role), BATCH):
        chunk = unknown_role[start : start + BATCH]
        for model, role in ((Student, "student"), (Guardian, None), (User, None)):
            rows = model.objects.filter(sourced_id__in=chunk)
            if model is Guardian:
                for sid, rel in rows.values_list("sourced_id", "relationship"):
                    records[sid]["role"] = (
                        "guardian"
                        if rel == Relationship.LEGAL_GUARDIAN
                        else ("relative" if rel == Relationship.RELATIVE else "parent")
                    )
            elif model is User:
                for sid, r in rows.values_list("sourced_id", "memberships__role"):
                    records[sid]["role"] = {
                        Role.DISTRICT_ADMIN: "districtAdministrator",
                        Role.SITE_LEADER: "principal",
                    }.get(r, "teacher")
            else:
                for sid in rows.values_list("sourced_id", flat=True):
                    records[sid]["role"] = role
    for sid in unknown_role:
        rec = records[sid]
        if rec["role"] == "?":
            run.reject(
                name,
                rec["line"],
                "role",
                "",
                "no role for this user (roles.csv or users.csv)",
                sid=sid,
            )
            del records[sid]


def apply_birth_dates(run: ImportRun, people: People) -> None:
    """Birth dates of students. A row whose user is unknown is rejected; a malformed birth date
    is left out with a warning (the row's user is imported without it)."""
    name, births, records = USERS, people.births, people.records
    known_students = {
        row[0] for row in run.stored(Student, [s for s in births if s not in records], [])
    }
    for sid, (line, born, warnings) in births.items():
        rec = records.get(sid)
        if rec is None and sid not in known_students:
            line_of_user = run.rejected[name].get(sid)
            run.reject(
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
            run.warn("demographics.csv", line, column, value, reason)
        if born is DROPPED:
            continue
        if rec is not None and rec["role"] in STUDENT_ROLES:
            rec["born"] = born
        elif rec is None:
            Student.objects.filter(sourced_id=sid).exclude(date_of_birth=born).update(
                date_of_birth=born, updated_at=run.now, updated_by_id=run.by_id
            )


def _org_district(run: ImportRun, rec: dict) -> int | None:
    """The district of a person's first org."""
    for o in rec["orgs"]:
        return run.orgs[o][2]
    return None


def sort_by_role(run: ImportRun, people: People) -> None:
    """Students, guardians and staff; a student's district is its orgs', else the run's own
    (--district, or the bundle's one district); a student with neither is rejected."""
    name, records = USERS, people.records
    students = {s: r for s, r in records.items() if r["role"] in STUDENT_ROLES}
    guardians = {s: r for s, r in records.items() if r["role"] in GUARDIAN_ROLES}
    staff = {s: r for s, r in records.items() if r["role"] in STAFF_ROLES}
    default_district = (
        run.district.pk
        if run.district
        else (next(iter(run.district_ids)) if len(run.district_ids) == 1 else None)
    )
    for sid, rec in list(students.items()):
        rec["district_id"] = _org_district(run, rec) or default_district
        if rec["district_id"] is None:
            run.reject(
                name,
                rec["line"],
                "orgSourcedIds",
                "",
                "unknown org: no school or district given",
                sid=sid,
            )
            del students[sid]
    people.students, people.guardians, people.staff = students, guardians, staff
    people.default_district = default_district


def link_families(run: ImportRun, people: People) -> None:
    """Links: agentSourcedIds in either direction. An agent that is neither a kept row of the
    file nor in Liaison is left out of the row that names it, with a warning; the rest of the
    row (and its other links) is imported. A guardian's district is its orgs', else its linked
    students', else the run's own."""
    name, records = USERS, people.records
    students, guardians = people.students, people.guardians
    default_district = people.default_district
    stored_students = set()
    stored_guardians = set()
    referenced = {a for r in records.values() for a in r["agents"]} - set(records)
    if referenced:
        ref = list(referenced)
        for start in range(0, len(ref), BATCH):
            chunk = ref[start : start + BATCH]
            stored_students.update(
                Student.objects.filter(sourced_id__in=chunk).values_list("sourced_id", flat=True)
            )
            stored_guardians.update(
                Guardian.objects.filter(sourced_id__in=chunk).values_list("sourced_id", flat=True)
            )

    _drop_unknown_agents(
        run, people, guardians, students, stored_students, "missing student for an agent", "student"
    )
    by_guardian = defaultdict(list)
    for sid, rec in guardians.items():
        by_guardian[sid].extend(rec["agents"])
    for sid, rec in students.items():
        for agent in rec["agents"]:
            by_guardian[agent].append(sid)
    stored_student_district = dict(
        Student.objects.filter(
            sourced_id__in=list({st for sts in by_guardian.values() for st in sts} - set(students))
        ).values_list("sourced_id", "district_id")
    )
    for sid, rec in list(guardians.items()):
        d = _org_district(run, rec)
        for st in by_guardian.get(sid, []):
            d = d or (
                students[st]["district_id"] if st in students else stored_student_district.get(st)
            )
        rec["district_id"] = d or default_district
        if rec["district_id"] is None:
            run.reject(
                name,
                rec["line"],
                "orgSourcedIds",
                "",
                "unknown org: no school, district or student links this guardian to a district",
                sid=sid,
            )
            del guardians[sid]
    _drop_unknown_agents(
        run,
        people,
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
    people.links = links


def keep_people(run: ImportRun, people: People) -> None:
    """Leave out the new tobedeleted rows (a row Liaison never had is not created: nothing forms
    around it), and record the warnings of the rows kept."""
    name, students, guardians, staff = USERS, people.students, people.guardians, people.staff
    links = people.links
    skipped = run.skip_new_tobedeleted(Student, students, "student")
    skipped |= run.skip_new_tobedeleted(Guardian, guardians, "guardian")
    if skipped:
        links = {(g, st) for g, st in links if g not in skipped and st not in skipped}
    for kept in (staff, students, guardians):
        for rec in kept.values():
            for column, value, reason in dict.fromkeys(rec.get("warnings", ())):
                run.warn(name, rec["line"], column, value, reason)
    run.district_ids.update(r["district_id"] for r in [*students.values(), *guardians.values()])
    people.links = links


def _drop_unknown_agents(
    run: ImportRun, people: People, rows: dict, kept: dict, stored: set, what: str, noun: str
) -> None:
    """Leave out of `rows` the agents that are neither in `kept` nor stored (and not a rejected
    row of the file), with a warning that says which."""
    for rec in rows.values():
        if not rec["agents"]:
            continue
        agents = []
        for agent in rec["agents"]:
            if agent in kept or (agent not in people.records and agent in stored):
                agents.append(agent)
                continue
            line = run.rejected[USERS].get(agent)
            reason = (
                f"{what}: the row of this {noun} (users.csv line {line}) was rejected"
                if line
                else f"{what}: no {noun} with this sourcedId"
            )
            rec.setdefault("warnings", []).append(("agentSourcedIds", agent, reason + DROPPED_LINK))
        if len(agents) != len(rec["agents"]):
            rec["agents"] = tuple(agents)


def write_people(run: ImportRun, people: People) -> None:
    """Write staff, then families; then end what the file says has gone."""
    name, records = USERS, people.records
    students, guardians, staff = people.students, people.guardians, people.staff
    import_staff(run, staff)
    before = run.families_created()
    student_ids = import_guardians(run, guardians, students, people.links)
    import_programmes(run, students, student_ids)
    if run.families_created() - before > STATISTICS_AFTER_ROWS:
        # A first load: the planner's statistics still describe the tables as they were (a
        # district with no roster yet), and the queries below join guardians to households by
        # district. With them, PostgreSQL chose a nested loop over every new guardian times
        # every new household (hours at 100,000 students); fresh statistics, a hash join.
        refresh_statistics(Household, Guardian, Student, GuardianStudent)

    # tobedeleted rows and bulk omissions
    if run.bundle.mode(name) == "bulk":
        keep = set(records)
        off = run.deactivate(
            Student.objects.filter(district_id__in=run.district_ids).exclude(sourced_id=None),
            "student",
            keep=keep,
        )
        run.touched_households.update(run.households_of(Student, off))
        off = run.deactivate(
            Guardian.objects.filter(household__district_id__in=run.district_ids).exclude(
                sourced_id=None
            ),
            "guardian",
            keep=keep,
        )
        run.touched_households.update(run.households_of(Guardian, off))
        run.staff_gone += run.deactivate(
            User.objects.filter(memberships__district_id__in=run.district_ids)
            .exclude(sourced_id=None)
            .distinct(),
            "staff",
            keep=keep,
        )
    run.touched_households.update(
        run.households_of(
            Student,
            [
                student_ids[s]
                for s in run.changed["student"] - run.created["student"]
                if s in student_ids
            ],
        )
    )
    run.touched_households.update(run.new_student_households.values())
    run.end_enrolments(
        Enrolment.objects.filter(
            student__is_active=False, is_active=True, student__district_id__in=run.district_ids
        )
    )
    # Staff who left: their roles end too (pending accounts, inactive until activated, keep theirs).
    Membership.objects.filter(
        user_id__in=run.staff_gone, is_active=True, district_id__in=run.district_ids
    ).update(is_active=False, updated_at=run.now, updated_by_id=run.by_id)
    run.student_ids = student_ids


def import_staff(run: ImportRun, staff: dict) -> None:
    """Staff accounts (inactive until activated) and their roles at the orgs of the bundle."""

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
        User.objects.filter(username__in=[r["username"] or f"sis-{s}" for s, r in staff.items()])
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
    counts = run.out.counts["staff"]
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
            run.staff_gone.append(u.pk)
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
            kind, pk, district_id = run.orgs[org]
            site_id = pk if kind == "site" else None
            if role == Role.DISTRICT_ADMIN:
                site_id = None
            wanted.add((ids[sid], district_id, site_id, role))
    ensure_memberships(run, wanted)


def ensure_memberships(run: ImportRun, wanted: set) -> None:
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
    run.new_rows(Membership, creates)
    run.out.counts["membership"]["created"] += len(creates)
