"""Families: households formed from the guardians and students of users.csv, the guardian ↔ student
links, students placed in their household, and the students' programmes.

A household is the guardians linked to the same students at the same address; an imported
household keeps its identity, and one arranged by hand is never changed by an import.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field

from liaison.core.db import update_rows
from liaison.people.choices import Relationship
from liaison.people.models import Guardian, GuardianStudent, Household, Student, StudentProgramme
from liaison.roster.oneroster.check import DROPPED, GUARDIAN_ROLES
from liaison.roster.oneroster.store import BATCH, ImportRun


@dataclass
class Families:
    """The families stage's working set, handed from one step to the next."""

    guardians: dict[str, dict]  # sourcedId → record of users.csv
    students: dict[str, dict]
    links: set[tuple[str, str]]  # (guardian sourcedId, student sourcedId)
    # guardian sourcedId → (household pk, arranged by hand, source key) as stored before the run
    current: dict[str, tuple[int, bool, str]] = field(default_factory=dict)
    household_of: dict[str, int] = field(default_factory=dict)  # guardian sourcedId → household
    first: dict[str, int] = field(default_factory=dict)  # student sourcedId → household
    student_ids: dict[str, int] = field(default_factory=dict)
    guardian_ids: dict[str, int] = field(default_factory=dict)
    all_students: dict[str, int] = field(default_factory=dict)  # the file's and stored ones


def import_guardians(run: ImportRun, guardians, students, links) -> dict[str, int]:
    """Form households from guardians linked to the same students at the same address; write the
    students and guardians in them and link them. Returns the students' pks by sourcedId."""
    families = Families(guardians=guardians, students=students, links=links)
    active = {g for g, r in guardians.items() if r["status"] == "active"}
    leaving_students = {s for s, r in students.items() if r["status"] != "active"}
    groups = group_guardians(families, active, leaving_students)
    place_guardians(run, families, active, groups)
    place_students(run, families, active, leaving_students)
    write_students(run, families)
    write_guardians(run, families)
    write_links(run, families)
    move_stored_students(run, families)
    return families.student_ids


def _address_key(rec) -> str:
    a = rec.get("address") or {}
    return re.sub(
        r"[^a-z0-9]",
        "",
        f"{a.get('street', '')}{a.get('unit', '')}{a.get('postal_code', '')}".lower(),
    )


def group_guardians(families: Families, active: set[str], leaving_students: set[str]) -> dict:
    """Union guardians who share a student and an address: root guardian → members.

    Only active rows form households: a tobedeleted guardian stays where it is (and is
    deactivated), and a tobedeleted student joins nobody together and is placed nowhere."""
    guardians, links = families.guardians, families.links
    address = {g: _address_key(guardians[g]) for g in active}

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
    return groups


def place_guardians(run: ImportRun, families: Families, active: set[str], groups: dict) -> None:
    """The household of each guardian: kept, found by its key, or created for the group."""
    guardians = families.guardians
    current = families.current  # where each guardian lives now
    for sid, hid, by_hand, key in run.stored(
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
    families.household_of.update(
        {g: current[g][0] for g in guardians if g not in active and g in current}
    )
    household_of = families.household_of
    new_households = []
    for root, members in groups.items():
        pinned = {g: current[g][0] for g in members if g in current and current[g][1]}
        household_of.update(pinned)
        free = [g for g in members if g not in pinned]
        if not free:
            continue
        # An existing imported household of a member keeps its identity (and its local edits).
        hid = next((current[g][0] for g in sorted(free) if g in current and current[g][2]), None)
        hid = hid or by_key.get(f"oneroster:{root}")
        if hid:
            household_of.update(dict.fromkeys(free, hid))
            continue
        lead = guardians[root]
        names = list(
            dict.fromkeys(guardians[g]["family"] for g in sorted(free) if guardians[g]["family"])
        )
        langs = [guardians[g].get("language") for g in sorted(free) if guardians[g].get("language")]
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
    pks = dict(run.new_rows(Household, [h for h, _m in new_households], returning="source_key"))
    run.new_households.update(pks.values())
    for h, members in new_households:
        household_of.update(dict.fromkeys(members, pks[h["source_key"]]))
    run.out.counts["household"]["created"] += len(new_households)


def place_students(
    run: ImportRun, families: Families, active: set[str], leaving_students: set[str]
) -> None:
    """Students live with their first linked guardian's household (unless arranged by hand);
    new students are created in it."""
    household_of = families.household_of
    first = families.first
    for g, st in sorted(families.links):
        if g in active and g in household_of and st not in leaving_students:
            first.setdefault(st, household_of[g])


def write_students(run: ImportRun, families: Families) -> None:
    students, first = families.students, families.first
    pinned_students = {
        row[0] for row in run.stored(Student, list(students), [], household__arranged_by_hand=True)
    }

    def student_values(sid, r):
        return {
            "district_id": r["district_id"],
            "given_name": r["given"],
            "family_name": r["family"],
            "preferred_name": r["preferred"],
            **({"grade": r["grade"]} if r["grade"] is not DROPPED else {}),
            "is_active": r["status"] == "active",
            **({"household_id": first[sid]} if sid in first and sid not in pinned_students else {}),
            **({"date_of_birth": r["born"]} if "born" in r else {}),
        }

    student_ids = run.upsert(
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
    run.new_student_households = {
        student_ids[s]: first[s] for s in run.created["student"] if s in first
    }
    families.student_ids = student_ids


def write_guardians(run: ImportRun, families: Families) -> None:
    guardians, household_of, current = families.guardians, families.household_of, families.current

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
    guardian_ids = run.upsert(
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
    for sid in run.changed["guardian"]:
        run.touched_households.add(household_of[sid])
        if sid in before:
            run.touched_households.add(before[sid])
    families.guardian_ids = guardian_ids


def write_links(run: ImportRun, families: Families) -> None:
    """Links guardian ↔ student, between the file's rows and the stored ones they name."""
    guardians, links = families.guardians, families.links
    student_ids, guardian_ids = families.student_ids, families.guardian_ids
    other_students = list({st for _g, st in links} - set(student_ids))
    all_students = {**dict(run.stored(Student, other_students, ["pk"])), **student_ids}
    other_guardians = list({g for g, _st in links} - set(guardian_ids))
    all_guardians = {**dict(run.stored(Guardian, other_guardians, ["pk"])), **guardian_ids}
    pairs = {
        (all_guardians[g], all_students[st], g)
        for g, st in links
        if g in all_guardians and st in all_students
    }
    new_guardians = {guardian_ids[g] for g in run.created["guardian"]}
    gids = list({p[0] for p in pairs} - new_guardians)  # a new guardian has no links yet
    have = set()
    for start in range(0, len(gids), BATCH):
        have.update(
            GuardianStudent.objects.filter(guardian_id__in=gids[start : start + BATCH]).values_list(
                "guardian_id", "student_id"
            )
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
    run.new_rows(GuardianStudent, creates)
    run.out.counts["guardian link"]["created"] += len(creates)
    families.all_students = all_students


def move_stored_students(run: ImportRun, families: Families) -> None:
    """Students of the file are placed above; stored students linked to guardians of the file
    move to their first guardian's household (unless arranged by hand)."""
    students, first, all_students = families.students, families.first, families.all_students
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
        [(hid, run.now, run.by_id, pk) for pk, hid, _old in moves],
    )
    for _pk, hid, old in moves:
        run.touched_households.update(x for x in (hid, old) if x)
    run.out.counts["student"]["moved household"] += sum(1 for m in moves if m[2])


def import_programmes(run: ImportRun, students, student_ids) -> None:
    wanted = {
        student_ids[s]: r["programmes"]
        for s, r in students.items()
        if "programmes" in r and s in student_ids
    }
    if not wanted:
        return
    new_students = {student_ids[s] for s in run.created["student"]}
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
    run.new_rows(StudentProgramme, creates)
    for sid, p in drops:
        StudentProgramme.objects.filter(student_id=sid, programme=p).delete()
    run.out.counts["programme"]["created"] += len(creates)
    run.out.counts["programme"]["ended"] += len(drops)
