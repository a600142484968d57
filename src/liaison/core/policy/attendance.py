"""Attendance rules: importing attendance and calendars, and reading the import runs, is for district admins."""

from liaison.core.policy.lookup import Person, Record
from liaison.core.policy.roster import admin_district_ids, can_import


def can_import_attendance(user: Person) -> bool:
    return can_import(user)


def can_see_attendance_import(user: Person, batch: Record) -> bool:
    """An attendance import run is its district's admins' (and a superuser's)."""
    return can_import(user) and batch.district_id in admin_district_ids(user)
