"""What concerns add to Today: open concerns due or overdue, and every open urgent or high one at
once (urgent first), each with its next step (open it, log the call)."""

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from liaison.concerns.choices import OPEN_STATUSES, Urgency
from liaison.concerns.models import Concern
from liaison.core import policy
from liaison.core.policy import concerns as concern_policy
from liaison.core.policy.scopes import Access
from liaison.core.today import ACTION, URGENT, Item, add_source, url_maker

PRESSING = (Urgency.URGENT, Urgency.HIGH)


def needing(user: Any, day: dt.date) -> Any:
    """Open concerns this person may open that are due by the end of `day` or pressing; a liaison
    sees those assigned to them or to no one, leaders and admins every one in their scope."""
    zone = timezone.get_current_timezone()
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    qs = Concern.objects.filter(
        concern_policy.concern_filter(user),
        Q(due_at__lt=end) | Q(urgency__in=PRESSING),
        status__in=OPEN_STATUSES,
    )
    access = policy.access_for(user)
    if not access.is_leader:
        mine = Q(assignee=user)
        if access.is_liaison:
            mine |= Q(assignee__isnull=True)
        qs = qs.filter(mine)
    return qs


def concern_items(user: Any, *, today: dt.date, limit: int) -> Iterator[Item]:
    rows = needing(user, today).values(
        "pk",
        "household_id",
        "household__name",
        "category__label",
        "urgency",
        "description",
        "due_at",
        "assignee_id",
    )
    # Urgent before high before the rest, then the earliest due.
    order = {Urgency.URGENT: 0, Urgency.HIGH: 1}
    rows = sorted(rows.order_by("due_at", "pk")[:limit], key=lambda c: order.get(c["urgency"], 2))
    now = timezone.now()
    concern_url = url_maker("concerns:detail")
    contacts_url = url_maker("concerns:contacts")
    for concern in rows:
        pressing = concern["urgency"] in PRESSING
        due = timezone.localdate(concern["due_at"])
        if concern["due_at"] < now:
            why = _("Overdue concern")
        elif due <= today:
            why = _("Concern due today")
        else:
            why = _("New concern")
        reason = f"{why}: {concern['category__label']} · {Urgency(concern['urgency']).label}"
        if concern["assignee_id"] is None:
            reason += " · " + _("no one assigned")
        url = concern_url(concern["pk"])
        yield Item(
            kind="concern",
            reason=reason,
            title=concern["household__name"],
            at=concern["due_at"],
            url=url,
            priority=URGENT if pressing else ACTION,
            detail=concern["description"],
            household_id=concern["household_id"],
            due_on=due,
            links=(
                (_("Open the concern"), url),
                (_("Log the call"), contacts_url(concern["household_id"])),
            ),
        )


def _works_with_concerns(access: Access) -> bool:
    return access.user_id is not None


def register() -> None:
    add_source(
        "concern",
        concern_items,
        ask=_works_with_concerns,
        tables=("concerns.Concern", "concerns.ConcernCategory", "people.Household"),
    )
