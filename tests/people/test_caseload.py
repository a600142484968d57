"""The caseload as a working list: sorted and filtered, look-alike households told apart, and
households found by the last digits of a phone."""

import datetime as dt
import re

from django.urls import reverse
from django.utils import timezone

from liaison.concerns.models import Concern, ConcernCategory, Contact
from liaison.messaging import services as messaging
from liaison.people.search import search_households
from tests import factories as f


def _castillo(world, *, given, phone, child, grade, language="es"):
    household = f.HouseholdFactory(
        district=world.district, name="Castillo household", home_languages=[language]
    )
    guardian = f.GuardianFactory(
        household=household,
        given_name=given,
        family_name="Castillo",
        phone=phone,
        preferred_language=language,
    )
    student = f.StudentFactory(household=household, given_name=child, grade=grade)
    f.EnrolmentFactory(student=student, site=world.school)
    f.AssignmentFactory(staff=world.liaison, household=household)
    return household, guardian


def _rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in body.split("<tr>")[1:]
    ]


def test_look_alike_households_render_differently(client, world):
    _castillo(world, given="Marta", phone="+12125550142", child="Lucía", grade="03")
    _castillo(world, given="Rosa", phone="+12125550977", child="Diego", grade="07")
    client.force_login(world.liaison)
    rows = [
        r for r in _rows(client.get(reverse("people:caseload")).content.decode()) if "Castillo" in r
    ]
    assert len(rows) == 2
    assert rows[0] != rows[1]
    marta = next(r for r in rows if "Marta Castillo" in r)
    assert "phone ending 0142" in marta
    assert "Lucía (Grade 3)" in marta
    rosa = next(r for r in rows if "Rosa Castillo" in r)
    assert "phone ending 0977" in rosa and "Diego (Grade 7)" in rosa


def test_search_results_tell_look_alike_households_apart(client, world):
    _castillo(world, given="Marta", phone="+12125550142", child="Lucía", grade="03")
    _castillo(world, given="Rosa", phone="+12125550977", child="Diego", grade="07")
    client.force_login(world.admin)
    html = client.get(reverse("people:search"), {"q": "Castillo"}).content.decode()
    assert "phone ending 0142" in html and "phone ending 0977" in html


def test_phone_search_finds_the_last_four_or_more_digits_and_full_numbers(world):
    household, _ = _castillo(world, given="Marta", phone="+12125550142", child="Ana", grade="03")
    other, _ = _castillo(world, given="Rosa", phone="+12125550977", child="Leo", grade="03")
    for query in ["0142", "50142", "550142", "555-0142", "(212) 555-0142", "+1 212.555.0142"]:
        found = search_households(world.admin, query)
        assert household in found, query
        assert other not in found, query


def test_caseload_sorts_by_last_two_way_contact_never_first(client, world):
    now = timezone.now()
    called, _ = _castillo(world, given="Called", phone="+12125550101", child="A", grade="01")
    _wrote, guardian = _castillo(world, given="Wrote", phone="+12125550102", child="B", grade="01")
    Contact.objects.create(
        household=called,
        kind="call",
        at=now - dt.timedelta(days=40),
        purpose="Check in",
        by=world.liaison,
    )
    messaging.record_family_reply(
        guardian=guardian, body="Gracias", channel="sms", received_at=now - dt.timedelta(days=2)
    )
    client.force_login(world.liaison)
    rows = _rows(client.get(reverse("people:caseload"), {"sort": "contact"}).content.decode())
    order = [next(n for n in ("Called", "Wrote", "CaseloadParent") if n in r) for r in rows]
    # The liaison's world family has never been reached: first; then 40 days ago; then 2 days ago.
    assert order == ["CaseloadParent", "Called", "Wrote"]
    assert "never" in rows[0]

    rows = _rows(
        client.get(reverse("people:caseload"), {"not_reached_days": "30"}).content.decode()
    )
    assert not any("Wrote" in r for r in rows)
    assert any("Called" in r for r in rows)


def test_caseload_filters_by_language_grade_site_and_open_items(client, world):
    _castillo(world, given="Marta", phone="+12125550111", child="Ana", grade="05")
    somali, _ = _castillo(
        world, given="Hodan", phone="+12125550112", child="Ayaan", grade="07", language="so"
    )
    category, _ = ConcernCategory.objects.get_or_create(
        district=world.district, code="other", defaults={"label": "Other"}
    )
    Concern.objects.create(
        district=world.district,
        household=somali,
        category=category,
        source="phone",
        description="Bus stop",
        due_at=timezone.now() + dt.timedelta(days=3),
    )
    client.force_login(world.liaison)

    def names(params):
        html = client.get(reverse("people:caseload"), params).content.decode()
        return (
            {n for n in ("Marta", "Hodan", "CaseloadParent") if n in "".join(_rows(html))}
            if "<tbody>" in html
            else set()
        )

    assert names({"language": "so"}) == {"Hodan"}
    assert names({"grade": "05"}) == {"Marta"}
    assert names({"open_items": "on"}) == {"Hodan"}
    assert names({"site": world.school.pk}) == {"Marta", "Hodan", "CaseloadParent"}
    assert names({"site": world.other_school.pk}) == set()
    html = client.get(reverse("people:caseload"), {"open_items": "on"}).content.decode()
    assert "1 open concerns" in html
    # The language is offered by name, never by code.
    assert "Somali — Soomaali" in client.get(reverse("people:caseload")).content.decode()


def test_bad_filter_values_say_what_is_wrong_and_keep_the_other_filters(client, world):
    _castillo(world, given="Marta", phone="+12125550121", child="Ana", grade="03")
    _castillo(world, given="Rosa", phone="+12125550122", child="Leo", grade="07")
    client.force_login(world.liaison)
    response = client.get(
        reverse("people:caseload"),
        {"not_reached_days": "forever", "site": "<script>", "grade": "03", "sort": "drop table"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter a number of days, such as 30." in html
    assert "Choose one of the sites in the list." in html
    assert "Choose one of the options in the list." in html
    rows = "".join(_rows(html))
    assert "Marta" in rows and "Rosa" not in rows  # the valid grade filter still applies


def test_caseload_filters_by_at_risk_reason_with_the_count_per_reason(client, world):
    from liaison.insights import services as insights
    from liaison.insights.models import HouseholdEngagement

    reached, _ = _castillo(world, given="Marta", phone="+12125550131", child="Ana", grade="05")
    failing, _ = _castillo(world, given="Hodan", phone="+12125550132", child="Ayaan", grade="07")
    messaging.record_family_reply(
        guardian=reached.guardians.get(), body="Gracias por llamar", channel="sms"
    )
    insights.refresh_all()
    HouseholdEngagement.objects.filter(household_id=failing.pk).update(all_channels_failing=True)
    client.force_login(world.liaison)

    html = client.get(reverse("people:caseload")).content.decode()
    # The reasons in words, each with how many of the caseload it flags: Hodan and the world's
    # caseload family were never reached, Hodan's channels all fail, nobody has an overdue concern.
    assert "No two-way contact within the district&#x27;s limit (2)" in html
    assert "Every channel failing (1)" in html
    assert "Urgent concern open past its target (0)" in html

    def names(params):
        page = client.get(reverse("people:caseload"), params).content.decode()
        rows = "".join(_rows(page)) if "<tbody>" in page else ""
        return {n for n in ("Marta", "Hodan", "CaseloadParent") if n in rows}

    assert names({"risk_reason": "no_contact"}) == {"Hodan", "CaseloadParent"}
    assert names({"risk_reason": "channels_failing"}) == {"Hodan"}
    assert names({"risk_reason": "overdue_urgent"}) == set()
    assert names({"risk_reason": "no_contact", "grade": "05"}) == set()
    # A reason that is not one of the list's is named as wrong; the other filters still apply.
    response = client.get(reverse("people:caseload"), {"risk_reason": "vibes", "grade": "05"})
    assert response.status_code == 200
    assert "Choose one of the options in the list." in response.content.decode()
    assert "Marta" in "".join(_rows(response.content.decode()))


def test_a_teachers_list_of_families_offers_no_at_risk_filter(client, world):
    client.force_login(world.teacher)
    html = client.get(reverse("people:caseload")).content.decode()
    assert "At risk because" not in html
