"""What events add to Today: families coming to an event in the next two weeks who asked for an
interpreter, childcare or a ride, so that it can be arranged in time."""

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from liaison.core import policy
from liaison.core.policy.scopes import Access
from liaison.core.today import ACTION, Item, add_source
from liaison.core.validators import language_name
from liaison.events.choices import Answer
from liaison.events.models import Invitation

AHEAD = dt.timedelta(days=14)


def asking_for_help(user: Any) -> Any:
    now = timezone.now()
    qs = (
        Invitation.objects.open()  # type: ignore[no-untyped-call]
        .filter(answer=Answer.YES, event__starts_at__lt=now + AHEAD, household__isnull=False)
        .filter(~Q(interpreter_language="") | Q(needs_transport=True) | ~Q(childcare_ages=[]))
    )
    return qs.filter(policy.households_in_scope(user))


def rsvp_items(user: Any, *, today: dt.date, limit: int) -> Iterator[Item]:
    rows = (
        asking_for_help(user)
        .select_related("event", "household")
        .order_by("event__starts_at", "pk")[:limit]
    )
    for invitation in rows:
        needs = []
        if invitation.interpreter_language:
            needs.append(
                _("an interpreter (%(language)s)")
                % {"language": language_name(invitation.interpreter_language)}
            )
        if invitation.childcare_ages:
            needs.append(_("childcare"))
        if invitation.needs_transport:
            needs.append(_("a ride"))
        event = invitation.event
        url = event.get_absolute_url()
        yield Item(
            kind="rsvp",
            reason=_("Coming to %(event)s and asking for %(needs)s")
            % {"event": event.title, "needs": ", ".join(needs)},
            title=str(invitation.household),
            at=event.starts_at,
            url=url,
            priority=ACTION,
            household_id=invitation.household_id,
            due_on=timezone.localdate(event.starts_at),
            links=((_("Open the event"), url),),
        )


def _arranges(access: Access) -> bool:
    return access.works_with_families


def register() -> None:
    add_source(
        "rsvp",
        rsvp_items,
        ask=_arranges,
        tables=("events.Invitation", "events.Event", "people.Household"),
    )
