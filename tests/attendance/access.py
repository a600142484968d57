"""Access rows for attendance's outreach URLs (see tests/access.py for the format)."""

from tests.access import EDIT, Row, household_pk

ROLE_PAGES = {
    "admin": 200,
    "leader": 200,
    "liaison": 200,
    "teacher": 404,
    "interpreter": 404,
    "outsider": 404,
}
NO_RECORD = {
    # The list shows no one family's record: each row is a student the reader may open.
    "attendance:at_risk": ROLE_PAGES,
    "attendance:at_risk_outreach": dict.fromkeys(ROLE_PAGES, 405),  # POST only
    "attendance:at_risk_rules": dict.fromkeys(ROLE_PAGES, 405),  # POST only
}
ROWS = {
    # Calling a family unreachable is a change to its record: those who may log its contacts.
    "attendance:unreachable": Row(household_pk, EDIT, method="post"),
}
EXEMPT = {}
