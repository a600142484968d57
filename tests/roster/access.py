"""Access rows for the roster app's URLs: everything is for district admins of the family's district."""

from tests.access import RELATIONSHIPS, ROLES, SEE, Row, household_pk

ADMIN_ONLY = {
    role: dict(SEE["admin"]) if role == "admin" else dict.fromkeys(RELATIONSHIPS, "404")
    for role in ROLES
}
ROWS = {
    "roster:household_merge": Row(household_pk, ADMIN_ONLY),
    "roster:household_split": Row(household_pk, ADMIN_ONLY),
}
_admins = {role: 200 if role == "admin" else 404 for role in ROLES}
NO_RECORD = {
    "roster:imports": _admins,
    "roster:households_template": _admins,
    "roster:staff": _admins,
}
EXEMPT = {
    "roster:run": "one import run, not a family: tests/roster/test_pages.py checks admins only",
    "roster:run_rejected": "one import run's rejected rows: tests/roster/test_pages.py",
    "roster:staff_activate": "POST on a staff account: tests/roster/test_pages.py",
}
