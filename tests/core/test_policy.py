"""The policy's scopes, asked directly: who sees which families, guardians and students, and what
they may do with them (the access matrix asks the same through the pages)."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from liaison.core import policy
from liaison.core.policy import scopes
from liaison.people.choices import Role
from liaison.people.models import Guardian, Household, HouseholdAssignment, Student
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
    assert scopes.reached(policy.household_filter(superuser), "household_id") == Q()
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


# --- attendance ----------------------------------------------------------------------------


def test_attendance_imports_are_for_the_admins_of_their_district(world, superuser):
    from liaison.attendance.models import AttendanceImport
    from liaison.core.policy import attendance as attendance_policy

    other_admin = f.UserFactory(username="other-admin")
    f.MembershipFactory(user=other_admin, district=world.other_district, role=Role.DISTRICT_ADMIN)
    ours = AttendanceImport.objects.create(
        district=world.district, kind="events", source="command", file_name="a.csv"
    )
    assert attendance_policy.can_import_attendance(world.admin)
    assert not attendance_policy.can_import_attendance(world.liaison)
    assert attendance_policy.can_see_attendance_import(world.admin, ours)
    assert attendance_policy.can_see_attendance_import(superuser, ours)
    assert not attendance_policy.can_see_attendance_import(other_admin, ours)
    assert not attendance_policy.can_see_attendance_import(world.leader, ours)


def test_the_schools_attendance_message_is_sent_by_admins_and_by_a_leader_for_their_school(
    world, superuser
):
    from liaison.core.policy import attendance as attendance_policy

    send = attendance_policy.can_send_attendance_message
    district = world.district.pk
    far_site = world.foreign_family.students.get().enrolments.get().site
    # The district's admins: the whole district or any of its schools; a superuser likewise.
    assert send(world.admin, district)
    assert send(world.admin, district, world.other_school)
    assert send(superuser, world.other_district.pk)
    # A school of another district is never "of" this one, whoever asks.
    assert not send(world.admin, district, far_site)
    assert not send(superuser, district, far_site)
    # A site leader: their own school only, never the whole district or another school.
    assert send(world.leader, district, world.school)
    assert not send(world.leader, district)
    assert not send(world.leader, district, world.other_school)
    # Liaisons, teachers and others: nothing.
    assert not send(world.liaison, district, world.school)
    assert not send(world.outsider, district)


def test_the_attendance_message_offers_the_schools_each_sender_may_choose(world, superuser):
    from liaison.core.policy import attendance as attendance_policy
    from liaison.people.models import Site

    def schools(user):
        return set(
            Site.objects.filter(attendance_policy.attendance_message_site_filter(user)).values_list(
                "name", flat=True
            )
        )

    assert schools(world.leader) == {"Alder Elementary"}
    assert schools(world.admin) == {"Alder Elementary", "Birch Middle", "Testville ECE"}
    assert "Far School" in schools(superuser)
    assert schools(world.liaison) == set()


# --- scope sets kept in the shared cache (core/policy/cache.py) ------------------------------


def _listed(user):
    """The families a list shows this person, as the next request reads them (a fresh request:
    its own store of answers, the shared cache as it stands)."""
    with policy.answers_kept():
        return set(
            Household.objects.filter(policy.household_filter(user)).values_list("name", flat=True)
        )


def test_a_scope_set_is_read_from_the_shared_cache_in_one_query(world, django_assert_num_queries):
    ids = _listed(world.liaison)
    assert world.caseload_family.name in ids and world.foreign_family.name not in ids
    with policy.answers_kept():
        policy.access_for(world.liaison)
        with django_assert_num_queries(1):  # the version and the set, in one read of the cache
            kept = policy.visible_household_ids(world.liaison)
        assert policy.visible_household_ids(world.liaison) is kept  # then once per request
    assert world.caseload_family.pk in kept


def test_a_family_taken_off_a_liaisons_caseload_is_gone_from_their_next_request(world, client):
    from liaison.people import services

    far = world.other_site_family  # not at the liaison's school: seen only while on the caseload
    services.assign_household(household=far, staff=world.liaison, by=world.leader)
    client.force_login(world.liaison)
    assert far.name in _listed(world.liaison)
    assert client.get(reverse("people:household", args=[far.pk])).status_code == 200
    assert far.name in client.get(reverse("people:search") + "?q=Othersite").content.decode()

    # Ended as the hand-over service ends one: a bulk update (no model signal), here dated
    # yesterday (an assignment ended today still counts until the day is over).
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    HouseholdAssignment.objects.filter(household=far, staff=world.liaison).update(
        ended_on=yesterday
    )

    assert far.name not in _listed(world.liaison)
    assert client.get(reverse("people:household", args=[far.pk])).status_code == 404
    assert far.name not in client.get(reverse("people:search") + "?q=Othersite").content.decode()


def test_a_hand_over_moves_the_family_to_the_new_liaisons_set(world):
    from liaison.people import services

    far = world.other_site_family
    other = f.UserFactory(username="liaison-b")
    f.MembershipFactory(user=other, district=world.district, site=world.school)
    assert far.name not in _listed(other)
    services.assign_household(household=far, staff=other, by=world.leader)
    assert far.name in _listed(other)


def test_an_assignment_ended_or_deleted_on_its_own_drops_the_family(world):
    far = world.other_site_family
    assignment = f.AssignmentFactory(staff=world.liaison, household=far)
    assert far.name in _listed(world.liaison)
    assignment.ended_on = timezone.localdate() - dt.timedelta(days=1)
    assignment.save()
    assert far.name not in _listed(world.liaison)
    assignment.ended_on = None
    assignment.save()
    assert far.name in _listed(world.liaison)
    assignment.delete()
    assert far.name not in _listed(world.liaison)


def test_a_set_kept_on_another_day_is_not_used(world):
    from django.core.cache import cache

    from liaison.core.policy.cache import SCOPE_VERSION

    assert world.caseload_family.name in _listed(world.liaison)
    key = f"liaison:policy:scope:households:{world.liaison.pk}"
    version, _day, fingerprint, _ids = cache.get(key)
    assert cache.get(SCOPE_VERSION) == version
    # Kept yesterday, when the caseload was different: today asks the database again.
    cache.set(key, (version, "2000-01-01", fingerprint, frozenset()))
    assert world.caseload_family.name in _listed(world.liaison)


def test_a_lost_version_is_drawn_again_and_every_kept_set_dropped(world):
    from django.core.cache import cache

    from liaison.core.policy.cache import SCOPE_VERSION

    key = f"liaison:policy:scope:households:{world.liaison.pk}"
    _listed(world.liaison)
    version, day, fingerprint, _ids = cache.get(key)
    cache.set(key, (version, day, fingerprint, frozenset()))
    cache.delete(SCOPE_VERSION)  # evicted
    assert world.caseload_family.name in _listed(world.liaison)
    assert cache.get(SCOPE_VERSION) not in (None, version)


def test_a_set_kept_under_other_roles_is_not_used(world):
    from django.core.cache import cache

    _listed(world.liaison)
    key = f"liaison:policy:scope:households:{world.liaison.pk}"
    version, day, _fingerprint, _ids = cache.get(key)
    cache.set(key, (version, day, ("other roles",), frozenset()))
    assert world.site_family.name in _listed(world.liaison)


def test_a_liaison_moved_to_another_school_sees_its_families_and_not_the_old_ones(world):
    membership = world.liaison.memberships.get()
    assert world.site_family.name in _listed(world.liaison)
    membership.site = world.other_school
    membership.save()
    listed = _listed(world.liaison)
    assert world.site_family.name not in listed
    assert world.other_site_family.name in listed


def test_an_ended_enrolment_takes_the_family_out_of_the_schools_set(world):
    from liaison.core.db import update_rows
    from liaison.people.models import Enrolment

    family = world.site_family
    enrolment = Enrolment.objects.get(student__household=family)
    assert family.name in _listed(world.leader)
    enrolment.is_active = False
    enrolment.save()
    assert family.name not in _listed(world.leader)
    Enrolment.objects.filter(pk=enrolment.pk).update(is_active=True)  # a bulk write
    assert family.name in _listed(world.leader)
    update_rows(Enrolment, ["is_active"], [(False, enrolment.pk)])  # a bulk loader's write
    assert family.name not in _listed(world.leader)


def test_a_child_taken_off_a_class_takes_the_family_from_the_teacher(world):
    from liaison.people.models import ClassSection

    section = ClassSection.objects.get(teachers=world.teacher)
    child = world.taught_family.students.get()
    assert world.taught_family.name in _listed(world.teacher)
    section.students.remove(child)
    assert world.taught_family.name not in _listed(world.teacher)
    section.students.add(child)
    assert world.taught_family.name in _listed(world.teacher)


def test_moving_a_family_to_another_school_changes_who_sees_it(world):
    family = f.HouseholdFactory(district=world.district, name="Moving household")
    assert family.name not in _listed(world.leader)
    family.site = world.school
    family.save(update_fields=["site"])
    assert family.name in _listed(world.leader)
    Household.objects.filter(pk=family.pk).update(site=world.other_school)
    assert family.name not in _listed(world.leader)


def test_writes_that_change_no_scope_keep_the_sets(world):
    from django.core.cache import cache

    from liaison.core.policy.cache import SCOPE_VERSION, touches_scope

    _listed(world.liaison)
    version = cache.get(SCOPE_VERSION)
    family = world.caseload_family
    family.notes = "Prefers mornings"
    family.save(update_fields=["notes"])
    Household.objects.filter(pk=family.pk).update(notes="Prefers evenings")
    Guardian.objects.filter(household=family).update(preferred_language="es")
    assert cache.get(SCOPE_VERSION) == version
    assert not touches_scope("messaging.Message")


def test_a_write_in_a_transaction_drops_the_sets_now_and_again_at_commit_once(world):
    from django.core.cache import cache
    from django.db import connection

    from liaison.core.policy.cache import SCOPE_VERSION, _new_version

    def at_commit():
        return sum(callback is _new_version for _i, callback, _r in connection.run_on_commit)

    far = world.other_site_family
    f.AssignmentFactory(staff=world.liaison, household=far)
    first = cache.get(SCOPE_VERSION)
    assert far.name in _listed(world.liaison)  # this transaction sees its own write at once
    # A write after a read draws a new version; more writes with no read between draw none ...
    f.AssignmentFactory(staff=world.liaison, household=world.interpreted_family)
    after_read = cache.get(SCOPE_VERSION)
    assert after_read != first
    f.AssignmentFactory(staff=world.liaison, household=world.foreign_family)
    assert cache.get(SCOPE_VERSION) == after_read
    # ... and the commit draws one more, once for the whole transaction.
    assert at_commit() == 1


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_every_write_draws_a_new_version():
    from django.core.cache import cache

    from liaison.core.policy.cache import SCOPE_VERSION, scopes_changed

    scopes_changed()
    first = cache.get(SCOPE_VERSION)
    scopes_changed()
    assert cache.get(SCOPE_VERSION) not in (None, first)


def test_the_families_seen_in_full_are_the_sites_and_the_caseload(world):
    from tests.concerns.factories import colleague

    assert world.site_family.pk in policy.seen_in_full_ids(world.leader)
    assert world.caseload_family.pk in policy.seen_in_full_ids(world.liaison)
    roaming = colleague(world.district, "roaming")  # a liaison of no school
    f.AssignmentFactory(staff=roaming, household=world.other_site_family)
    assert policy.seen_in_full_ids(roaming) == {world.other_site_family.pk}


def test_the_sets_for_lists_of_other_records(world, superuser):
    from liaison.core.db import IdIn

    assert policy.households_in_scope(superuser) == Q()
    admin_only = policy.households_in_scope(world.admin)
    assert not any(isinstance(c, IdIn) for c in admin_only.children)
    assert world.caseload_family.pk in policy.seen_in_full_ids(world.liaison)
    assert world.foreign_family.pk not in policy.seen_in_full_ids(world.liaison)
    assert policy.seen_in_full_ids(world.teacher) == frozenset()
    assert repr(IdIn("household_id", [3, 1])) == "IdIn(F(household_id), <2 ids>)"


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


def test_the_scope_version_is_drawn_when_the_shared_cache_has_none(world):
    """A cache emptied (a Redis restart, a cull) gets a version at the first read, kept for the
    next ones; a change of scope then draws another, so what was kept under it is given up."""
    from django.core.cache import cache

    from liaison.core.policy.cache import SCOPE_VERSION, scope_version, scopes_changed

    cache.delete(SCOPE_VERSION)
    first = scope_version()
    assert first and first != "None"
    assert scope_version(world.liaison.pk, "households") == first
    scopes_changed()
    assert scope_version() != first
