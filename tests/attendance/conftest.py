"""An attendance-ready corner of the world: schools and students with their SIS ids, enrolments
from August 2026, and September 2026's calendar at Alder Elementary with a weather closure."""

import datetime as dt
from dataclasses import dataclass

import pytest

from liaison.attendance.models import SchoolDay
from liaison.people.models import Enrolment, Student
from tests.attendance.days import weekdays

FIRST_DAY = dt.date(2026, 9, 8)
CLOSED = dt.date(2026, 9, 21)


@dataclass
class School:
    world: object
    ana: Student  # the caseload family's child, at Alder
    bao: Student  # the site family's child, at Alder
    cali: Student  # the taught family's child, at Alder
    omar: Student  # the other site family's child, at Birch


def school_days(start=FIRST_DAY, end=dt.date(2026, 9, 30)):
    return weekdays(start, end)


@pytest.fixture
def school(world) -> School:
    world.school.sourced_id = "alder"
    world.school.save()
    world.other_school.sourced_id = "birch"
    world.other_school.save()
    students = {}
    for name, family in (
        ("ana", world.caseload_family),
        ("bao", world.site_family),
        ("cali", world.taught_family),
        ("omar", world.other_site_family),
    ):
        student = family.students.get()
        student.sourced_id = f"s-{name}"
        student.save()
        students[name] = student
    Enrolment.objects.filter(student__district=world.district).update(starts_on=dt.date(2026, 8, 1))
    SchoolDay.objects.bulk_create(
        SchoolDay(
            site=site,
            date=day,
            school_year=2026,
            is_instructional=day != CLOSED,
            note="Weather day" if day == CLOSED else "",
        )
        for site in (world.school, world.other_school)
        for day in school_days()
    )
    return School(world=world, **students)


@pytest.fixture
def csv_file(tmp_path):
    """csv_file(name, text) → a path holding `text`."""

    def write(name: str, text: str, encoding: str = "utf-8"):
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path

    return write
