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


def test_who_creates_families_and_manages_caseloads(world):
    assert policy.can_create_household(world.leader)
    assert not policy.can_create_household(world.teacher)
    assert policy.can_manage_caseloads(world.leader)
    assert not policy.can_manage_caseloads(world.liaison)


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


def test_a_liaison_without_a_school_sees_the_children_of_their_caseload_only(world):
    from tests.concerns.factories import colleague

    roaming = colleague(world.district, "roaming")
    f.AssignmentFactory(staff=roaming, household=world.site_family)
    seen = _names(Student, policy.student_filter(roaming))
    assert seen == set(world.site_family.students.values_list("family_name", flat=True))
    assert not Student.objects.filter(
        policy.student_filter(roaming), household=world.caseload_family
    ).exists()


# --- concerns ------------------------------------------------------------------------------


def _concerns(q):
    from liaison.concerns.models import Concern

    return set(Concern.objects.filter(q))


def test_a_superuser_opens_every_concern_but_the_one_about_themselves(world, superuser):
    from liaison.core.policy import concerns as concern_policy
    from tests.concerns import factories as cf

    f.MembershipFactory(user=superuser, district=world.district, role=Role.DISTRICT_ADMIN)
    here = cf.concern(world.site_family)
    abroad = cf.concern(world.foreign_family)
    about_them = cf.concern(world.site_family, subject_staff=superuser)
    seen = _concerns(concern_policy.concern_filter(superuser))
    assert {here, abroad} <= seen and about_them not in seen


def test_nobody_signed_in_opens_no_concern_not_even_an_unassigned_one(world):
    from liaison.core.policy import concerns as concern_policy
    from tests.concerns import factories as cf

    unassigned = cf.concern(world.site_family)
    assert unassigned.assignee_id is None
    assert _concerns(concern_policy.concern_filter(AnonymousUser())) == set()


def test_off_the_family_a_liaison_sees_only_the_concerns_assigned_to_them(world):
    from liaison.core.policy import concerns as concern_policy
    from tests.concerns import factories as cf

    roaming = cf.colleague(world.district, "roaming")
    theirs = cf.concern(world.site_family, assignee=roaming)
    cf.concern(world.site_family, assignee=world.leader)
    assert _concerns(concern_policy.concern_filter_in(roaming, world.site_family)) == {theirs}


def _notes(user, household):
    from liaison.concerns.models import ConcernNote
    from liaison.core.policy import concerns as concern_policy

    return set(
        ConcernNote.objects.filter(concern_policy.note_filter(user, household)).values_list(
            "body", flat=True
        )
    )


def test_a_superuser_reads_the_confidential_notes_nobody_signed_in_reads_none(world, superuser):
    from liaison.concerns import services
    from tests.concerns import factories as cf

    family = world.site_family
    concern = cf.concern(family)  # unassigned, and a note without an author
    services.add_note(concern=concern, body="confidential", by=None, restricted=True)
    services.add_note(concern=concern, body="ordinary", by=None)
    assert _notes(superuser, family) == {"confidential", "ordinary"}
    assert _notes(AnonymousUser(), family) == {"ordinary"}


def test_the_subject_of_a_concern_may_not_work_on_it_even_leading_the_site(world):
    from liaison.core.policy import concerns as concern_policy
    from tests.concerns import factories as cf

    concern = cf.concern(world.site_family, subject_staff=world.leader)
    assert not concern_policy.can_work_on(world.leader, concern)
    assert concern_policy.can_work_on(world.admin, concern)


def test_a_superuser_hands_concerns_between_any_active_accounts(world, superuser):
    from liaison.core.policy import concerns as concern_policy

    gone = f.UserFactory(username="gone", is_active=False)
    abroad = f.UserFactory(username="abroad")
    f.MembershipFactory(user=abroad, district=world.other_district, role=Role.LIAISON)
    staff = set(concern_policy.reassignable_staff(superuser))
    assert {world.liaison, abroad, world.outsider} <= staff and gone not in staff
    assert abroad not in set(concern_policy.reassignable_staff(world.admin))


def test_a_superuser_sets_the_categories_of_every_district_an_admin_of_their_own(world, superuser):
    from liaison.core.policy import concerns as concern_policy

    assert set(concern_policy.category_districts(superuser)) == {
        world.district,
        world.other_district,
    }
    assert set(concern_policy.category_districts(world.admin)) == {world.district}


# --- events --------------------------------------------------------------------------------


def test_a_superuser_sees_and_holds_events_in_every_district(world, superuser):
    from liaison.core.policy import events as event_policy
    from liaison.events.models import Event
    from tests.events.factories import EventFactory

    here = EventFactory(district=world.district, site=world.school)
    abroad = EventFactory(district=world.other_district)
    assert {here, abroad} <= set(Event.objects.filter(event_policy.event_filter(superuser)))
    assert set(event_policy.event_sites(superuser)) >= {world.school, world.other_school}
    assert world.other_district.sites.first() in set(event_policy.event_sites(superuser))
    assert abroad not in set(Event.objects.filter(event_policy.event_filter(world.admin)))


def test_a_superuser_without_a_district_creates_events_in_the_first_one(world, superuser):
    from liaison.core.policy import events as event_policy

    assert event_policy.home_district(superuser) == world.district


def test_a_district_wide_event_is_run_by_the_schools_of_its_district_only(world):
    from liaison.core.policy import events as event_policy
    from tests.events.factories import EventFactory

    district_wide = EventFactory(district=world.district, site=None)
    abroad = EventFactory(district=world.other_district, site=None)
    assert event_policy.can_manage(world.leader, district_wide)
    assert event_policy.can_manage(world.liaison, district_wide)
    assert not event_policy.can_manage(world.leader, abroad)
    assert not event_policy.can_manage(world.teacher, district_wide)


def test_a_superuser_sees_the_groups_of_every_district(world, superuser):
    from liaison.core.policy import events as event_policy
    from liaison.events.choices import GroupKind
    from liaison.events.models import Group

    here = Group.objects.create(district=world.district, name="ELAC", kind=GroupKind.ELAC)
    abroad = Group.objects.create(district=world.other_district, name="PTA", kind=GroupKind.PTA)
    assert set(Group.objects.filter(event_policy.group_filter(superuser))) == {here, abroad}
    assert set(Group.objects.filter(event_policy.group_filter(world.admin))) == {here}


# --- insights ------------------------------------------------------------------------------


def test_a_superuser_without_a_district_reads_the_first_districts_figures(world, superuser):
    from liaison.core.policy import insights as insights_policy
    from liaison.core.policy.roles import Scope

    assert insights_policy.default_scope(superuser) == (Scope.DISTRICT, world.district.pk)
    district_id, sites, district_figures = insights_policy.advocacy_scope(superuser)
    assert district_id == world.district.pk and district_figures
    assert set(sites) == set(world.district.sites.all())


def test_a_superuser_reads_no_advocacy_summary_before_any_district_exists(db):
    from liaison.core.policy import insights as insights_policy

    root = f.UserFactory(username="root", is_superuser=True)
    assert insights_policy.advocacy_scope(root) is None
    assert insights_policy.default_scope(root) is None


def test_teachers_and_interpreters_have_no_dashboard(world):
    from liaison.core.policy import insights as insights_policy

    assert insights_policy.default_scope(world.teacher) is None
    assert insights_policy.default_scope(world.interpreter) is None


def test_an_admin_reads_the_figures_of_the_schools_of_their_district_only(world):
    from liaison.core.policy import insights as insights_policy
    from liaison.core.policy.roles import Scope

    assert insights_policy.may_view_scope(world.admin, Scope.SITE, world.other_school.pk)
    foreign_site = world.other_district.sites.first()
    assert not insights_policy.may_view_scope(world.admin, Scope.SITE, foreign_site.pk)


def test_a_caseloads_figures_are_not_for_a_teacher_nor_another_districts_admin(world):
    from liaison.core.policy import insights as insights_policy
    from liaison.core.policy.roles import Scope

    abroad = f.UserFactory(username="abroad")
    f.MembershipFactory(user=abroad, district=world.other_district, role=Role.LIAISON)
    assert not insights_policy.may_view_scope(world.teacher, Scope.CASELOAD, world.liaison.pk)
    assert not insights_policy.may_view_scope(world.admin, Scope.CASELOAD, abroad.pk)
    assert insights_policy.may_view_scope(world.admin, Scope.CASELOAD, world.liaison.pk)


def test_a_scope_the_dashboards_do_not_know_is_read_by_nobody(world, superuser):
    from liaison.core.policy import insights as insights_policy

    assert not insights_policy.may_view_scope(superuser, "planet", world.district.pk)


# --- language ------------------------------------------------------------------------------


def test_the_interpreter_given_a_request_sees_and_confirms_it_without_the_family(world):
    import datetime as dt

    from django.utils import timezone

    from liaison.core.policy import language as language_policy
    from liaison.language.models import Interpreter, InterpreterRequest

    family = world.site_family  # not the interpreter's family
    mine = Interpreter.objects.create(district=world.district, user=world.interpreter, name="Ana")
    other = f.UserFactory(username="other-interpreter")
    f.MembershipFactory(user=other, district=world.district, role=Role.INTERPRETER)
    request = InterpreterRequest.objects.create(
        district=world.district,
        household=family,
        language="vi",
        mode="phone",
        starts_at=timezone.now() + dt.timedelta(days=1),
        interpreter=mine,
    )
    assert language_policy.can_see_interpreter_request(world.interpreter, request)
    assert language_policy.can_confirm_interpreter_request(world.interpreter, request)
    assert not language_policy.can_see_interpreter_request(other, request)
    assert not language_policy.can_confirm_interpreter_request(other, request)
    assert not language_policy.can_assign_interpreter(world.interpreter, request)


# --- messaging -----------------------------------------------------------------------------


def test_a_superuser_lists_the_threads_of_every_district(world, superuser):
    from liaison.core.policy import messaging as message_policy
    from liaison.messaging.models import Conversation
    from liaison.messaging.services import conversation_for

    here = conversation_for(world.site_family)
    abroad = conversation_for(world.foreign_family)
    assert set(Conversation.objects.filter(message_policy.thread_filter(superuser))) == {
        here,
        abroad,
    }
    assert abroad not in set(Conversation.objects.filter(message_policy.thread_filter(world.admin)))


def test_a_site_leader_resends_an_announcement_only_when_every_school_it_went_to_is_theirs(world):
    from liaison.core.policy import messaging as message_policy
    from liaison.messaging.models import Message

    def announcement(district, sites=None):
        return Message(district=district, audience={"sites": sites} if sites else {})

    theirs = announcement(world.district, [world.school.pk])
    shared = announcement(world.district, [world.school.pk, world.other_school.pk])
    district_wide = announcement(world.district)
    assert message_policy.can_resend_announcement(world.admin, shared)
    assert message_policy.can_resend_announcement(world.leader, theirs)
    assert not message_policy.can_resend_announcement(world.leader, shared)
    assert not message_policy.can_resend_announcement(world.leader, district_wide)
    assert not message_policy.can_resend_announcement(world.liaison, theirs)
    assert not message_policy.can_resend_announcement(
        world.admin, announcement(world.other_district)
    )


# --- roster and audit ----------------------------------------------------------------------


def test_a_superuser_arranges_the_families_of_every_district(world, superuser):
    from liaison.core.policy import roster as roster_policy

    assert roster_policy.can_arrange_household(superuser, world.foreign_family)
    assert roster_policy.can_arrange_household(world.admin, world.site_family)
    assert not roster_policy.can_arrange_household(world.admin, world.foreign_family)


def test_an_import_run_is_seen_by_its_districts_admins_and_a_runs_without_one_by_its_starter(
    world, superuser
):
    from liaison.core.policy import roster as roster_policy
    from liaison.roster.models import ImportRun

    other_admin = f.UserFactory(username="other-admin")
    f.MembershipFactory(user=other_admin, district=world.other_district, role=Role.DISTRICT_ADMIN)
    ours = ImportRun.objects.create(district=world.district, source_name="a.zip")
    unplaced = ImportRun.objects.create(district=None, started_by=world.admin, source_name="b.zip")
    assert roster_policy.can_see_run(world.admin, ours)
    assert not roster_policy.can_see_run(other_admin, ours)
    assert not roster_policy.can_see_run(world.leader, ours)
    assert roster_policy.can_see_run(world.admin, unplaced)
    assert roster_policy.can_see_run(superuser, unplaced)
    assert not roster_policy.can_see_run(other_admin, unplaced)


def test_a_superuser_reads_the_access_log_of_every_family(world, superuser):
    from liaison.core.policy import audit as audit_policy

    assert set(audit_policy.access_log_households(superuser)) == set(Household.objects.all())
    assert world.foreign_family not in set(audit_policy.access_log_households(world.admin))


def _at_risk_families(user, world):
    """The families whose at-risk rows this person reads (a row per child of every world family)."""
    from liaison.attendance.models import AtRiskScore
    from liaison.core.policy import attendance as attendance_policy

    if not AtRiskScore.objects.exists():
        for student in Student.objects.all():
            AtRiskScore.objects.create(
                district_id=student.district_id,
                student=student,
                household=student.household,
                site=student.enrolments.get().site,
            )
    return set(
        AtRiskScore.objects.filter(attendance_policy.at_risk_filter(user)).values_list(
            "household__name", flat=True
        )
    )


def test_the_attendance_at_risk_list_is_read_by_admins_leaders_and_liaisons_only(world):
    from liaison.core.policy import attendance as attendance_policy

    readers = [world.admin, world.leader, world.liaison]
    assert all(attendance_policy.can_see_at_risk(u) for u in readers)
    assert not any(attendance_policy.can_see_at_risk(u) for u in (world.teacher, world.interpreter))


def test_the_at_risk_rows_follow_the_families_each_person_may_open(world, superuser):
    everyone = {h.name for h in Household.objects.all()}
    assert _at_risk_families(superuser, world) == everyone
    # An admin alone reads their district by the district; no family of another district.
    assert _at_risk_families(world.admin, world) == everyone - {"Foreign household"}
    school = {"Caseload household", "Sitefamily household", "Taught household"}
    assert _at_risk_families(world.liaison, world) == school
    assert _at_risk_families(world.leader, world) == school
    assert _at_risk_families(world.teacher, world) == set()
    # A liaison's caseload follows them to a family of another school.
    f.AssignmentFactory(staff=world.liaison, household=world.other_site_family)
    assert _at_risk_families(world.liaison, world) == school | {"Othersite household"}
    # An admin who is also a liaison elsewhere reads their district and that school's families.
    f.MembershipFactory(
        user=world.admin,
        district=world.other_district,
        site=world.foreign_family.students.first().enrolments.first().site,
        role=Role.LIAISON,
    )
    policy.forget(world.admin)
    assert _at_risk_families(world.admin, world) == everyone
