"""What insights adds to Today: the families on the liaison's caseload that the at-risk list flags,
each saying why in words, with outreach one click away. Worth doing once the urgent concerns, the
due tasks and the waiting messages are dealt with, so they come after them; at most a handful."""

import datetime as dt
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from liaison.core.policy.scopes import Access
from liaison.core.today import NOTICE, Item, add_source
from liaison.insights import atrisk

SHOWN = 10


def at_risk_items(user: Any, *, today: dt.date, limit: int) -> Iterator[Item]:
    for family in atrisk.on_caseload(user, now=timezone.now(), limit=min(limit, SHOWN)):
        household = family.household
        url = reverse("people:household", args=[household.pk])
        # The contact log's form with a call filled in, as the thread's "Call" link opens it.
        query = {"kind": "call"}
        if family.call_guardian_id:
            query["guardian"] = str(family.call_guardian_id)
        call = f"{reverse('concerns:contacts', args=[household.pk])}?{urlencode(query)}"
        yield Item(
            kind="atrisk",
            reason=_("At risk: %(why)s") % {"why": "; ".join(family.why)},
            title=str(household),
            # Shown as a date: the last two-way contact, or when the family was added if never.
            at=family.last_two_way_at or household.created_at,
            url=url,
            priority=NOTICE,
            household_id=household.pk,
            links=((_("Start outreach"), call), (_("Open the family"), url)),
        )


def _has_caseload(access: Access) -> bool:
    return access.is_liaison


def register() -> None:
    add_source(
        "atrisk",
        at_risk_items,
        ask=_has_caseload,
        tables=(
            "insights.HouseholdEngagement",
            "insights.AtRiskRules",
            "concerns.Concern",
            "people.Guardian",
            "people.Household",
        ),
    )
