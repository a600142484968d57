"""Access rows for the attendance app's URLs: the imports and the tier rules are for district
admins; the at-risk list for those who read insights; making a concern from a family's answer and
calling a family unreachable follow the family's tables."""

from tests.access import EDIT, ROLES, Row, household_pk


def _answer_in_thread(world, household):
    """A family's text answering (as it might) an attendance nudge, in the family's thread."""
    from liaison.messaging import services as messaging

    guardian = household.guardians.first()
    reply = messaging.record_family_reply(
        guardian=guardian, body="No bus this week", channel="portal"
    )
    return [reply.pk, "transport"]


ROWS = {
    # Making a concern from the family's answer: those who may raise a concern for the family.
    "attendance:barrier_concern": Row(_answer_in_thread, EDIT, method="post"),
    # Calling a family unreachable is a change to its record: those who may log its contacts.
    "attendance:unreachable": Row(household_pk, EDIT, method="post"),
}

_admins = {role: 200 if role == "admin" else 404 for role in ROLES}
ROLE_PAGES = {
    "admin": 200,
    "leader": 200,
    "liaison": 200,
    "teacher": 404,
    "interpreter": 404,
    "outsider": 404,
}
NO_RECORD = {
    "attendance:imports": _admins,
    # The district's tier rules: its admins read and change them.
    "attendance:rules": _admins,
    # The school's attendance message (Tier 1): district admins, and site leaders for their school.
    "attendance:message": {role: 200 if role in ("admin", "leader") else 404 for role in ROLES},
    # The list shows no one family's record: each row is a student the reader may open.
    "attendance:at_risk": ROLE_PAGES,
    "attendance:at_risk_outreach": dict.fromkeys(ROLE_PAGES, 405),  # POST only
    # POST only; a GET goes to the list, where the form is (and the list's own access applies)
    "attendance:at_risk_rules": dict.fromkeys(ROLE_PAGES, 302),
}
EXEMPT = {
    "attendance:import": "one import run, not a family: tests/attendance/test_pages.py",
    "attendance:template": "a blank CSV template: tests/attendance/test_pages.py",
}
