"""Attendance's operations on outreach: calling a family unreachable (only with proof), the liaison's
task for a student entering Tier 3, and keeping the at-risk list's scores current."""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from liaison.attendance import atrisk
from liaison.attendance.choices import Tier
from liaison.attendance.models import StudentAttendance, Unreachable
from liaison.attendance.outreach import outreach_for, rules_for
from liaison.core.policy import AssignmentRole
from liaison.people.models import HouseholdAssignment
from liaison.worklist import services as worklist
from liaison.worklist.models import Task


def mark_unreachable(*, household: Any, by: Any, note: str = "") -> Unreachable:
    """Call the family unreachable. Refused, saying what is still missing, until the attempts in the
    contact log meet the district's proof of outreach."""
    rules = rules_for(household.district_id)
    with transaction.atomic():
        outreach = outreach_for([household.pk], rules=rules)[household.pk]
        if outreach.unreachable_since is not None:
            raise ValidationError(_("This family is already called unreachable."))
        if not outreach.proven(rules):
            raise ValidationError(
                _(
                    "Not yet: a family may be called unreachable after attempts on at least "
                    "%(attempts)d different days, in at least %(modes)d different ways, each "
                    "logged with its result. Still needed: %(missing)s."
                )
                % {
                    "attempts": rules.unreachable_min_attempts,
                    "modes": rules.unreachable_min_modes,
                    "missing": outreach.missing(rules),
                }
            )
        # A mark the family has since answered stands no more.
        Unreachable.objects.standing().filter(household=household).update(cleared_at=timezone.now())
        return Unreachable.objects.create(
            district_id=household.district_id,
            household=household,
            by=by,
            note=note[:300],
            attempts=[
                {
                    "contact": a.contact_id,
                    "kind": a.kind,
                    "day": a.day.isoformat(),
                    "result": a.result,
                }
                for a in outreach.attempts
            ],
        )


def liaisons_of(household_ids: Iterable[int]) -> dict[int, Any]:
    """Each household's liaison (the longest-standing current one): one query."""
    out: dict[int, Any] = {}
    rows = (
        HouseholdAssignment.objects.current()  # type: ignore[no-untyped-call]
        .filter(household_id__in=list(household_ids), role=AssignmentRole.LIAISON)
        .select_related("staff")
        .order_by("started_on", "pk")
    )
    for row in rows:
        if row.staff.is_active:
            out.setdefault(row.household_id, row.staff)
    return out


def open_intensive_tasks(*, district: Any, student_ids: Iterable[int], as_of: dt.date) -> int:
    """A task for the liaison of each student now in Tier 3: reach the family, offer a home visit,
    talk about support. One task per student and school year (a student who comes back to Tier 3
    reopens it for the new day); a family with no liaison gets none (the list still shows it).
    Returns how many tasks were made or reopened."""
    rows = list(
        StudentAttendance.objects.filter(
            district=district,
            student_id__in=list(student_ids),
            tier=Tier.INTENSIVE,
            student__household__isnull=False,
        ).select_related("student", "student__household")
    )
    owners = liaisons_of(r.student.household_id for r in rows if r.student.household_id)
    made = 0
    with transaction.atomic():
        for row in rows:
            owner = owners.get(row.student.household_id or 0)
            if owner is None:
                continue
            existing = Task.objects.filter(
                source_kind=row._meta.label_lower,
                source_id=str(row.pk),
                due_on__gte=row.tier_since or as_of,
            ).exists()
            if existing:
                continue  # already asked for since the student entered Tier 3
            worklist.schedule_follow_up(
                source=row,
                owner=owner,
                household=row.student.household,
                due_on=as_of,
                title=_("Tier 3 attendance: reach %(name)s's family, offer a home visit")
                % {"name": row.student.full_name},
                url=reverse("attendance:at_risk") + f"?student={row.student_id}",
            )
            made += 1
    return made


def after_recompute(*, district: Any, student_ids: Iterable[int], as_of: dt.date) -> None:
    """What outreach does once the measures and tiers of these students are recomputed: their
    at-risk scores, and a task for each one now in Tier 3."""
    ids = list(student_ids)
    atrisk.refresh_scores(district=district, student_ids=ids, as_of=as_of)
    open_intensive_tasks(district=district, student_ids=ids, as_of=as_of)
