"""Where contacts with families come from. Each source reads its app's table past a cursor.

A source is `fn(last_id, limit) -> list[ContactFact]` (unsaved, ordered by source_id); the last
source_id returned becomes the cursor. Apps whose records count as contacts register one here
(messaging's family replies are built in; the contact log and event attendance register theirs).
"""

from collections.abc import Callable

from liaison.insights.choices import ContactKind
from liaison.insights.models import ContactFact

_sources: dict[str, Callable] = {}
_timed_sources: dict[str, Callable] = {}


def register(name: str, fn: Callable) -> None:
    _sources[name] = fn


def register_timed(name: str, fn: Callable) -> None:
    """A source whose rows change after they are made (a check-in): fn(since, limit) -> facts with
    `at` >= since, oldest first; the newest `at` becomes the cursor (duplicates are ignored)."""
    _timed_sources[name] = fn


def all_sources() -> dict[str, Callable]:
    return dict(_sources)


def timed_sources() -> dict[str, Callable]:
    return dict(_timed_sources)


def _fact(source, source_id, district_id, household_id, at, kind, *, two_way=True) -> ContactFact:
    return ContactFact(
        district_id=district_id,
        household_id=household_id,
        at=at,
        kind=kind,
        two_way=two_way,
        source=source,
        source_id=source_id,
    )


def family_replies(last_id: int, limit: int) -> list[ContactFact]:
    """A message from the family (SMS, email or portal) is a two-way contact."""
    from liaison.messaging.choices import Direction
    from liaison.messaging.models import Message

    rows = (
        Message.objects.filter(direction=Direction.IN, id__gt=last_id, conversation__isnull=False)
        .order_by("id")
        .values_list("id", "district_id", "conversation__household_id", "created_at")[:limit]
    )
    return [
        _fact("messaging.message", pk, district_id, household_id, at, ContactKind.FAMILY_REPLY)
        for pk, district_id, household_id, at in rows
    ]


# Contact-log kinds in which the family took part; a text or email a liaison logged is one-way,
# and so is an attempt whose result says the family was not reached (no answer, nobody home).
TWO_WAY_CONTACTS = {
    "call": ContactKind.CALL,
    "home_visit": ContactKind.VISIT,
    "meeting": ContactKind.MEETING,
    "walk_in": ContactKind.WALK_IN,
    "in_person": ContactKind.MEETING,
}


def logged_contacts(last_id: int, limit: int) -> list[ContactFact]:
    from liaison.concerns.models import Contact

    rows = (
        Contact.objects.filter(id__gt=last_id)
        .order_by("id")
        .values_list("id", "household__district_id", "household_id", "at", "kind", "result")[:limit]
    )
    return [
        _fact(
            "concerns.contact",
            pk,
            district_id,
            household_id,
            at,
            TWO_WAY_CONTACTS.get(kind, ContactKind.OTHER),
            two_way=kind in TWO_WAY_CONTACTS and result in ("", "reached"),
        )
        for pk, district_id, household_id, at, kind, result in rows
    ]


def event_check_ins(since, limit: int) -> list[ContactFact]:
    from liaison.events.models import Invitation

    qs = Invitation.objects.filter(checked_in_at__isnull=False, household__isnull=False)
    if since is not None:
        qs = qs.filter(checked_in_at__gte=since)
    rows = qs.order_by("checked_in_at").values_list(
        "id", "household__district_id", "household_id", "checked_in_at"
    )[:limit]
    return [
        _fact("events.invitation", pk, district_id, household_id, at, ContactKind.EVENT_ATTENDED)
        for pk, district_id, household_id, at in rows
    ]


def register_builtin_sources() -> None:
    register("messaging.message", family_replies)
    register("concerns.contact", logged_contacts)
    register_timed("events.invitation", event_check_ins)
