"""classes.csv → ClassSection; enrollments.csv → class rosters, teachers' classes, enrolments at sites."""

import datetime as dt
from dataclasses import dataclass, field

from liaison.people.choices import Role
from liaison.people.models import ClassSection, Enrolment, Student, User
from liaison.roster.oneroster.check import (
    DROPPED,
    DROPPED_LINK,
    STAFF_ROLES,
    RowError,
    optional,
    parse_date,
    split_list,
)
from liaison.roster.oneroster.read import read_file
from liaison.roster.oneroster.store import BATCH, ImportRun
from liaison.roster.oneroster.users import ensure_memberships

ENROLLMENTS = "enrollments.csv"


def import_classes(run: ImportRun) -> None:
    name = "classes.csv"

    def check(line, row, status):
        school = row.get("schoolSourcedId", "").strip()
        org = run.orgs.get(school)
        if org is None or org[0] != "site":
            raise RowError("schoolSourcedId", school, "unknown org: no school with this sourcedId")
        for term in split_list(row.get("termSourcedIds", "")):
            if run.bundle.has("academicSessions.csv") and term not in run.sessions:
                run.warn(  # terms are only checked: the class is imported all the same
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

    records = read_file(run, name, check)
    run.upsert(ClassSection, "class", records, ["site_id", "title", "course_code", "is_active"])
    run.deactivate_left_out(
        name, ClassSection.objects.filter(site__district_id__in=run.district_ids), records, "class"
    )


@dataclass
class Enrolments:
    """What enrollments.csv says, by stored pk: the stored ids it may name, and the links it asks for."""

    classes: dict[str, int]  # class sourcedId → pk
    class_site: dict[str, int]  # class sourcedId → site pk
    students: dict[str, int]  # student sourcedId → pk (of the run's districts)
    staff: dict[str, int]  # staff sourcedId → pk
    student_links: set[tuple[int, int]] = field(default_factory=set)  # (class, student)
    teacher_links: set[tuple[int, int]] = field(default_factory=set)  # (class, user)
    drop_student: set[tuple[int, int]] = field(default_factory=set)
    drop_teacher: set[tuple[int, int]] = field(default_factory=set)
    site_enrol: dict[tuple[int, int], dt.date | None] = field(default_factory=dict)  # first day
    memberships: set[tuple] = field(default_factory=set)

    @classmethod
    def known(cls, run: ImportRun) -> "Enrolments":
        return cls(
            classes=dict(
                ClassSection.objects.exclude(sourced_id=None).values_list("sourced_id", "pk")
            ),
            class_site=dict(
                ClassSection.objects.exclude(sourced_id=None).values_list("sourced_id", "site_id")
            ),
            students=dict(
                Student.objects.filter(district_id__in=run.district_ids)
                .exclude(sourced_id=None)
                .values_list("sourced_id", "pk")
            ),
            staff=dict(User.objects.exclude(sourced_id=None).values_list("sourced_id", "pk")),
        )


def import_enrollments(run: ImportRun) -> None:
    if not run.bundle.has(ENROLLMENTS):
        return
    found = Enrolments.known(run)
    read_file(run, ENROLLMENTS, enrolment_check(run, found))
    run.progress("enrollments", 80)
    bulk = run.bundle.mode(ENROLLMENTS) == "bulk"
    write_class_links(run, found, bulk)
    ensure_memberships(run, found.memberships)
    keys = write_site_enrolments(run, found)
    end_stale_enrolments(run, found, bulk, keys)


def enrolment_check(run: ImportRun, found: Enrolments):
    """The check of one enrollments.csv row: it gathers the row's links into `found`."""
    classes, class_site, students, staff = (
        found.classes,
        found.class_site,
        found.students,
        found.staff,
    )
    site_enrol = found.site_enrol

    def unknown(what: str, file: str, sid: str) -> str:
        line = run.rejected[file].get(sid)
        return f"{what}; its row in {file} (line {line}) was rejected" if line else what

    def check(line, row, status):
        cls = row.get("classSourcedId", "").strip()
        if cls not in classes:
            raise RowError("classSourcedId", cls, unknown("unknown class", "classes.csv", cls))
        school = row.get("schoolSourcedId", "").strip()
        org = run.orgs.get(school)
        if org is None or org[0] != "site":
            raise RowError("schoolSourcedId", school, "unknown org: no school with this sourcedId")
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
                found.student_links.add(pair)
            else:
                found.drop_student.add(pair)
        elif role in STAFF_ROLES:
            if user not in staff:
                raise RowError(
                    "userSourcedId",
                    user,
                    unknown("unknown user: no staff member with this sourcedId", "users.csv", user),
                )
            pair = (classes[cls], staff[user])
            if status == "active":
                found.teacher_links.add(pair)
                found.memberships.add((staff[user], org[2], class_site[cls], Role.TEACHER))
            else:
                found.drop_teacher.add(pair)
        else:
            raise RowError("role", role, "unknown enrollment role")
        # the dates are optional: a malformed one is left out (the enrolment starts undated)
        warnings = []
        begin = optional(parse_date, row.get("beginDate", ""), "beginDate", warnings)
        optional(parse_date, row.get("endDate", ""), "endDate", warnings)
        for column, value, reason in warnings:
            run.warn(ENROLLMENTS, line, column, value, reason)
        begin = None if begin is DROPPED else begin
        if role == "student" and status == "active":
            key = (students[user], class_site[cls])
            if key not in site_enrol or (
                begin and (site_enrol[key] is None or begin < site_enrol[key])
            ):
                site_enrol[key] = begin
        return True

    return check


def write_class_links(run: ImportRun, found: Enrolments, bulk: bool) -> None:
    """Class rosters and teachers' classes: add what the file asks for; remove what a bulk file
    leaves out, or what a delta file marks tobedeleted."""
    cls_ids = list(found.classes.values())
    for through, wanted, drops, col, kind in (
        (
            ClassSection.students.through,
            found.student_links,
            found.drop_student,
            "student_id",
            "class roster",
        ),
        (
            ClassSection.teachers.through,
            found.teacher_links,
            found.drop_teacher,
            "user_id",
            "class teacher",
        ),
    ):
        have = set()
        for start in range(0, len(cls_ids), BATCH):
            have.update(
                through.objects.filter(
                    classsection_id__in=cls_ids[start : start + BATCH]
                ).values_list("classsection_id", col)
            )
        add = wanted - have
        run.new_rows(through, [{"classsection_id": c, col: u} for c, u in sorted(add)])
        remove = (have - wanted) if bulk else (drops & have)
        for c, u in remove:
            through.objects.filter(classsection_id=c, **{col: u}).delete()
        run.out.counts[kind]["created"] += len(add)
        run.out.counts[kind]["deactivated"] += len(remove)


def write_site_enrolments(run: ImportRun, found: Enrolments) -> list[str]:
    """One Enrolment per student and school, keyed "<student>@<school>"; returns the keys."""
    sid_of_student = {pk: sid for sid, pk in found.students.items()}
    site_sid = {pk: sid for sid, (kind, pk, _d) in run.orgs.items() if kind == "site"}
    records = {}
    for (stu, site), begin in found.site_enrol.items():
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
    new_students = {run.student_ids[s] for s in run.created["student"] if s in run.student_ids}
    adoptable = [k for k in keys if records[k]["student_id"] not in new_students]
    for start in range(0, len(adoptable), BATCH):
        chunk = [records[k] for k in adoptable[start : start + BATCH]]
        for e in Enrolment.objects.filter(
            sourced_id=None, is_active=True, student_id__in={r["student_id"] for r in chunk}
        ):
            key = f"{sid_of_student[e.student_id]}@{site_sid.get(e.site_id, '')}"
            if key in records:
                Enrolment.objects.filter(pk=e.pk).update(sourced_id=key)
    run.upsert(Enrolment, "enrolment", records, ["is_active", "ends_on", "starts_on"])
    return keys


def end_stale_enrolments(run: ImportRun, found: Enrolments, bulk: bool, keys: list[str]) -> None:
    """Enrolments with no class left at their school end."""
    if bulk:
        keep = set(keys)
        stale_ids = [
            pk
            for pk, sid in Enrolment.objects.filter(
                student__district_id__in=run.district_ids, is_active=True
            )
            .exclude(sourced_id=None)
            .values_list("pk", "sourced_id")
            if sid not in keep
        ]
        stale = Enrolment.objects.filter(pk__in=stale_ids)
    else:
        site_of_class = {found.classes[c]: found.class_site[c] for c in found.class_site}
        pairs = {(u, site_of_class[c]) for (c, u) in found.drop_student}
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
    run.end_enrolments(stale)
