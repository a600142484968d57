"""The staff workspace: caseload, search, household page and caseload assignment."""

import pytest
from django.urls import reverse

from liaison.people import services
from liaison.people.choices import Role
from liaison.people.search import search_households
from tests import factories as f


def test_caseload_lists_only_my_families(client, world):
    client.force_login(world.liaison)
    html = client.get(reverse("people:caseload")).content.decode()
    assert "Caseload household" in html
    assert "Sitefamily household" not in html


def test_search_finds_by_guardian_child_phone_and_email(world):
    guardian = world.caseload_family.guardians.first()
    assert search_households(world.admin, "CaseloadParent") == [world.caseload_family]
    assert search_households(world.admin, "caseloadchild") == [world.caseload_family]
    assert world.caseload_family in search_households(world.admin, guardian.phone[-7:])
    assert search_households(world.admin, guardian.email) == [world.caseload_family]


def test_search_ignores_accents_and_forgives_typos(world):
    household = f.HouseholdFactory(
        district=world.district, name="Núñez household", site=world.school
    )
    f.GuardianFactory(household=household, given_name="José", family_name="Núñez")
    assert search_households(world.admin, "nunez jose") == [household]
    assert search_households(world.admin, "Nunes") == [household]


def test_search_never_shows_families_outside_scope(world):
    assert search_households(world.teacher, "Sitefamily") == []
    assert search_households(world.admin, "Foreign") == []
    assert search_households(world.teacher, "Taught") == [world.taught_family]


def test_liaisons_who_speak_the_language_are_offered_first(world):
    english_only = f.UserFactory(username="eng", languages=["en"])
    f.MembershipFactory(user=english_only, site=world.school, role=Role.LIAISON)
    somali = f.UserFactory(username="som", languages=["en", "so"])
    f.MembershipFactory(user=somali, site=world.other_school, role=Role.LIAISON)
    ranked = services.suggest_liaisons(world.other_site_family)  # a Somali-speaking family
    assert ranked[0] == somali and ranked[0].speaks_family_language


def test_leader_assigns_a_household_to_a_liaison(client, world):
    client.force_login(world.leader)
    url = reverse("people:household_assign", args=[world.site_family.pk])
    response = client.post(url, {"staff": world.liaison.pk, "note": "Vietnamese speaker needed"})
    assert response.status_code == 302
    client.force_login(world.liaison)
    html = client.get(reverse("people:caseload")).content.decode()
    assert "Sitefamily household" in html


def test_new_household_belongs_to_the_chosen_sites_district(client, world):
    client.force_login(world.leader)
    response = client.post(
        reverse("people:household_new"),
        {"name": "Okoye household", "site": world.school.pk, "home_languages": "en"},
    )
    assert response.status_code == 302
    from liaison.people.models import Household

    household = Household.objects.get(name="Okoye household")
    assert household.district == world.district and household.created_by == world.leader


def test_merging_households_moves_members_and_keeps_the_other_as_a_record(world):
    services.merge_households(keep=world.caseload_family, merge=world.site_family, by=world.admin)
    world.site_family.refresh_from_db()
    assert not world.site_family.is_active
    assert world.caseload_family.guardians.count() == 2
    assert search_households(world.admin, "Sitefamilyparent") == [world.caseload_family]


@pytest.mark.postgresql
def test_a_large_reindex_shows_the_planner_its_new_terms(world, monkeypatch):
    """A district's first search index (an import, a new install) is analysed once written: with
    an empty index's statistics PostgreSQL planned a liaison's search as a nested loop of their
    site's households over every term of a surname (440 ms a query at 20,000 households)."""
    from django.db import connection

    from liaison.people import search
    from liaison.people.models import Household, SearchTerm

    def planned_rows() -> float:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples FROM pg_class WHERE relname = %s", ["people_searchterm"]
            )
            return cursor.fetchone()[0]

    monkeypatch.setattr(search, "STATISTICS_AFTER_TERMS", 10**9)
    SearchTerm.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE people_searchterm")  # the index empty, as on a new install
    households = list(Household.objects.values_list("pk", flat=True))
    search.reindex(households)  # a few terms: left to autovacuum
    assert SearchTerm.objects.count() > 0 and planned_rows() <= 0
    SearchTerm.objects.all().delete()
    monkeypatch.setattr(search, "STATISTICS_AFTER_TERMS", 5)
    search.reindex(households)
    assert planned_rows() == SearchTerm.objects.count()
