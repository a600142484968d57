"""The contact log form, district categories and service targets, and the household timeline."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from liaison.concerns import services
from liaison.concerns.models import ConcernCategory, Contact, ServiceTarget
from liaison.core import pages
from tests import factories as f
from tests.concerns import factories as cf


def test_contact_logged_from_the_household_page_appears_on_its_timeline(client, world):
    household = world.caseload_family
    guardian = household.guardians.first()
    client.force_login(world.liaison)
    page = client.get(household.get_absolute_url()).content.decode()
    assert "Log a contact" in page and 'name="contact-purpose"' in page
    response = client.post(
        reverse("concerns:contacts", args=[household.pk]),
        {
            "next": "household",
            "contact-kind": "call",
            "contact-guardian": guardian.pk,
            "contact-purpose": "Asked about the IEP meeting",
            "contact-duration_minutes": "12",
            "contact-at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302 and response["Location"] == household.get_absolute_url()
    contact = Contact.objects.get()
    assert contact.by == world.liaison and contact.language == guardian.preferred_language
    page = client.get(household.get_absolute_url()).content.decode()
    assert "Asked about the IEP meeting" in page


def test_contact_form_keeps_what_was_typed_and_says_what_is_wrong(client, world):
    household = world.caseload_family
    client.force_login(world.liaison)
    response = client.post(
        reverse("concerns:contacts", args=[household.pk]),
        {
            "contact-kind": "call",
            "contact-purpose": "",
            "contact-outcome": "Left a voicemail in Spanish",
            "contact-follow_up_on": "2001-01-01",
            "contact-at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "This field is required." in page
    assert "Choose today or a later day." in page
    assert "Left a voicemail in Spanish" in page
    assert not Contact.objects.exists()


def test_a_new_district_gets_the_standard_categories_and_targets(db):
    district = f.DistrictFactory(slug="newtown")
    codes = set(ConcernCategory.objects.filter(district=district).values_list("code", flat=True))
    assert {"bullying_safety", "special_education", "conflict_staff", "transport"} <= codes
    assert len(codes) == 10
    assert ServiceTarget.objects.get(district=district, urgency="urgent").hours == 24


def test_admin_edits_categories_and_targets_and_due_dates_follow(client, world):
    client.force_login(world.admin)
    url = reverse("concerns:settings")
    client.post(url, {"action": "add", "district": world.district.pk, "label": "Immigration"})
    assert ConcernCategory.objects.filter(district=world.district, code="immigration").exists()
    refused = client.post(
        url,
        {
            "action": "targets",
            "district": world.district.pk,
            "hours-urgent": "0",
            "hours-high": "72",
            "hours-normal": "168",
            "hours-low": "336",
        },
    )
    assert "Enter a whole number of hours, 1 or more." in refused.content.decode()
    client.post(
        url,
        {
            "action": "targets",
            "district": world.district.pk,
            "hours-urgent": "4",
            "hours-high": "72",
            "hours-normal": "168",
            "hours-low": "336",
        },
    )
    concern = cf.concern(world.caseload_family, urgency="urgent", category="immigration")
    assert concern.due_at - concern.created_at == dt.timedelta(hours=4)
    transport = ConcernCategory.objects.get(district=world.district, code="transport")
    client.post(url, {"action": "toggle", "district": world.district.pk, "category": transport.pk})
    client.force_login(world.liaison)
    form = client.get(reverse("concerns:new", args=[world.caseload_family.pk])).content.decode()
    assert "Immigration" in form and ">Transport<" not in form


def test_liaison_raises_a_concern_from_the_household_page(client, world):
    household = world.caseload_family
    client.force_login(world.liaison)
    category = ConcernCategory.objects.get(district=world.district, code="academic")
    response = client.post(
        reverse("concerns:new", args=[household.pk]),
        {
            "category": category.pk,
            "students": [household.students.first().pk],
            "guardian": household.guardians.first().pk,
            "source": "phone",
            "urgency": "normal",
            "description": "No entiende la tarea de matemáticas.",
            "language": "es",
            "assign_to_me": "on",
        },
    )
    assert response.status_code == 302
    concern = household.concerns.get()
    assert concern.assignee == world.liaison and concern.status == "assigned"
    bad = client.post(
        reverse("concerns:new", args=[household.pk]),
        {
            "category": category.pk,
            "source": "phone",
            "urgency": "normal",
            "description": "x",
            "language": "not a tag!",
        },
    )
    assert bad.status_code == 200 and household.concerns.count() == 1


def test_timeline_merges_concerns_notes_and_contacts_newest_first_in_few_queries(world):
    household = world.caseload_family
    for i in range(30):
        concern = cf.concern(household, assignee=world.liaison, description=f"concern {i}")
        services.add_note(
            concern=concern, body=f"note {i}", by=world.liaison, restricted=i % 2 == 0
        )
        services.log_contact(
            household=household, by=world.liaison, kind="call", purpose=f"call {i}"
        )
    with CaptureQueriesContext(connection) as queries:
        entries = pages.timeline("household", household, world.liaison, limit=25)
    assert len(entries) == 25
    assert [e.at for e in entries] == sorted((e.at for e in entries), reverse=True)
    assert {"concern", "note", "contact"} <= {e.kind for e in entries}
    assert len(queries) < 20, [q["sql"] for q in queries]
    older = pages.timeline("household", household, world.liaison, before=entries[-1].at, limit=25)
    assert older and older[0].at < entries[-1].at
    only_contacts = pages.timeline(
        "household", household, world.liaison, kinds=["contact"], limit=5
    )
    assert {e.kind for e in only_contacts} == {"contact"}


def test_standard_categories_read_in_the_staff_language_renamed_ones_as_the_district_wrote(
    client, world
):
    from django.utils import translation

    concern = cf.concern(world.caseload_family, category="bullying_safety")
    health = ConcernCategory.objects.get(district=world.district, code="health")
    health.label = "Salud y bienestar (enfermería)"
    health.save()
    with translation.override("es"):
        assert str(concern.category) == "Acoso escolar o seguridad"
        assert str(health) == "Salud y bienestar (enfermería)"
    with translation.override("en"):
        assert str(concern.category) == "Bullying or safety"
    world.liaison.interface_language = "es"
    world.liaison.save(update_fields=["interface_language"])
    client.force_login(world.liaison)
    page = client.get(concern.get_absolute_url()).content.decode()
    assert f"Inquietud n.º {concern.pk}: Acoso escolar o seguridad" in page
    # History lines name the action in the reader's language; the values are as written then.
    assert "raised →" not in page


def test_a_district_created_by_a_spanish_reader_stores_the_standard_labels_in_english(db):
    from django.utils import translation

    with translation.override("es"):
        district = f.DistrictFactory(slug="villanueva")
        health = ConcernCategory.objects.get(district=district, code="health")
        assert str(health) == "Salud"
    assert health.label == "Health" and str(health) == "Health"
