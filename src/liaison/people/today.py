"""What people adds to Today: families new this week in the person's scope (worth knowing, so
they come after what needs doing, and at most a handful)."""

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from liaison.core.policy.scopes import Access, household_filter
from liaison.core.today import NOTICE, Item, add_source, url_maker
from liaison.people.models import Household

SHOWN = 10
WEEK = dt.timedelta(days=7)


def new_family_items(user: Any, *, today: dt.date, limit: int) -> Iterator[Item]:
    since = timezone.now() - WEEK
    rows = (
        Household.objects.filter(household_filter(user), is_active=True)
        .filter(created_at__gte=since)
        .order_by("-created_at", "-pk")
        .values("pk", "name", "created_at")[: min(limit, SHOWN)]
    )
    family_url = url_maker("people:household")
    for household in rows:
        url = family_url(household["pk"])
        yield Item(
            kind="family",
            reason=_("New family this week"),
            title=household["name"],
            at=household["created_at"],
            url=url,
            priority=NOTICE,
            household_id=household["pk"],
            links=((_("Open the family"), url),),
        )


def _works_with_families(access: Access) -> bool:
    return access.works_with_families


def register() -> None:
    add_source("family", new_family_items, ask=_works_with_families, tables=("people.Household",))
