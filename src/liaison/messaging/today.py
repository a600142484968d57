"""What messaging adds to Today: family messages awaiting a reply (oldest first, with the age), and
the navigation's "awaiting reply" count (threads whose latest message is from the family)."""

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liaison.core.policy.messaging import thread_filter
from liaison.core.policy.scopes import Access
from liaison.core.today import ACTION, Item, add_count, add_source, url_maker
from liaison.messaging.choices import ConversationStatus, Direction
from liaison.messaging.models import Conversation, Message


def awaiting_reply(user: Any) -> QuerySet[Conversation]:
    """Open threads this person may open whose family wrote last, unanswered."""
    return Conversation.objects.filter(
        thread_filter(user), status=ConversationStatus.OPEN, awaiting_since__isnull=False
    )


def message_items(user: Any, *, today: dt.date, limit: int) -> Iterator[Item]:
    latest = (
        Message.objects.filter(conversation=OuterRef("pk"), direction=Direction.IN)
        .order_by("-created_at", "-id")
        .values("body")[:1]
    )
    rows = (
        awaiting_reply(user)
        .annotate(preview=Subquery(latest))
        .order_by("awaiting_since", "pk")
        .values("pk", "household_id", "household__name", "awaiting_since", "preview")[:limit]
    )
    thread_url = url_maker("messaging:conversation")
    now = timezone.now()
    for conversation in rows:
        url = thread_url(conversation["pk"])
        yield Item(
            kind="message",
            reason=_("Family message awaiting a reply"),
            title=conversation["household__name"],
            at=conversation["awaiting_since"] or now,
            url=url,
            priority=ACTION,
            detail=conversation["preview"] or "",
            household_id=conversation["household_id"],
            links=((_("Reply"), url),),
        )


def count_awaiting(user: Any, *, today: dt.date) -> int:
    return awaiting_reply(user).count()


def _uses_inbox(access: Access) -> bool:
    return access.works_with_families or access.is_interpreter or access.is_teacher


def awaiting_topics(access: Access) -> list[str]:
    """The "awaiting reply" count changes when a thread of the person's districts does (a reply
    in or out, assigning, closing: messaging.services.thread_changed bumps "inbox:<district>");
    a superuser's count covers every district ("inbox:all")."""
    topics = [f"inbox:{d}" for d in sorted(access.district_ids)]
    return [*topics, "inbox:all"] if access.superuser else topics


def register() -> None:
    add_source(
        "message",
        message_items,
        ask=_uses_inbox,
        tables=("people.Household",),
        topics=awaiting_topics,
    )
    add_count(
        "awaiting",
        gettext_lazy("awaiting reply"),
        count_awaiting,
        url_name="messaging:inbox",
        topics=awaiting_topics,
        ask=_uses_inbox,
    )
