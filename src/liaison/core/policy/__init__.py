"""The one access policy: who may see and do what. Views, tasks, exports and templates all ask it.

Scopes, per role:
- district admin: every household, guardian and student of the district;
- site leader: families with a child enrolled at their sites (or whose home site it is);
- liaison: the same at their sites, plus their caseload anywhere in the district; opening a
  household that is not on their caseload asks for a reason ("break the glass");
- teacher: the families of the students they teach, and only those students;
- interpreter: only the households they are assigned to.
Anything outside a person's scope answers 404, as if it did not exist.
Other apps add their rules in sibling modules (policy/concerns.py ...) built on these scopes.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.db.models import Q

from liaison.people.choices import AssignmentRole, Role


@dataclass(frozen=True)
class Access:
    user_id: int | None
    superuser: bool = False
    admin_district_ids: frozenset = field(default_factory=frozenset)
    leader_site_ids: frozenset = field(default_factory=frozenset)
    liaison_site_ids: frozenset = field(default_factory=frozenset)
    district_ids: frozenset = field(default_factory=frozenset)
    roles: frozenset = field(default_factory=frozenset)

    @property
    def is_admin(self) -> bool:
        return self.superuser or bool(self.admin_district_ids)

    @property
    def is_leader(self) -> bool:
        return self.is_admin or bool(self.leader_site_ids)

    @property
    def is_liaison(self) -> bool:
        return Role.LIAISON in self.roles

    @property
    def is_teacher(self) -> bool:
        return Role.TEACHER in self.roles

    @property
    def is_interpreter(self) -> bool:
        return Role.INTERPRETER in self.roles

    @property
    def site_ids(self) -> frozenset:
        """Sites whose families this person sees in full (as leader or liaison)."""
        return self.leader_site_ids | self.liaison_site_ids

    @property
    def works_with_families(self) -> bool:
        """Admins, leaders and liaisons: people who create and edit family records."""
        return self.is_admin or bool(self.site_ids) or self.is_liaison


NO_ACCESS = Access(user_id=None)


def access_for(user) -> Access:
    """The person's roles and scopes, read once per request (cached on the user object)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NO_ACCESS
    cached = getattr(user, "_liaison_access", None)
    if cached is not None:
        return cached
    admin, leader, liaison, districts, roles = set(), set(), set(), set(), set()
    for district_id, site_id, role in user.memberships.filter(is_active=True).values_list(
        "district_id", "site_id", "role"
    ):
        districts.add(district_id)
        roles.add(role)
        if role == Role.DISTRICT_ADMIN:
            admin.add(district_id)
        elif role == Role.SITE_LEADER and site_id:
            leader.add(site_id)
        elif role == Role.LIAISON and site_id:
            liaison.add(site_id)
    if user.is_superuser:
        roles.add(Role.DISTRICT_ADMIN)
    access = Access(
        user_id=user.pk,
        superuser=user.is_superuser,
        admin_district_ids=frozenset(admin),
        leader_site_ids=frozenset(leader),
        liaison_site_ids=frozenset(liaison),
        district_ids=frozenset(districts),
        roles=frozenset(roles),
    )
    user._liaison_access = access
    return access


def forget(user) -> None:
    """Drop the cached scopes after a membership or assignment changes."""
    user.__dict__.pop("_liaison_access", None)


_answers: ContextVar[dict | None] = ContextVar("liaison_policy_answers", default=None)


@contextmanager
def answers_kept() -> Iterator[None]:
    """Within this block each yes/no about a person and a household goes to the database once.

    A page that many apps feed (the household timeline: messages, concerns, referrals ... each
    asking whether the viewer sees the family in full) wraps its read-only work in this; the answers
    are dropped when the block ends, so a later change of caseload or site is seen at once.
    """
    if _answers.get() is not None:
        yield
        return
    token = _answers.set({})
    try:
        yield
    finally:
        _answers.reset(token)


def _kept(key: tuple, compute: Callable[[], bool]) -> bool:
    answers = _answers.get()
    if answers is None:
        return compute()
    if key not in answers:
        answers[key] = compute()
    return answers[key]


NOTHING = Q(pk__in=[])

# The scopes are correlated EXISTS tests rather than IN (subquery): a search or a list first narrows
# the households by its own conditions, and the database then checks just those rows by index.


def _site_households(site_ids) -> Q:
    from django.db.models import Exists, OuterRef

    from liaison.people.models import Enrolment, GuardianStudent

    enrolled_here = Enrolment.objects.filter(
        student__household_id=OuterRef("pk"), site_id__in=site_ids, is_active=True
    )
    guardian_of_enrolled = GuardianStudent.objects.filter(
        guardian__household_id=OuterRef("pk"),
        student__enrolments__site_id__in=site_ids,
        student__enrolments__is_active=True,
    )
    return Q(site_id__in=site_ids) | Q(Exists(enrolled_here)) | Q(Exists(guardian_of_enrolled))


def _taught_students(user):
    from liaison.people.models import Student

    return Student.objects.filter(class_sections__teachers=user, class_sections__is_active=True)


def _assigned(user, role) -> Q:
    from django.db.models import Exists, OuterRef

    from liaison.people.models import HouseholdAssignment

    return Q(
        Exists(
            HouseholdAssignment.objects.current().filter(
                household_id=OuterRef("pk"), staff=user, role=role
            )
        )
    )


def household_filter(user) -> Q:
    """A filter on Household selecting what this person may open."""
    from django.db.models import Exists, OuterRef

    from liaison.people.models import GuardianStudent, Student

    access = access_for(user)
    if access.superuser:
        return Q()
    q = NOTHING
    if access.admin_district_ids:
        q |= Q(district_id__in=access.admin_district_ids)
    if access.site_ids:
        q |= _site_households(access.site_ids)
    if access.is_liaison:
        q |= _assigned(user, AssignmentRole.LIAISON)
    if access.is_teacher:
        taught = Student.objects.filter(
            class_sections__teachers=user, class_sections__is_active=True
        )
        q |= Q(Exists(taught.filter(household_id=OuterRef("pk")))) | Q(
            Exists(
                GuardianStudent.objects.filter(
                    guardian__household_id=OuterRef("pk"), student__in=taught
                )
            )
        )
    if access.is_interpreter:
        q |= _assigned(user, AssignmentRole.INTERPRETER)
    return q


def may_skip_scope_filter(user) -> bool:
    """Whether in_scope_cheaply can say yes for this person (admins, liaisons)."""
    access = access_for(user)
    return access.superuser or bool(access.admin_district_ids) or access.is_liaison


def in_scope_cheaply(user, household) -> bool:
    """True when household_filter(user) certainly selects this family, by the cheap parts of it:
    an admin's district, a liaison's caseload. False means "ask household_filter", not "no"."""
    access = access_for(user)
    if access.superuser or household.district_id in access.admin_district_ids:
        return True
    return access.is_liaison and on_caseload(user, household)


def _prefixed(q: Q, prefix: str) -> Q:
    """Re-root a Household filter onto a model that points at households through `prefix`."""
    from liaison.people.models import Household

    if q == Q():
        return Q()
    return Q(**{f"{prefix}__in": Household.objects.filter(q).values("id")})


def guardian_filter(user) -> Q:
    access = access_for(user)
    if access.superuser:
        return Q()
    if access.works_with_families or access.is_interpreter:
        q = _prefixed(household_filter(user), "household_id")
        if access.is_teacher:
            q |= Q(student_links__student__in=_taught_students(user))
        return q
    if access.is_teacher:
        return Q(id__in=_taught_students(user).values("guardian_links__guardian_id")) | _prefixed(
            household_filter(user), "household_id"
        )
    return NOTHING


def student_filter(user) -> Q:
    access = access_for(user)
    if access.superuser:
        return Q()
    q = NOTHING
    if access.admin_district_ids:
        q |= Q(district_id__in=access.admin_district_ids)
    if access.site_ids or access.is_liaison:
        # A liaison or leader helping a family sees all its children, wherever enrolled.
        scope = NOTHING
        if access.site_ids:
            scope |= _site_households(access.site_ids)
        if access.is_liaison:
            scope |= _assigned(user, AssignmentRole.LIAISON)
        q |= _prefixed(scope, "household_id")
        if access.site_ids:
            q |= Q(enrolments__site_id__in=access.site_ids, enrolments__is_active=True)
    if access.is_teacher:
        q |= Q(id__in=_taught_students(user).values("id"))
    if access.is_interpreter:
        q |= _prefixed(_assigned(user, AssignmentRole.INTERPRETER), "household_id")
    return Q(id__in=_student_ids(q)) if q != Q() else q


def _student_ids(q):
    from liaison.people.models import Student

    return Student.objects.filter(q).values("id")


# --- what a person may do with a record they can see -------------------------------------


def full_view(user, household) -> bool:
    """Everything about the family (notes, programmes, every child): admins, leaders, liaisons."""
    access = access_for(user)
    if access.is_admin:
        return True
    # A liaison's own caseload first: one indexed lookup, often already answered (break the glass).
    return _kept(
        ("full", access.user_id, household.pk),
        lambda: (
            (access.is_liaison and on_caseload(user, household))
            or bool(access.site_ids and _in_sites(household, access.site_ids))
        ),
    )


def can_edit_household(user, household) -> bool:
    return full_view(user, household)


def can_create_household(user) -> bool:
    access = access_for(user)
    return access.is_admin or bool(access.site_ids)


def can_manage_caseloads(user) -> bool:
    access = access_for(user)
    return access.is_admin or bool(access.leader_site_ids)


def can_see_restriction_reason(user, household) -> bool:
    return full_view(user, household)


def can_see_programmes(user, student) -> bool:
    """Programmes (IEP, 504, ...) are for those who work with the family, and the child's own teachers."""
    if access_for(user).is_admin or (student.household_id and full_view(user, student.household)):
        return True
    return (
        access_for(user).is_teacher
        and student.class_sections.filter(teachers=user, is_active=True).exists()
    )


def visible_students(user, household):
    """The children of this household the person may see: a teacher sees only those they teach."""
    from liaison.people.models import Student

    qs = Student.objects.filter(household=household)
    if full_view(user, household):
        return qs
    return qs.filter(student_filter(user))


def on_caseload(user, household) -> bool:
    from liaison.people.models import HouseholdAssignment

    return _kept(
        ("caseload", user.pk, household.pk),
        lambda: (
            HouseholdAssignment.objects.current()
            .filter(staff=user, household=household, role=AssignmentRole.LIAISON)
            .exists()
        ),
    )


def _in_sites(household, site_ids) -> bool:
    from liaison.people.models import Household

    return _kept(
        ("sites", household.pk, frozenset(site_ids)),
        lambda: Household.objects.filter(_site_households(site_ids), pk=household.pk).exists(),
    )


def needs_reason_to_open(user, household) -> bool:
    """Break the glass: a liaison opening a family that is not on their caseload says why."""
    access = access_for(user)
    if access.is_admin or (access.leader_site_ids and _in_sites(household, access.leader_site_ids)):
        return False
    if not access.is_liaison:
        return False
    return not on_caseload(user, household)
