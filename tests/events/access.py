"""Access rows for the events app's URLs.

Event pages show no single family: their outcome depends on the role only (the event is at the
world's `school`). Pages about one family's invitations follow the household tables.
"""

import datetime as dt

from django.utils import timezone

from tests.access import EDIT, RELATIONSHIPS, ROLES, SEE, Row, household_pk


def _every(**outcomes):
    return {role: dict.fromkeys(RELATIONSHIPS, outcomes.get(role, "404")) for role in ROLES}


MANAGERS = _every(admin="ok", leader="ok", liaison="ok")
CONFERENCE_STAFF = _every(admin="ok", leader="ok", liaison="ok", teacher="ok")


def _event(world, kind="workshop"):
    from liaison.events.models import Event

    start = timezone.now() + dt.timedelta(days=3)
    event, _ = Event.objects.get_or_create(
        district=world.district,
        site=world.school,
        title=f"Access {kind}",
        defaults={
            "kind": kind,
            "starts_at": start,
            "ends_at": start + dt.timedelta(hours=2),
            "place": "Gym",
        },
    )
    return event


def _conference(world):
    from liaison.events import services

    event = _event(world, "conference")
    if not event.slots.exists():
        services.publish_slots(
            event=event,
            teacher=world.teacher,
            first=event.starts_at,
            last=event.starts_at + dt.timedelta(hours=1),
            minutes=20,
        )
    return event


def _invitation(world, household):
    from liaison.events.models import Invitation

    return Invitation.objects.get_or_create(event=_event(world), household=household)[0]


def event_pk(world, household):
    return [_event(world).pk]


def conference_pk(world, household):
    return [_conference(world).pk]


def teacher_slots(world, household):
    return [_conference(world).pk, world.teacher.pk]


def invitation_pk(world, household):
    return [_invitation(world, household).pk]


def household_conference(world, household):
    return [household.pk, _conference(world).pk]


def group_pk(world, household):
    from liaison.events.models import Group

    return [Group.objects.get_or_create(district=world.district, name="ELAC", kind="elac")[0].pk]


def _walk_in(world, household):
    from liaison.events import services

    walk_in = services.add_walk_in(event=_event(world), name="Visitor at the door")
    return [walk_in.event_id, walk_in.pk]


# Matching a walk-in changes the family's record: event managers who may edit that family (a
# liaison at the door matches any family of their site, no break-the-glass reason asked).
MATCH = {
    role: (
        {r: ("404" if EDIT[role][r] == "404" else "ok") for r in RELATIONSHIPS}
        if role in ("admin", "leader", "liaison")
        else dict.fromkeys(RELATIONSHIPS, "404")
    )
    for role in ROLES
}


def _token(world, household):
    return {"token": _invitation(world, household).token}


ROWS = {
    "events:event": Row(event_pk, MANAGERS),
    "events:counts": Row(event_pk, MANAGERS),
    "events:edit": Row(event_pk, MANAGERS),
    "events:invite": Row(event_pk, MANAGERS),
    "events:minutes": Row(event_pk, MANAGERS),
    "events:ics": Row(event_pk, MANAGERS),
    "events:flyer": Row(event_pk, MANAGERS),
    "events:kiosk": Row(event_pk, MANAGERS),
    "events:kiosk_start": Row(event_pk, MANAGERS, method="post"),
    "events:kiosk_language": Row(
        event_pk, MANAGERS, method="post", data=lambda w, h: {"language": "es"}
    ),
    "events:kiosk_leave": Row(
        event_pk, MANAGERS, method="post", data=lambda w, h: {"password": "not it"}
    ),
    "events:kiosk_search": Row(event_pk, MANAGERS),
    "events:kiosk_check_in": Row(event_pk, MANAGERS, method="post", data=_token),
    "events:kiosk_walk_in": Row(
        event_pk, MANAGERS, method="post", data=lambda w, h: {"name": "Visitor", "party_size": 1}
    ),
    "events:walk_in_match": Row(
        _walk_in, MATCH, method="post", data=lambda w, h: {"household": h.pk}
    ),
    "events:cancel": Row(event_pk, MANAGERS, method="post"),
    "events:slots": Row(conference_pk, CONFERENCE_STAFF),
    "events:slots_print": Row(teacher_slots, CONFERENCE_STAFF),
    "events:group": Row(group_pk, MANAGERS),
    "events:household_events": Row(household_pk, SEE),
    "events:invitation_rsvp": Row(invitation_pk, EDIT),
    "events:household_slot": Row(household_conference, EDIT),
}
NO_RECORD = {
    "events:list": dict.fromkeys(ROLES, 200),
    "events:new": {
        "admin": 200,
        "leader": 200,
        "liaison": 200,
        "teacher": 404,
        "interpreter": 404,
        "outsider": 404,
    },
    "events:groups": {
        "admin": 200,
        "leader": 200,
        "liaison": 200,
        "teacher": 404,
        "interpreter": 404,
        "outsider": 404,
    },
}
EXEMPT = {
    "events:rsvp_link": "family link, no sign-in: signed token (tests/events/test_rsvp_channels.py)",
    "events:qr": "the invitation's own check-in token is the key (test_slots_checkin.py)",
    "events:feed": "calendar apps cannot sign in: signed token (test_calendars.py)",
}
