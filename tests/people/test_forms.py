"""Invalid input is refused with a message on the field, and nothing else the liaison typed is lost."""

from django.urls import reverse

from liaison.people.models import Guardian, Student


def _guardian_form(**overrides):
    data = {
        "given_name": "Marisol",
        "family_name": "Quintero",
        "preferred_name": "",
        "relationship": "mother",
        "preferred_language": "es",
        "phone": "617-555-0142",
        "alt_phone": "",
        "email": "marisol@example.org",
        "alt_email": "",
        "preferred_channels": ["sms"],
        "contact_restriction_reason": "",
    }
    data.update(overrides)
    return data


def test_phone_is_stored_in_e164(client, world):
    client.force_login(world.liaison)
    household = world.caseload_family
    response = client.post(reverse("people:guardian_new", args=[household.pk]), _guardian_form())
    assert response.status_code == 302
    assert Guardian.objects.get(given_name="Marisol").phone == "+16175550142"


def test_bad_phone_is_refused_on_its_field_and_the_rest_is_kept(client, world):
    client.force_login(world.liaison)
    response = client.post(
        reverse("people:guardian_new", args=[world.caseload_family.pk]),
        _guardian_form(phone="12345"),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["phone"]
    assert (
        "not a valid phone number" in form.errors["phone"][0]
        or "not a phone number" in form.errors["phone"][0]
    )
    html = response.content.decode()
    assert (
        'value="Marisol"' in html
        and 'value="marisol@example.org"' in html
        and 'value="12345"' in html
    )
    assert not Guardian.objects.filter(given_name="Marisol").exists()


def test_bad_email_is_refused_on_its_field(client, world):
    client.force_login(world.liaison)
    response = client.post(
        reverse("people:guardian_new", args=[world.caseload_family.pk]),
        _guardian_form(email="marisol at example"),
    )
    assert list(response.context["form"].errors) == ["email"]
    assert 'value="Marisol"' in response.content.decode()


def test_unknown_language_tag_is_refused(client, world):
    client.force_login(world.liaison)
    response = client.post(
        reverse("people:guardian_new", args=[world.caseload_family.pk]),
        _guardian_form(preferred_language="klingonese-xx-99"),
    )
    assert list(response.context["form"].errors) == ["preferred_language"]


def test_language_tag_is_normalised(client, world):
    client.force_login(world.liaison)
    client.post(
        reverse("people:guardian_new", args=[world.caseload_family.pk]),
        _guardian_form(preferred_language="zh_hans"),
    )
    assert Guardian.objects.get(given_name="Marisol").preferred_language == "zh-Hans"


def test_contact_restriction_needs_a_reason(client, world):
    client.force_login(world.liaison)
    response = client.post(
        reverse("people:guardian_new", args=[world.caseload_family.pk]),
        _guardian_form(contact_restricted="on"),
    )
    assert list(response.context["form"].errors) == ["contact_restriction_reason"]


def test_student_without_a_site_is_refused(client, world):
    client.force_login(world.liaison)
    data = {
        "given_name": "Tomas",
        "family_name": "Quintero",
        "grade": "02",
        "date_of_birth": "2018-04-02",
    }
    response = client.post(reverse("people:student_new", args=[world.caseload_family.pk]), data)
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["site"]
    assert 'value="Tomas"' in response.content.decode()
    assert not Student.objects.filter(given_name="Tomas").exists()


def test_student_is_enrolled_with_programmes(client, world):
    client.force_login(world.liaison)
    data = {
        "given_name": "Tomas",
        "family_name": "Quintero",
        "grade": "02",
        "site": world.school.pk,
        "programmes": ["el", "iep"],
    }
    response = client.post(reverse("people:student_new", args=[world.caseload_family.pk]), data)
    assert response.status_code == 302
    student = Student.objects.get(given_name="Tomas")
    assert student.enrolments.get(is_active=True).site == world.school
    assert set(student.programmes.values_list("programme", flat=True)) == {"el", "iep"}
    assert set(student.guardians.all()) == set(world.caseload_family.guardians.all())


def test_household_languages_are_checked(client, world):
    client.force_login(world.liaison)
    url = reverse("people:household_edit", args=[world.caseload_family.pk])
    response = client.post(url, {"name": "Renamed household", "home_languages": "es, xx-bogus-1"})
    assert list(response.context["form"].errors) == ["home_languages"]
    response = client.post(url, {"name": "Renamed household", "home_languages": "so, en"})
    assert response.status_code == 302
    world.caseload_family.refresh_from_db()
    assert world.caseload_family.home_languages == ["so", "en"]


def test_records_keep_who_created_and_changed_them(client, world):
    client.force_login(world.liaison)
    client.post(reverse("people:guardian_new", args=[world.caseload_family.pk]), _guardian_form())
    guardian = Guardian.objects.get(given_name="Marisol")
    assert guardian.created_by == world.liaison and guardian.updated_by == world.liaison
    client.force_login(world.leader)
    client.post(
        reverse("people:guardian_edit", args=[guardian.pk]),
        _guardian_form(family_name="Quintero Ruiz"),
    )
    guardian.refresh_from_db()
    assert guardian.created_by == world.liaison and guardian.updated_by == world.leader
    assert guardian.updated_at > guardian.created_at
