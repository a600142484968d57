"""Who sees which families: a person's roles and scopes, and the named building blocks of them.

Scopes, per role:
- district admin: every household, guardian and student of the district;
- site leader: families with a child enrolled at their sites (or whose home site it is);
- liaison: the same at their sites, plus their caseload anywhere in the district; opening a
  household that is not on their caseload asks for a reason ("break the glass");
- teacher: the families of the students they teach, and only those students;
- interpreter: only the households they are assigned to.
Anything outside a person's scope answers 404, as if it did not exist.
"""

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from liaison.core.db import IdIn
from liaison.core.policy.cache import keep, kept, scope_version, shared_set
from liaison.core.policy.lookup import Person, Record, model
from liaison.core.policy.roles import AssignmentRole, Role


@dataclass(frozen=True)
class Access:
    user_id: int | None
    superuser: bool = False
    admin_district_ids: frozenset[int] = field(default_factory=frozenset)
    leader_site_ids: frozenset[int] = field(default_factory=frozenset)
    liaison_site_ids: frozenset[int] = field(default_factory=frozenset)
    district_ids: frozenset[int] = field(default_factory=frozenset)
    roles: frozenset[str] = field(default_factory=frozenset)

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
    def site_ids(self) -> frozenset[int]:
        """Sites whose families this person sees in full (as leader or liaison)."""
        return self.leader_site_ids | self.liaison_site_ids

    @property
    def works_with_families(self) -> bool:
        """Admins, leaders and liaisons: people who create and edit family records."""
        return self.is_admin or bool(self.site_ids) or self.is_liaison


NO_ACCESS = Access(user_id=None)


def access_for(user: Person) -> Access:
    """The person's roles and scopes, read once per request (kept in the policy's one cache)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NO_ACCESS
    return kept(("access", user.pk), lambda: _read_access(user))


def _read_access(user: Person) -> Access:
    admin: set[int] = set()
    leader: set[int] = set()
    liaison: set[int] = set()
    districts: set[int] = set()
    roles: set[str] = set()
    for district_id, site_id, role in _memberships(user):
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
    return Access(
        user_id=user.pk,
        superuser=user.is_superuser,
        admin_district_ids=frozenset(admin),
        leader_site_ids=frozenset(leader),
        liaison_site_ids=frozenset(liaison),
        district_ids=frozenset(districts),
        roles=frozenset(roles),
    )


def _memberships(user: Person) -> Iterable[tuple[int, int | None, str]]:
    """(district id, site id, role) of the person's active memberships: from the rows read along
    with the signed-in user (people.auth), used once (a later answer, after the policy forgot, asks
    the database), else from the database."""
    rows = getattr(user, "membership_rows", None)
    if rows is None:
        read: Iterable[tuple[int, int | None, str]] = user.memberships.filter(
            is_active=True
        ).values_list("district_id", "site_id", "role")
        return read
    del user.membership_rows  # through request.user's lazy object to the person it wraps
    out = []
    for row in filter(None, rows.split(",")):
        district_id, site_id, role = row.split(":", 2)
        out.append((int(district_id), int(site_id) if site_id else None, role))
    return out


NOTHING = Q(pk__in=[])

# --- the named building blocks of every scope (filters on Household unless said otherwise) -------
# They are correlated EXISTS tests rather than IN (subquery): a search or a list first narrows the
# households by its own conditions, and the database then checks just those rows by index.


def site_households(site_ids: Iterable[int]) -> Q:
    """Families whose home site is one of these, or with a child enrolled at one of them."""
    site_ids = list(site_ids)
    enrolled_here = model("people.Enrolment").objects.filter(
        student__household_id=OuterRef("pk"), site_id__in=site_ids, is_active=True
    )
    guardian_of_enrolled = model("people.GuardianStudent").objects.filter(
        guardian__household_id=OuterRef("pk"),
        student__enrolments__site_id__in=site_ids,
        student__enrolments__is_active=True,
    )
    return Q(site_id__in=site_ids) | Q(Exists(enrolled_here)) | Q(Exists(guardian_of_enrolled))


def taught_students(user: Person) -> QuerySet[Any]:
    """The students in this teacher's active class sections (a Student queryset)."""
    students: QuerySet[Any] = model("people.Student").objects.filter(
        class_sections__teachers=user, class_sections__is_active=True
    )
    return students


def assigned(user: Person, role: str) -> Q:
    """Families currently assigned to this person in this role (a liaison's caseload, an
    interpreter's families)."""
    return Q(
        Exists(
            model("people.HouseholdAssignment")
            .objects.current()
            .filter(household_id=OuterRef("pk"), staff=user, role=role)
        )
    )


def prefixed(q: Q, prefix: str) -> Q:
    """Re-root a Household filter onto a model that points at households through `prefix`."""
    if q == Q():
        return Q()
    return Q(**{f"{prefix}__in": model("people.Household").objects.filter(q).values("id")})


def reached(q: Q, prefix: str) -> Q:
    """Re-root a Household filter for the door, which fetches one record by its id: an EXISTS
    asking the rule of the one household the record points at through `prefix`. `prefixed`'s
    IN (subquery) selects the same records, but SQLite builds its whole list first, every family
    in scope with the rule's subqueries (5 ms of CPU for a liaison's 1,400 families on the demo)
    before it looks at the one record."""
    if q == Q():
        return Q()
    return Q(Exists(model("people.Household").objects.filter(q, pk=OuterRef(prefix))))


def household_rule(user: Person) -> Q:
    """The rule on Household selecting what this person may open, asked of the database as it is
    now (the door, and the scope set household_filter reads, ask it)."""
    access = access_for(user)
    if access.superuser:
        return Q()
    q = NOTHING
    if access.admin_district_ids:
        q |= Q(district_id__in=access.admin_district_ids)
    if access.site_ids:
        q |= site_households(access.site_ids)
    if access.is_liaison:
        q |= assigned(user, AssignmentRole.LIAISON)
    if access.is_teacher:
        taught = taught_students(user)
        q |= Q(Exists(taught.filter(household_id=OuterRef("pk")))) | Q(
            Exists(
                model("people.GuardianStudent").objects.filter(
                    guardian__household_id=OuterRef("pk"), student__in=taught
                )
            )
        )
    if access.is_interpreter:
        q |= assigned(user, AssignmentRole.INTERPRETER)
    return q


def _by_district_alone(access: Access) -> bool:
    """Whether the scope is a superuser's everything or an admin's districts and nothing more: a
    plain filter, with no set worth keeping."""
    return access.superuser or not (
        access.site_ids or access.is_liaison or access.is_teacher or access.is_interpreter
    )


def fingerprint(access: Access) -> tuple[Any, ...]:
    """The roles and places an answer kept for this person depends on (a cache entry's key part)."""
    return (
        access.superuser,
        tuple(sorted(access.admin_district_ids)),
        tuple(sorted(access.leader_site_ids)),
        tuple(sorted(access.liaison_site_ids)),
        tuple(sorted(access.roles)),
    )


def _scope_set(user: Person, name: str, rule: Callable[[], Q]) -> frozenset[int]:
    """The ids of the families `rule()` selects, as scope set `name`: read once per request from
    the shared cache, computed there (the rule built only then) when a write may have changed it
    (cache.scopes_changed)."""
    access = access_for(user)

    def compute() -> frozenset[int]:
        rows = model("people.Household").objects.filter(rule())
        return frozenset(rows.values_list("pk", flat=True))

    return kept(
        ("scope set", name, access.user_id),
        lambda: shared_set(name, user.pk, fingerprint(access), compute),
    )


def visible_household_ids(user: Person) -> frozenset[int]:
    """The families household_rule selects for this person (their scope set)."""
    return _scope_set(user, "households", lambda: household_rule(user))


def seen_in_full_ids(user: Person) -> frozenset[int]:
    """The families of this person's sites and, for a liaison, their caseload: those they see in
    full without being the family's admin (a set kept like visible_household_ids)."""
    access = access_for(user)
    if not (access.site_ids or access.is_liaison):
        return frozenset()

    def rule() -> Q:
        q = NOTHING
        if access.site_ids:
            q |= site_households(access.site_ids)
        if access.is_liaison:
            q |= assigned(user, AssignmentRole.LIAISON)
        return q

    return _scope_set(user, "full", rule)


def household_filter(user: Person) -> Q:
    """A filter on Household selecting what this person may see in a list (the person's scope
    set; a plain filter for a superuser or an admin of districts alone)."""
    access = access_for(user)
    if _by_district_alone(access):
        return household_rule(user)
    return Q(IdIn("pk", visible_household_ids(user)))


def households_in_scope(user: Person, path: str = "household_id") -> Q:
    """household_filter on a model that points at households through `path` (a Q() for everyone:
    a superuser)."""
    access = access_for(user)
    if access.superuser:
        return Q()
    if _by_district_alone(access):
        return prefixed(household_rule(user), path)
    return Q(IdIn(path, visible_household_ids(user)))


def scope_stamp(user: Person, *, version: bool = True) -> str:
    """(One read of the shared cache.) What a part of a page kept for this person (in the shared
    cache) depends on in their scope: the scope version, the day (caseloads start and end on
    dates) and their roles and places. A key holding it is given up by any change of who sees
    which family. `version=False`: the day and roles alone, no read (for a part whose record the
    door has just checked, kept for the minute)."""
    digest = hashlib.sha256(repr(fingerprint(access_for(user))).encode()).hexdigest()[:16]
    day = timezone.localdate().isoformat()
    if not version:
        return f"{day}:{digest}"
    # The person's scope set comes along: the page drawn afresh reads it next.
    return f"{scope_version(user.pk, 'households')}:{day}:{digest}"


def may_skip_scope_filter(user: Person) -> bool:
    """Whether in_scope_cheaply can say yes for this person (admins, liaisons)."""
    access = access_for(user)
    return access.superuser or bool(access.admin_district_ids) or access.is_liaison


def in_scope_cheaply(user: Person, household: Record) -> bool:
    """True when household_filter(user) certainly selects this family, by the cheap parts of it:
    an admin's district, a liaison's caseload. False means "ask household_filter", not "no"."""
    access = access_for(user)
    if access.superuser or household.district_id in access.admin_district_ids:
        return True
    return access.is_liaison and on_caseload(user, household)


def in_scope(user: Person, household: Record) -> bool:
    """Whether this person may open this family at all (household_rule, for one family, asked of
    the database: never the kept scope set)."""
    return in_scope_cheaply(user, household) or kept(
        ("scope", access_for(user).user_id, household.pk),
        lambda: (
            model("people.Household").objects.filter(household_rule(user), pk=household.pk).exists()
        ),
    )


def guardian_filter(user: Person) -> Q:
    access = access_for(user)
    if access.superuser:
        return Q()
    if access.works_with_families or access.is_interpreter:
        q = households_in_scope(user)
        if access.is_teacher:
            q |= Q(student_links__student__in=taught_students(user))
        return q
    if access.is_teacher:
        return Q(
            id__in=taught_students(user).values("guardian_links__guardian_id")
        ) | households_in_scope(user)
    return NOTHING


def student_filter(user: Person) -> Q:
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
            scope |= site_households(access.site_ids)
        if access.is_liaison:
            scope |= assigned(user, AssignmentRole.LIAISON)
        q |= prefixed(scope, "household_id")
        if access.site_ids:
            q |= Q(enrolments__site_id__in=access.site_ids, enrolments__is_active=True)
    if access.is_teacher:
        q |= Q(id__in=taught_students(user).values("id"))
    if access.is_interpreter:
        q |= prefixed(assigned(user, AssignmentRole.INTERPRETER), "household_id")
    return Q(id__in=model("people.Student").objects.filter(q).values("id"))


# --- what a person may do with a record they can see -------------------------------------


def full_view(user: Person, household: Record) -> bool:
    """Everything about the family (notes, programmes, every child): admins, leaders, liaisons."""
    access = access_for(user)
    if access.is_admin:
        return True
    # A liaison's own caseload first: one indexed lookup, often already answered (break the glass).
    return kept(
        ("full", access.user_id, household.pk),
        lambda: (
            (access.is_liaison and on_caseload(user, household))
            or bool(access.site_ids and in_sites(household, access.site_ids))
        ),
    )


def can_edit_household(user: Person, household: Record) -> bool:
    return full_view(user, household)


def can_create_household(user: Person) -> bool:
    access = access_for(user)
    return access.is_admin or bool(access.site_ids)


def can_manage_caseloads(user: Person) -> bool:
    access = access_for(user)
    return access.is_admin or bool(access.leader_site_ids)


def can_see_programmes(user: Person, student: Record) -> bool:
    """Programmes (IEP, 504, ...) are for those who work with the family, and the child's own teachers."""
    if access_for(user).is_admin or (student.household_id and full_view(user, student.household)):
        return True
    return bool(
        access_for(user).is_teacher
        and student.class_sections.filter(teachers=user, is_active=True).exists()
    )


def visible_students(user: Person, household: Record) -> QuerySet[Any]:
    """The children of this household the person may see: a teacher sees only those they teach.
    For those who see every child it is `household.students.all()`: the household's prefetched
    children when the page prefetched them, no query of its own."""
    qs: QuerySet[Any] = household.students.all()
    if full_view(user, household):
        return qs
    return qs.filter(student_filter(user))


def on_caseload(user: Person, household: Record) -> bool:
    """Whether the family is on this person's caseload (assigned to them as its liaison)."""
    return is_assigned(user, household, AssignmentRole.LIAISON)


def _assigned_key(user: Person, household_id: int, role: str) -> tuple[str, int, int, str]:
    return ("assigned", user.pk, household_id, role)


def with_caseload_answer(qs: QuerySet[Any], user: Person, household: str = "pk") -> QuerySet[Any]:
    """The door's fetch (`household`: the path to the family's id) asking at the same time whether
    the family is on this liaison's caseload: `remember_caseload` then keeps the answer, so the
    checks that follow (scope, break the glass, full view) ask the database nothing more."""
    if not access_for(user).is_liaison:
        return qs
    annotated: QuerySet[Any] = qs.annotate(
        policy_on_caseload=Exists(
            model("people.HouseholdAssignment")
            .objects.current()
            .filter(household_id=OuterRef(household), staff=user, role=AssignmentRole.LIAISON)
        )
    )
    return annotated


def remember_caseload(user: Person, found: Record, household_id: int | None) -> None:
    """Keep the answer a `with_caseload_answer` fetch brought along (nothing when it asked none)."""
    if household_id is not None and hasattr(found, "policy_on_caseload"):
        keep(
            _assigned_key(user, household_id, AssignmentRole.LIAISON),
            bool(found.policy_on_caseload),
        )


def is_assigned(user: Person, household: Record, role: str) -> bool:
    """Whether the family is currently assigned to this person in this role."""
    return kept(
        _assigned_key(user, household.pk, role),
        lambda: bool(
            model("people.HouseholdAssignment")
            .objects.current()
            .filter(staff=user, household=household, role=role)
            .exists()
        ),
    )


def in_sites(household: Record, site_ids: Iterable[int]) -> bool:
    """Whether the family belongs to one of these sites (its home, or a child enrolled there)."""
    site_ids = frozenset(site_ids)
    return kept(
        ("sites", household.pk, site_ids),
        lambda: bool(
            model("people.Household")
            .objects.filter(site_households(site_ids), pk=household.pk)
            .exists()
        ),
    )


def needs_reason_to_open(user: Person, household: Record) -> bool:
    """Break the glass: a liaison opening a family that is not on their caseload says why."""
    access = access_for(user)
    if access.is_admin or (access.leader_site_ids and in_sites(household, access.leader_site_ids)):
        return False
    if not access.is_liaison:
        return False
    return not on_caseload(user, household)
