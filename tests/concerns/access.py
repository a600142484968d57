"""Access rows for the concerns app's URLs (see tests/access.py for the format)."""

from tests.access import EDIT, SEE, Row, household_pk
from tests.concerns import factories as cf


def _subject(world):
    """The member of staff the row's concern is about: the signed-in person when the matrix asks
    as the subject (world.subject), else nobody. The outsider is no one's colleague to name."""
    subject = getattr(world, "subject", None)
    return None if subject is None or subject == world.outsider else subject


def concern_pk(world, household):
    return [cf.concern(household, subject_staff=_subject(world)).pk]


def assigned_concern_pk(world, household):
    colleague = cf.colleague(household.district)
    return [cf.concern(household, assignee=colleague, subject_staff=_subject(world)).pk]


def meeting_pk(world, household):
    return [cf.meeting(cf.concern(household, subject_staff=_subject(world))).pk]


def about_a_concern(row) -> bool:
    """Rows whose page is one concern or one of its meetings."""
    return row.args in (concern_pk, assigned_concern_pk, meeting_pk)


def message_pk(world, household):
    from liaison.messaging import services as messaging

    guardian = household.guardians.first()
    return [messaging.record_family_reply(guardian=guardian, body="Ayuda", channel="portal").pk]


def _status_data(world, household):
    return {"status": "in_progress"}


def _assign_data(world, household):
    return {"assignee": world.liaison.pk}


def _edit_data(world, household):
    category = household.district.concern_categories.get(code="transport")
    return {"category": category.pk, "urgency": "high"}


def _action_data(world, household):
    return {"description": "Call back", "owner": world.leader.pk, "due_on": "2030-01-10"}


ROWS = {
    "concerns:household": Row(household_pk, SEE),
    "concerns:new": Row(household_pk, EDIT),
    "concerns:contacts": Row(household_pk, EDIT),
    # The person a concern is about gets 404 on every page of it, whatever their role.
    "concerns:detail": Row(concern_pk, SEE, subject="404"),
    "concerns:detail_json": Row(concern_pk, SEE, subject="404"),
    "concerns:status": Row(
        assigned_concern_pk, EDIT, method="post", data=_status_data, subject="404"
    ),
    "concerns:assign": Row(concern_pk, EDIT, method="post", data=_assign_data, subject="404"),
    "concerns:edit": Row(concern_pk, EDIT, method="post", data=_edit_data, subject="404"),
    "concerns:note": Row(
        concern_pk,
        EDIT,
        method="post",
        data=lambda w, h: {"body": "Called the school."},
        subject="404",
    ),
    "concerns:satisfaction": Row(
        concern_pk, EDIT, method="post", data=lambda w, h: {"answer": "yes"}, subject="404"
    ),
    "concerns:from_message": Row(message_pk, EDIT),
    "concerns:meeting_new": Row(concern_pk, EDIT, subject="404"),
    "concerns:meeting": Row(meeting_pk, SEE, subject="404"),
    "concerns:meeting_action": Row(
        meeting_pk, EDIT, method="post", data=_action_data, subject="404"
    ),
    "concerns:meeting_send": Row(meeting_pk, EDIT, method="post", subject="404"),
}
_WORKERS = {"admin": 200, "leader": 200, "liaison": 200}
NO_RECORD = {
    "concerns:queue": {**_WORKERS, "teacher": 404, "interpreter": 404, "outsider": 404},
    "concerns:reassign_all": {
        "admin": 200,
        "leader": 200,
        "liaison": 404,
        "teacher": 404,
        "interpreter": 404,
        "outsider": 404,
    },
    "concerns:settings": {
        "admin": 200,
        "leader": 404,
        "liaison": 404,
        "teacher": 404,
        "interpreter": 404,
        "outsider": 404,
    },
}
EXEMPT = {}
