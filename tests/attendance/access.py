"""Access rows for the attendance app's URLs."""

from tests.access import EDIT, Row


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
