"""What language adds to Today: interpreter requests still to confirm (for those who arrange them)
and, for an interpreter, the requests assigned to them that await their confirmation."""

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _

from liaison.core import policy
from liaison.core.policy.scopes import Access
from liaison.core.today import ACTION, Item, add_source
from liaison.core.validators import language_name
from liaison.language.choices import RequestStatus
from liaison.language.models import InterpreterRequest

AHEAD = dt.timedelta(days=14)


def to_confirm(user: Any) -> Any:
    now = timezone.now()
    qs = InterpreterRequest.objects.visible_to(user).filter(  # type: ignore[no-untyped-call]
        status__in=[RequestStatus.REQUESTED, RequestStatus.ASSIGNED],
        starts_at__gte=now,
        starts_at__lt=now + AHEAD,
    )
    if not policy.access_for(user).works_with_families:
        qs = qs.filter(interpreter__user=user, status=RequestStatus.ASSIGNED)
    return qs


def request_items(user: Any, *, today: dt.date, limit: int) -> Iterator[Item]:
    rows = to_confirm(user).select_related("household", "interpreter").order_by("starts_at", "pk")
    for request in rows[:limit]:
        if request.status == RequestStatus.REQUESTED:
            reason = _("Interpreter to find")
        else:
            reason = _("Interpreter to confirm: %(name)s") % {"name": request.interpreter}
        when = timezone.localtime(request.starts_at)
        url = reverse("language:request", args=[request.pk])
        yield Item(
            kind="interpreter",
            reason=f"{reason} · {language_name(request.language)}",
            title=str(request.household),
            at=request.starts_at,
            url=url,
            priority=ACTION,
            detail=request.get_mode_display() + " · " + time_format(when),
            household_id=request.household_id,
            due_on=when.date(),
            links=((_("Open the request"), url),),
        )


def _arranges(access: Access) -> bool:
    return access.works_with_families or access.is_interpreter


def register() -> None:
    add_source(
        "interpreter",
        request_items,
        ask=_arranges,
        tables=("language.InterpreterRequest", "language.Interpreter", "people.Household"),
    )
