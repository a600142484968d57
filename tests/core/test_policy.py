"""The policy's scopes, asked directly: who sees which families, guardians and students, and what
they may do with them (the access matrix asks the same through the pages)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q

from liaison.core import policy
from liaison.people.choices import Role
from liaison.people.models import Guardian, Household, Student
from tests import factories as f


def _names(model, q):
    return set(
        model.objects.filter(q).values_list(
            "family_name" if model is not Household else "name", flat=True
        )
    )


@pytest.fixture
def superuser(world):
    return f.UserFactory(username="root", is_superuser=True)


def test_nobody_signed_in_and_a_disabled_account_have_no_scope(world):
    assert policy.access_for(None) is policy.NO_ACCESS
    assert policy.access_for(AnonymousUser()) is policy.NO_ACCESS
    world.liaison.is_active = False
    assert policy.access_for(world.liaison) is policy.NO_ACCESS


def test_a_superuser_sees_every_family_of_every_district(world, superuser):
    access = policy.access_for(superuser)
    assert access.is_admin and Role.DISTRICT_ADMIN in access.roles
    assert policy.household_filter(superuser) == Q()
    assert policy.guardian_filter(superuser) == Q()
    assert policy.student_filter(superuser) == Q()
    assert policy.prefixed(policy.household_filter(superuser), "household_id") == Q()
    assert policy.in_scope_cheaply(superuser, world.foreign_family)


def test_a_site_leader_role_without_a_site_leads_nothing(world):
    user = f.UserFactory(username="nositeleader")
    f.MembershipFactory(user=user, district=world.district, site=None, role=Role.SITE_LEADER)
    access = policy.access_for(user)
    assert not access.is_leader
    assert not policy.in_scope(user, world.site_family)


def test_a_teacher_sees_the_guardians_and_children_they_teach_only(world):
    teacher = world.teacher
    guardians = set(
        Guardian.objects.filter(policy.guardian_filter(teacher)).values_list(
            "household__name", flat=True
        )
    )
    assert guardians == {world.taught_family.name}
    students = set(
        Student.objects.filter(policy.student_filter(teacher)).values_list(
            "household__name", flat=True
        )
    )
    assert students == {world.taught_family.name}


def test_a_teacher_who_is_also_a_liaison_sees_both_scopes(world):
    f.MembershipFactory(
        user=world.teacher, district=world.district, site=world.school, role=Role.LIAISON
    )
    households = set(
        Guardian.objects.filter(policy.guardian_filter(world.teacher)).values_list(
            "household__name", flat=True
        )
    )
    assert world.site_family.name in households and world.taught_family.name in households
    assert world.other_site_family.name not in households


def test_someone_with_no_role_sees_no_guardian_and_no_student(world):
    assert not Guardian.objects.filter(policy.guardian_filter(world.outsider)).exists()
    assert not Student.objects.filter(policy.student_filter(world.outsider)).exists()


def test_leaders_liaisons_and_interpreters_see_the_children_of_their_families(world):
    def families(user):
        return set(
            Student.objects.filter(policy.student_filter(user)).values_list(
                "household__name", flat=True
            )
        )

    assert world.site_family.name in families(world.leader)
    assert world.other_site_family.name not in families(world.leader)
    assert world.caseload_family.name in families(world.liaison)
    assert families(world.interpreter) == {world.interpreted_family.name}
    assert world.foreign_family.name not in families(world.admin)


def test_programmes_are_for_those_who_work_with_the_family_and_the_childs_teachers(world):
    taught = world.taught_family.students.first()
    other = world.site_family.students.first()
    assert policy.can_see_programmes(world.admin, other)
    assert policy.can_see_programmes(world.leader, other)
    assert policy.can_see_programmes(world.teacher, taught)
    assert not policy.can_see_programmes(world.teacher, other)
    assert not policy.can_see_programmes(
        world.interpreter, world.interpreted_family.students.first()
    )
    orphan = f.StudentFactory(household=None, district=world.district, family_name="Alone")
    assert not policy.can_see_programmes(world.leader, orphan)


def test_a_teacher_sees_only_the_children_they_teach_in_a_family(world):
    family = world.taught_family
    other_child = f.StudentFactory(household=family, district=world.district)
    seen = set(policy.visible_students(world.teacher, family))
    assert other_child not in seen and seen
    assert other_child in set(policy.visible_students(world.leader, family))


@pytest.mark.parametrize(
    ("role", "family", "asked"),
    [
        ("admin", "site_family", False),
        ("leader", "site_family", False),
        ("teacher", "taught_family", False),
        ("interpreter", "interpreted_family", False),
        ("liaison", "caseload_family", False),
        ("liaison", "site_family", True),
    ],
)
def test_only_a_liaison_off_their_caseload_is_asked_why(world, role, family, asked):
    assert policy.needs_reason_to_open(getattr(world, role), getattr(world, family)) is asked


def test_who_creates_families_manages_caseloads_and_reads_restriction_reasons(world):
    assert policy.can_create_household(world.leader)
    assert not policy.can_create_household(world.teacher)
    assert policy.can_manage_caseloads(world.leader)
    assert not policy.can_manage_caseloads(world.liaison)
    assert policy.can_see_restriction_reason(world.liaison, world.caseload_family)
    assert not policy.can_see_restriction_reason(world.teacher, world.taught_family)


def test_in_scope_says_who_may_open_a_family_at_all(world):
    assert policy.in_scope(world.teacher, world.taught_family)
    assert not policy.in_scope(world.teacher, world.site_family)
    assert policy.in_scope(world.liaison, world.site_family)
    assert not policy.in_scope_cheaply(world.liaison, world.site_family)
    assert not policy.in_scope(world.admin, world.foreign_family)


def test_the_named_scope_blocks_select_the_families_they_say(world):
    from liaison.people.choices import AssignmentRole

    assert _names(Household, policy.site_households([world.other_school.pk])) == {
        world.other_site_family.name,
        world.interpreted_family.name,
    }
    assert _names(Household, policy.assigned(world.liaison, AssignmentRole.LIAISON)) == {
        world.caseload_family.name
    }
    assert set(policy.taught_students(world.teacher)) == set(world.taught_family.students.all())
    assert policy.is_assigned(
        world.interpreter, world.interpreted_family, AssignmentRole.INTERPRETER
    )
    assert policy.in_sites(world.site_family, [world.school.pk])
    assert not policy.in_sites(world.foreign_family, [world.school.pk])
