"""Access rows for the messaging app's URLs."""

from tests.access import EDIT, RELATIONSHIPS, ROLES, SEE, Row, household_pk

# A household's thread: those who see the family in full (a liaison outside their caseload breaks
# the glass first) and the interpreter assigned to it; teachers do not read family threads.
MESSAGES = {**EDIT, "interpreter": dict(SEE["interpreter"])}


def conversation_pk(world, household):
    from liaison.messaging.services import conversation_for

    return [conversation_for(household).pk]


def delivery_pk(world, household):
    from liaison.messaging.services import send_message

    message = send_message(household=household, body="Hello", by=world.admin)
    return [message.deliveries.first().pk]


def attachment_pk(world, household):
    from liaison.messaging.services import record_family_reply

    guardian = household.guardians.first()
    message = record_family_reply(
        guardian=guardian,
        body="See the note",
        channel="email",
        attachments=[("note.txt", b"from the doctor", "text/plain")],
    )
    return [message.attachments.get().pk]


def possible_opt_out_pks(world, household):
    """A family's text that may mean "stop", flagged on the household's thread."""
    from liaison.messaging.models import PossibleOptOut
    from liaison.messaging.services import record_family_reply

    guardian = household.guardians.first()
    message = record_family_reply(guardian=guardian, body="STOP!!! who is this", channel="sms")
    PossibleOptOut.objects.create(message=message, address=guardian.phone or "+16175550190")
    return [message.conversation_id, message.pk]


def scheduled_message_pks(world, household):
    """A message to the family scheduled for tomorrow, on the household's thread."""
    import datetime as dt

    from django.utils import timezone

    from liaison.messaging.services import send_message

    message = send_message(
        household=household,
        body="See you tomorrow",
        by=world.admin,
        send_at=timezone.now() + dt.timedelta(days=1),
    )
    return [message.conversation_id, message.pk]


# A member of staff's own thread: for staff who cannot use the shared thread but teach the
# family's children; those who read the shared thread are sent there (302). Who reads such a
# thread: tests/messaging/test_staff_threads.py.
OWN_THREAD = {
    role: {rel: ("404" if seen == "404" else 302) for rel, seen in MESSAGES[role].items()}
    for role in ROLES
}
OWN_THREAD["teacher"] = {**dict.fromkeys(RELATIONSHIPS, "404"), "taught": "ok"}

ROWS = {
    "messaging:attachment": Row(attachment_pk, MESSAGES),
    "messaging:conversation": Row(conversation_pk, MESSAGES),
    "messaging:conversation_messages": Row(conversation_pk, MESSAGES),
    "messaging:household_write": Row(household_pk, MESSAGES),
    "messaging:household_write_own": Row(household_pk, OWN_THREAD),
    "messaging:conversation_assign": Row(
        conversation_pk, MESSAGES, method="post", data=lambda w, h: {"staff": ""}
    ),
    "messaging:conversation_done": Row(conversation_pk, MESSAGES, method="post"),
    "messaging:delivery_retry": Row(delivery_pk, MESSAGES, method="post"),
    "messaging:message_opt_out": Row(possible_opt_out_pks, MESSAGES, method="post"),
    "messaging:message_cancel": Row(scheduled_message_pks, MESSAGES, method="post"),
    "messaging:delivery_switch": Row(
        delivery_pk, MESSAGES, method="post", data=lambda w, h: {"channel": "portal"}
    ),
}
_FAMILY_STAFF = {
    "admin": 200,
    "leader": 200,
    "liaison": 200,
    "teacher": 404,
    "interpreter": 404,
    "outsider": 404,
}
NO_RECORD = {
    "messaging:inbox": {**_FAMILY_STAFF, "interpreter": 200, "teacher": 200},
    "messaging:unmatched": _FAMILY_STAFF,
    # Saved replies: whoever writes to families reads them; admins and leaders change them.
    "messaging:saved_replies": {**_FAMILY_STAFF, "interpreter": 200, "teacher": 200},
    "messaging:announcements": {**_FAMILY_STAFF, "liaison": 404},
    "messaging:announcement_new": {**_FAMILY_STAFF, "liaison": 404},
}
EXEMPT = {
    "messaging:sms_inbound": "provider webhook, signature-checked: tests/messaging/test_inbound_sms.py",
    "messaging:sms_status": "provider webhook, signature-checked: tests/messaging/test_inbound_sms.py",
    "messaging:email_inbound": "mail server webhook, token-checked: tests/messaging/test_inbound_email.py",
    "messaging:unsubscribe": "families' one-click unsubscribe, signed token: tests/messaging/test_email.py",
    "messaging:announcement": "district-level page (no family): tests/messaging/test_announcements.py",
    "messaging:unmatched_attach": "district queue (no family yet): tests/messaging/test_inbound_sms.py",
    "messaging:saved_reply_edit": "district-level snippet (no family): tests/messaging/test_scheduled_and_saved.py",
    "messaging:announcement_retry_failed": "district-level action on an announcement: tests/messaging/test_announcement_failures.py",
    "messaging:announcement_switch_failed": "district-level action on an announcement: tests/messaging/test_announcement_failures.py",
}
