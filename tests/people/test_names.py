"""Names lose bidi control characters on the way in, whichever way they come, and are shown
isolated in <bdi> so a right-to-left name cannot reorder the text around it."""

import io
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from liaison.people.models import Guardian, Household, Student, User
from liaison.portal.session import SESSION_KEY
from tests import factories as f
from tests.people.test_forms import _guardian_form
from tests.roster.test_households_csv import ROWS, write

RLO, PDF, LRI, PDI, LRE = "\u202e", "\u202c", "\u2066", "\u2069", "\u202a"
SPOOFED = f"Ana{RLO}gnp.exe{PDF}"  # would show as "Anaexe.png"
CLEAN = "Anagnp.exe"
ROSTER = Path(__file__).parents[1] / "roster" / "data"


def test_a_name_typed_with_bidi_controls_is_stored_without_them(client, world):
    client.force_login(world.liaison)
    response = client.post(
        reverse("people:guardian_new", args=[world.caseload_family.pk]),
        _guardian_form(given_name=SPOOFED, family_name=f"{LRI}Quintero{PDI}"),
    )
    assert response.status_code == 302
    guardian = Guardian.objects.get(phone="+16175550142")
    assert (guardian.given_name, guardian.family_name) == (CLEAN, "Quintero")


def test_every_way_into_the_database_strips_them(world):
    household = f.HouseholdFactory(district=world.district, name=f"{LRE}Okafor{PDF} household")
    assert Household.objects.get(pk=household.pk).name == "Okafor household"
    assert household.name == "Okafor household"  # the saved object shows what was stored
    student = world.caseload_family.students.first()
    Student.objects.filter(pk=student.pk).update(preferred_name=SPOOFED)
    assert Student.objects.get(pk=student.pk).preferred_name == CLEAN
    [made] = Guardian.objects.bulk_create(
        [Guardian(household=household, given_name=SPOOFED, family_name="Okafor")]
    )
    assert Guardian.objects.get(pk=made.pk).given_name == CLEAN
    world.liaison.first_name = SPOOFED
    world.liaison.save()
    assert User.objects.get(pk=world.liaison.pk).first_name == CLEAN


def test_the_admin_stores_names_without_them(client, world):
    superuser = f.UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(superuser)
    household = world.caseload_family
    url = reverse("admin:people_household_change", args=[household.pk])
    context = client.get(url).context
    form = context["adminform"].form
    data = {
        name: value
        for name, value in {**form.initial, "name": f"{RLO}Okafor{PDF} household"}.items()
        if value is not None and not isinstance(value, list | dict)
    }
    data["home_languages"] = '["es"]'
    for inline in context["inline_admin_formsets"]:  # the inlines are left as they are
        prefix = inline.formset.prefix
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    household.refresh_from_db()
    assert household.name == "Okafor household"


def test_the_households_csv_import_strips_them(world, tmp_path):
    rows = [list(row) for row in ROWS]
    rows[0][1] = f"{RLO}Garcia household"
    rows[0][4] = f"Ro{RLO}sa"
    out = io.StringIO()
    call_command(
        "import_households",
        str(write(tmp_path / "h.csv", rows)),
        "--district",
        "testville",
        stdout=out,
    )
    rosa = Guardian.objects.get(family_name="Garcia", given_name="Rosa")
    assert rosa.household.name == "Garcia household"


@pytest.mark.django_db
def test_the_oneroster_import_strips_them(tmp_path):
    bundle = tmp_path / "b"
    shutil.copytree(ROSTER / "small", bundle)
    users = bundle / "users.csv"
    users.write_text(
        users.read_text(encoding="utf-8-sig").replace(",Rosa,Garcia,", f",Ro{RLO}sa,{LRI}Garcia,"),
        encoding="utf-8",
    )
    call_command("import_oneroster", str(bundle), stdout=io.StringIO())
    rosa = Guardian.objects.get(email="rosa.garcia@example.org")
    assert (rosa.given_name, rosa.family_name) == ("Rosa", "Garcia")
    assert RLO not in rosa.household.name and LRI not in rosa.household.name


def test_the_household_page_and_lists_isolate_names_in_bdi(client, world):
    household = world.caseload_family
    household.name = "عائلة الحسن"
    household.save()
    guardian = household.guardians.first()
    client.force_login(world.liaison)
    page = client.get(household.get_absolute_url()).content.decode()
    assert "<h1><bdi>عائلة الحسن</bdi>" in page
    assert f"<bdi>{guardian.full_name}</bdi>" in page
    caseload = client.get(reverse("people:caseload")).content.decode()
    assert "<bdi>عائلة الحسن</bdi>" in caseload


def test_a_name_with_markup_is_still_escaped_inside_bdi(client, world):
    household = world.caseload_family
    household.name = "<b>Bold</b> household"
    household.save()
    client.force_login(world.liaison)
    page = client.get(household.get_absolute_url()).content.decode()
    assert "<bdi>&lt;b&gt;Bold&lt;/b&gt; household</bdi>" in page


def test_the_family_portal_lists_the_children_by_isolated_names(client, world):
    guardian = world.caseload_family.guardians.first()
    guardian.given_name = SPOOFED
    guardian.save()
    child = world.caseload_family.students.first()
    child.given_name, child.preferred_name = SPOOFED, ""
    child.save()
    session = client.session
    session[SESSION_KEY] = guardian.pk
    session.save()
    page = client.get(reverse("portal:home")).content.decode()
    assert f"<li><bdi>{CLEAN} {child.family_name}</bdi>" in page
    assert RLO not in page
