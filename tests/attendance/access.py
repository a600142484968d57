"""Access rows for the attendance app's URLs: the imports are for district admins; making a
concern from a family's answer follows the family's tables."""

from tests.access import EDIT, ROLES, Row


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
}

_admins = {role: 200 if role == "admin" else 404 for role in ROLES}
NO_RECORD = {
    "attendance:imports": _admins,
    # The district's tier rules: its admins read and change them.
    "attendance:rules": _admins,
}
EXEMPT = {
    "attendance:import": "one import run, not a family: tests/attendance/test_pages.py",
    "attendance:template": "a blank CSV template: tests/attendance/test_pages.py",
}
