"""Access rows for the attendance app's URLs: the imports are for district admins."""

from tests.access import ROLES

_admins = {role: 200 if role == "admin" else 404 for role in ROLES}
NO_RECORD = {"attendance:imports": _admins}
EXEMPT = {
    "attendance:import": "one import run, not a family: tests/attendance/test_pages.py",
    "attendance:template": "a blank CSV template: tests/attendance/test_pages.py",
}
