"""What attendance adds to Today: the liaison's Tier 3 students whose family needs an attempt
today, with the reasons in words, the attempts so far and the next one due."""

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db.models import BigIntegerField, OuterRef, Subquery
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from liaison.attendance import atrisk
from liaison.attendance.choices import Tier
from liaison.attendance.models import AtRiskScore, StudentAttendance, rules_for
from liaison.attendance.outreach import outreach_for
from liaison.core import policy
from liaison.core.policy import AssignmentRole
from liaison.core.policy.scopes import Access
from liaison.core.today import ACTION, Item, add_source
from liaison.worklist.models import Task


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


# The follow-up task a student's entry into Tier 3 opens (services.open_intensive_tasks): its row
# here carries the task's actions (done, snooze, hand over) rather than a second row for it.
TIER_TASK = StudentAttendance._meta.label_lower


def open_tier_tasks(household_ids: list[int], today: dt.date) -> dict[int, tuple[int, bool]]:
    """The open Tier 3 task of each student of these families: {student id: (task id, whether it
    is snoozed past today)}. One query."""
    student = StudentAttendance.objects.filter(
        pk=Cast(OuterRef("source_id"), BigIntegerField())
    ).values("student_id")[:1]
    rows = (
        Task.objects.open()
        .filter(source_kind=TIER_TASK, household_id__in=household_ids)
        .annotate(student_id=Subquery(student))
        .order_by("pk")
        .values_list("student_id", "pk", "snoozed_until")
    )
    return {s: (pk, bool(until and until > today)) for s, pk, until in rows if s is not None}


def attendance_items(user: Any, *, today: dt.date, limit: int) -> Iterator[Item]:
    rows = list(intensive_on_caseload(user)[:limit])
    if not rows:
        return
    tasks = open_tier_tasks(sorted({r.household_id for r in rows if r.household_id}), today)
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
        task_id, snoozed = tasks.get(row.student_id, (None, False))
        if snoozed:
            continue  # the liaison put it off to a later day
        due = made.next_due(district_rules, today)
        # Tried today: the next attempt is due another day, but the row stays, with its task's
        # actions, until the liaison marks the task done.
        if due is not None and due > today and task_id is None:
            continue
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
            task_id=task_id,
            links=(
                (_("Log an attempt"), contacts + "?" + urlencode({"kind": "call"})),
                (_("Open the at-risk row"), at_risk),
            ),
        )


def _is_liaison(access: Access) -> bool:
    return access.is_liaison


def register() -> None:
    add_source(
        "attendance",
        attendance_items,
        ask=_is_liaison,
        claims=(TIER_TASK,),
        tables=(
            "attendance.AtRiskScore",
            "attendance.AttendanceRules",
            "attendance.Unreachable",
            "concerns.Contact",
            "worklist.Task",
            "people.Student",
            "people.Household",
        ),
    )
