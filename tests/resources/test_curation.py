"""Curation: staff add and edit services, stale entries are flagged, family feedback is kept."""

from django.urls import reverse
from django.utils import timezone

from liaison.resources import search, services
from liaison.resources.models import Organization, Service, ServiceFeedback
from tests.resources.conftest import sample_id


def test_a_liaison_adds_a_service_and_finds_it_at_once(client, world, directory):
    client.force_login(world.liaison)
    org = Organization.objects.get(pk=sample_id("org-foodbank"))
    response = client.post(
        reverse("resources:service_new"),
        {
            "organization": str(org.pk),
            "name": "Winter Coat Drive",
            "description": "Warm coats for children, every November.",
            "status": "active",
            "cost": "free",
            "minimum_age": "2",
            "maximum_age": "1",
        },
    )
    assert response.status_code == 200
    assert "The maximum age is below the minimum age." in response.content.decode()
    assert "Warm coats for children" in response.content.decode()  # nothing typed is lost
    data = {
        "organization": str(org.pk),
        "name": "Winter Coat Drive",
        "description": "Warm coats for children, every November.",
        "status": "active",
        "cost": "free",
    }
    response = client.post(reverse("resources:service_new"), data)
    service = Service.objects.get(name="Winter Coat Drive")
    assert response["Location"] == service.get_absolute_url()
    assert [r.service for r in search.search_services(text="coats")] == [service]


def test_editing_a_service_updates_search_and_keeps_our_notes(client, world, directory):
    client.force_login(world.admin)
    tenant = Service.objects.get(pk=sample_id("svc-tenant"))
    response = client.post(
        reverse("resources:service_edit", args=[tenant.pk]),
        {
            "organization": str(tenant.organization_id),
            "name": "Renters Help Line",
            "description": tenant.description,
            "status": "active",
            "cost": "",
            "local_notes": "Call back within a day, in our experience.",
        },
    )
    assert response.status_code == 302
    assert search.search_services(text="renters")[0].service.pk == tenant.pk
    assert not search.search_services(text="hotline")


def test_entries_not_verified_in_a_year_are_flagged_until_verified(client, world, directory):
    client.force_login(world.liaison)
    page = client.get(reverse("resources:stale")).content.decode()
    # Summer meals were verified in June 2024; counseling never.
    assert "Kids Summer Meals" in page and "Family Counseling" in page
    assert "Weekly Food Pantry" not in page
    meals = Service.objects.get(pk=sample_id("svc-meals"))
    assert "Not verified in 12 months" in client.get(meals.get_absolute_url()).content.decode()
    client.post(reverse("resources:service_verify", args=[meals.pk]))
    meals.refresh_from_db()
    assert meals.assured_date == timezone.localdate()
    assert "Kids Summer Meals" not in client.get(reverse("resources:stale")).content.decode()


def test_family_feedback_on_a_service_is_stored_and_shown_to_curators(client, world, directory):
    pantry = Service.objects.get(pk=sample_id("svc-pantry"))
    services.record_feedback(
        service=pantry, household=world.caseload_family, helpful=False, comment="Cerrado el martes"
    )
    feedback = ServiceFeedback.objects.get()
    assert feedback.language == "es" and feedback.helpful is False
    client.force_login(world.liaison)
    assert "Cerrado el martes" in client.get(pantry.get_absolute_url()).content.decode()
    client.force_login(world.teacher)
    assert "Cerrado el martes" not in client.get(pantry.get_absolute_url()).content.decode()


def test_the_directory_exports_as_an_hsds_zip(client, world, directory):
    import io
    import zipfile

    client.force_login(world.leader)
    response = client.get(reverse("resources:export"))
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert "services.csv" in names and "datapackage.json" in names
