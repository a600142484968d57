"""Access rules for concerns, confidential notes, meetings and the contact log, built on core.policy.

- A concern is seen by whoever sees its family in full (admins, site leaders, liaisons), by its
  assignee, by an interpreter assigned to the family, and by a teacher who teaches one of the
  students it is about.
- Work on it (status, notes, meetings) is for those with the family's full view and the assignee.
- A confidential (restricted) note is read only by the concern's assignee, the site leaders of the
  family's sites, district admins, and the note's own author. Never by teachers or interpreters
  as such, in any page, timeline, search, export or API answer.
- The contact log is for those with the family's full view.
- A concern about a member of staff is never seen by that person (its `subject_staff`), whatever
  their role or relationship to the family, even as district admin or superuser: not its page, a
  list, the timeline, a search, an export or a notification; nor is it ever assigned to them.
- A concern about staff (someone is named, or its category is "about staff") is seen only by
  those with the family's full view and its assignee: never by teachers or interpreters as such,
  since a family that named nobody may mean one of them.
"""

from collections.abc import Callable
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from liaison.core.db import IdIn
from liaison.core.policy import scopes as policy
from liaison.core.policy.cache import kept
from liaison.core.policy.lookup import Person, Record, model
from liaison.core.policy.roles import AssignmentRole
from liaison.core.policy.scopes import (
    NOTHING,
    access_for,
    assigned,
    in_sites,
    prefixed,
    taught_students,
)


def about_staff() -> Q:
    """Concerns about a member of staff: one is named, or the category is about staff."""
    return Q(subject_staff__isnull=False) | Q(category__about_staff=True)


def not_about(user: Person) -> Q:
    """Leaves out the concerns this person is the subject of (for any query on Concern)."""
    access = access_for(user)
    return ~Q(subject_staff_id=access.user_id) if access.user_id else Q()


def is_subject(user: Person, concern: Record) -> bool:
    access = access_for(user)
    return access.user_id is not None and concern.subject_staff_id == access.user_id


def may_be_assigned(staff: Person, concern: Record) -> bool:
    """Whether this person may be given the concern: never its own subject."""
    return staff is None or staff.pk != concern.subject_staff_id


def concern_filter(user: Person, *, live: bool = False) -> Q:
    """A filter on Concern selecting what this person may open; `live`: by the scopes as the
    database holds them now (the door), not the kept scope set."""
    Concern = model("concerns.Concern")

    access = access_for(user)
    if access.superuser:
        return not_about(user)
    q = NOTHING
    if access.admin_district_ids:
        q |= Q(district_id__in=access.admin_district_ids)
    if live:
        if access.site_ids:
            q |= policy.reached(policy.site_households(access.site_ids), "household_id")
        if access.is_liaison:
            q |= policy.reached(assigned(user, AssignmentRole.LIAISON), "household_id")
    elif access.site_ids or access.is_liaison:
        q |= Q(IdIn("household_id", policy.seen_in_full_ids(user)))
    if access.user_id:
        q |= Q(assignee_id=access.user_id)
    if access.is_interpreter:
        q |= prefixed(assigned(user, AssignmentRole.INTERPRETER), "household_id") & ~about_staff()
    if access.is_teacher:
        about_taught = Concern.students.through.objects.filter(
            concern_id=OuterRef("pk"), student__in=taught_students(user)
        )
        q |= Q(Exists(about_taught)) & ~about_staff()
    return q & not_about(user)


def _memo(user: Person, name: str, household_id: int, compute: Callable[[], bool]) -> bool:
    """Answers about one household, kept in the policy's one cache for the request."""
    return kept(("concerns", name, user.pk, household_id), compute)


def full_view(user: Person, household: Record) -> bool:
    """core.policy.full_view, asked once per request; a liaison's own caseload is checked first
    (one indexed lookup) before the costlier site scope."""

    def compute() -> bool:
        if access_for(user).is_liaison and policy.on_caseload(user, household):
            return True
        return policy.full_view(user, household)

    return _memo(user, "full", household.pk, compute)


def concern_filter_in(user: Person, household: Record) -> Q:
    """concern_filter for the concerns of one household the person can open: decided once."""
    Concern = model("concerns.Concern")

    access = access_for(user)
    if access.superuser or full_view(user, household):
        return not_about(user)
    if access.is_interpreter and policy.is_assigned(user, household, AssignmentRole.INTERPRETER):
        return ~about_staff() & not_about(user)
    q = Q(assignee_id=access.user_id) if access.user_id else NOTHING
    if access.is_teacher:
        about_taught = Concern.students.through.objects.filter(
            concern_id=OuterRef("pk"), student__in=taught_students(user)
        )
        q |= Q(Exists(about_taught)) & ~about_staff()
    return q & not_about(user)


def _leads_household(user: Person, household_id: int) -> bool:
    return _memo(user, "leads", household_id, lambda: _leads(user, household_id))


def _leads(user: Person, household_id: int) -> bool:
    Household = model("people.Household")
    access = access_for(user)
    if (
        access.admin_district_ids
        and Household.objects.filter(
            pk=household_id, district_id__in=access.admin_district_ids
        ).exists()
    ):
        return True
    return bool(access.leader_site_ids) and in_sites(
        Household(pk=household_id), access.leader_site_ids
    )


def note_filter(user: Person, household: Record) -> Q:
    """A filter on ConcernNote (of one family's concerns) leaving out the confidential notes this
    person may not read; the leader check is made once for the family.
    Notes on a concern about this person are never theirs to read.
    """
    return _readable_notes(user, household) & _not_about_notes(user)


def _not_about_notes(user: Person) -> Q:
    access = access_for(user)
    return ~Q(concern__subject_staff_id=access.user_id) if access.user_id else Q()


def _readable_notes(user: Person, household: Record) -> Q:
    access = access_for(user)
    if access.superuser:
        return Q()
    if _leads_household(user, household.pk):
        return Q()
    q = Q(restricted=False)
    if access.user_id:
        q |= Q(author_id=access.user_id) | Q(concern__assignee_id=access.user_id)
    return q


def can_work_on(user: Person, concern: Record) -> bool:
    """Change the status, add notes, hold meetings."""
    access = access_for(user)
    if is_subject(user, concern):
        return False
    if access.user_id and concern.assignee_id == access.user_id:
        return True
    return full_view(user, concern.household)


def can_raise(user: Person, household: Record) -> bool:
    return full_view(user, household)


def can_lead(user: Person) -> bool:
    """Queues of the whole site or district, and reassign-all when a liaison is away."""
    return policy.can_manage_caseloads(user)


def can_use_queues(user: Person) -> bool:
    return access_for(user).works_with_families


def can_see_contacts(user: Person, household: Record) -> bool:
    return full_view(user, household)


def can_log_contact(user: Person, household: Record) -> bool:
    return full_view(user, household)


def can_edit_categories(user: Person) -> bool:
    return access_for(user).is_admin


def reassignable_staff(user: Person) -> QuerySet[Any]:
    """Who a leader may hand open concerns from and to: staff of their districts (a superuser:
    every active account). A User queryset."""
    staff: QuerySet[Any] = model("people.User").objects.all()
    if access_for(user).superuser:
        return staff.filter(is_active=True)
    districts = access_for(user).district_ids or [0]
    return staff.filter(
        memberships__district_id__in=districts, memberships__is_active=True
    ).distinct()


def category_districts(user: Person) -> QuerySet[Any]:
    """The districts whose concern categories and service targets this person sets."""
    districts: QuerySet[Any] = model("people.District").objects.all()
    if access_for(user).superuser:
        return districts
    return districts.filter(pk__in=access_for(user).admin_district_ids)
