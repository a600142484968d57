"""What attendance adds to Today: the liaison's Tier 3 students whose family needs an attempt
today, with the reasons in words, the attempts so far and the next one due."""

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from liaison.attendance import atrisk
from liaison.attendance.choices import Tier
from liaison.attendance.models import AtRiskScore, rules_for
from liaison.attendance.outreach import outreach_for
from liaison.core import policy
from liaison.core.policy import AssignmentRole
from liaison.core.policy.scopes import Access
from liaison.core.today import ACTION, Item, add_source


def intensive_on_caseload(user: Any) -> Any:
    """Tier 3 students of the families on this liaison's caseload, highest score first."""
    return (
        AtRiskScore.objects.filter(
            policy.prefixed(policy.assigned(user, AssignmentRole.LIAISON), "household_id"),
            tier=Tier.INTENSIVE,
        )
        .select_related("student", "household")
        .order_by("-score", "student_id")
    )


def attendance_items(user: Any, *, today: dt.date, limit: int) -> Iterator[Item]:
    rows = list(intensive_on_caseload(user)[:limit])
    if not rows:
        return
    rules = {d: rules_for(d) for d in {r.district_id for r in rows}}
    outreach: dict[int, Any] = {}
    for district_id, district_rules in rules.items():
        ids = [r.household_id for r in rows if r.district_id == district_id and r.household_id]
        outreach.update(outreach_for(ids, rules=district_rules, today=today))
    zone = timezone.get_current_timezone()
    for row in rows:
        made = outreach[row.household_id]
        district_rules = rules[row.district_id]
        if made.unreachable_since is not None:
            continue
        due = made.next_due(district_rules, today)
        if due is not None and due > today:
            continue  # an attempt was made today: the next is due another day
        reasons = "; ".join(atrisk.reason_words(r) for r in row.reasons[:3])
        steps = made.next_words(district_rules, today) or _(
            "Enough attempts: the family may now be called unreachable"
        )
        contacts = reverse("concerns:contacts", args=[row.household_id])
        at_risk = reverse("attendance:at_risk") + "?" + urlencode({"household": row.household_id})
        yield Item(
            kind="attendance",
            reason=_("Tier 3 attendance: %(student)s") % {"student": row.student.full_name},
            title=str(row.household),
            at=dt.datetime.combine(due or today, dt.time(), tzinfo=zone),
            url=at_risk,
            priority=ACTION,
            detail=f"{reasons}. {made.so_far()}. {steps}.",
            household_id=row.household_id,
            household=str(row.household),
            due_on=due,
            links=(
                (_("Log an attempt"), contacts + "?" + urlencode({"kind": "call"})),
                (_("Open the at-risk row"), at_risk),
            ),
        )


def _is_liaison(access: Access) -> bool:
    return access.is_liaison


def register() -> None:
    add_source("attendance", attendance_items, ask=_is_liaison)
