"""Where contacts with families come from. Each source reads its app's table past a cursor.

A source is `fn(last_id, limit) -> list[ContactFact]` (unsaved, ordered by source_id); the last
source_id returned becomes the cursor. Apps whose records count as contacts register one here
(messaging's family replies are built in; the contact log and event attendance register theirs).
"""

from collections.abc import Callable

from liaison.insights.choices import ContactKind
from liaison.insights.models import ContactFact

_sources: dict[str, Callable] = {}


def register(name: str, fn: Callable) -> None:
    _sources[name] = fn


def all_sources() -> dict[str, Callable]:
    return dict(_sources)


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
        ContactFact(
            district_id=district_id,
            household_id=household_id,
            at=at,
            kind=ContactKind.FAMILY_REPLY,
            two_way=True,
            source="messaging.message",
            source_id=pk,
        )
        for pk, district_id, household_id, at in rows
    ]


def register_builtin_sources() -> None:
    register("messaging.message", family_replies)
