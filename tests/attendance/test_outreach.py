"""Proof of outreach: a family is called unreachable only after enough attempts, on enough ways and
different days, each logged with its result in the contact log."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from liaison.attendance import services
from liaison.attendance.models import AttendanceRules, Unreachable, rules_for
from liaison.attendance.outreach import outreach_for
from liaison.concerns import services as concern_services
from liaison.concerns.choices import ContactKind, ContactResult

pytestmark = pytest.mark.django_db


def _attempt(world, household, kind, days_ago, result=ContactResult.NO_ANSWER):
    return concern_services.log_contact(
        household=household,
        by=world.liaison,
        kind=kind,
        purpose="Attendance",
        result=result,
        at=timezone.now() - dt.timedelta(days=days_ago),
    )


def test_unreachable_is_refused_after_two_calls_and_accepted_after_a_text_on_a_third_day(world):
    family = world.caseload_family
    _attempt(world, family, ContactKind.CALL, 3)
    _attempt(world, family, ContactKind.CALL, 2)
    with pytest.raises(ValidationError) as refused:
        services.mark_unreachable(household=family, by=world.liaison)
    words = " ".join(refused.value.messages)
    assert "1 more attempt on another day" in words
    assert "1 more way of reaching them" in words
    assert not Unreachable.objects.exists()

    _attempt(world, family, ContactKind.TEXT, 1, ContactResult.NO_REPLY)
    mark = services.mark_unreachable(household=family, by=world.liaison, note="Tried everything")
    assert [a["kind"] for a in mark.attempts] == ["call", "call", "text"]
    with pytest.raises(ValidationError, match="already called unreachable"):
        services.mark_unreachable(household=family, by=world.liaison)


def test_three_attempts_on_one_day_count_as_one(world):
    family = world.caseload_family
    for kind in (ContactKind.CALL, ContactKind.TEXT, ContactKind.LETTER):
        _attempt(world, family, kind, 1)
    made = outreach_for([family.pk], rules=rules_for(family.district_id))[family.pk]
    assert len(made.attempts) == 3 and len(made.days) == 1
    with pytest.raises(ValidationError, match="2 more attempts, each on another day"):
        services.mark_unreachable(household=family, by=world.liaison)


def test_reaching_the_family_starts_the_count_again(world):
    family = world.caseload_family
    _attempt(world, family, ContactKind.CALL, 5)
    _attempt(world, family, ContactKind.HOME_VISIT, 4, ContactResult.NOT_HOME)
    _attempt(world, family, ContactKind.CALL, 3, ContactResult.REACHED)
    _attempt(world, family, ContactKind.LETTER, 2, ContactResult.RETURNED)
    made = outreach_for([family.pk], rules=rules_for(family.district_id))[family.pk]
    assert [a.kind for a in made.attempts] == ["letter"]
    assert made.reached_on == timezone.localdate() - dt.timedelta(days=3)
    with pytest.raises(ValidationError):
        services.mark_unreachable(household=family, by=world.liaison)


def test_an_attempt_logged_without_its_result_proves_nothing(world):
    family = world.caseload_family
    for days_ago, kind in ((3, ContactKind.CALL), (2, ContactKind.TEXT), (1, ContactKind.EMAIL)):
        _attempt(world, family, kind, days_ago, result="")
    made = outreach_for([family.pk], rules=rules_for(family.district_id))[family.pk]
    assert made.attempts == []
    assert made.so_far() == "No attempt yet"


def test_the_district_sets_the_numbers(world):
    AttendanceRules.objects.create(
        district=world.district, unreachable_min_attempts=2, unreachable_min_modes=1
    )
    family = world.caseload_family
    _attempt(world, family, ContactKind.IN_PERSON, 2, ContactResult.NOT_HOME)
    _attempt(world, family, ContactKind.IN_PERSON, 1, ContactResult.NOT_HOME)
    assert services.mark_unreachable(household=family, by=world.liaison).household == family


def test_the_next_attempt_is_due_the_day_after_the_last_on_another_way(world):
    family = world.caseload_family
    rules = rules_for(family.district_id)
    today = timezone.localdate()
    assert outreach_for([family.pk], rules=rules)[family.pk].next_due(rules, today) == today
    _attempt(world, family, ContactKind.CALL, 0)
    made = outreach_for([family.pk], rules=rules)[family.pk]
    assert made.next_due(rules, today) == today + dt.timedelta(days=1)
    assert "another way than phone call" in made.next_words(rules, today)
    assert made.so_far().startswith("1 attempt: phone call")


def test_a_family_reached_after_being_called_unreachable_is_unreachable_no_more(world):
    family = world.caseload_family
    _attempt(world, family, ContactKind.CALL, 4)
    _attempt(world, family, ContactKind.TEXT, 3)
    _attempt(world, family, ContactKind.LETTER, 2)
    services.mark_unreachable(household=family, by=world.liaison)
    rules = rules_for(family.district_id)
    assert outreach_for([family.pk], rules=rules)[family.pk].unreachable_since is not None
    _attempt(world, family, ContactKind.CALL, 0, ContactResult.REACHED)
    assert outreach_for([family.pk], rules=rules)[family.pk].unreachable_since is None


def test_the_contact_log_asks_for_the_result_and_offers_letter_and_in_person(client, world):
    client.force_login(world.liaison)
    url = reverse("concerns:contacts", args=[world.caseload_family.pk])
    page = client.get(url).content.decode()
    assert "Letter" in page and "In person (at school or pick-up)" in page
    assert "Nobody at home" in page
    response = client.post(
        url,
        {
            "contact-kind": "letter",
            "contact-purpose": "Attendance letter",
            "contact-result": "returned",
            "contact-at": (timezone.localtime() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Returned undelivered" in page


def test_calling_a_family_unreachable_too_early_says_what_is_missing(client, world):
    client.force_login(world.liaison)
    family = world.caseload_family
    _attempt(world, family, ContactKind.CALL, 2)
    url = reverse("attendance:unreachable", args=[family.pk])
    response = client.post(url, {"next": "household"}, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Not yet: a family may be called unreachable" in page
    assert "2 more attempts, each on another day" in page
    _attempt(world, family, ContactKind.TEXT, 1)
    _attempt(world, family, ContactKind.HOME_VISIT, 0, ContactResult.NOT_HOME)
    response = client.post(url, {"next": "household"})
    assert response.status_code == 302
    assert Unreachable.objects.standing().filter(household=family).exists()


def test_no_one_calls_a_family_they_may_not_open_unreachable(client, world):
    client.force_login(world.liaison)
    url = reverse("attendance:unreachable", args=[world.foreign_family.pk])
    assert client.post(url).status_code == 404
    client.force_login(world.teacher)
    url = reverse("attendance:unreachable", args=[world.taught_family.pk])
    assert client.post(url).status_code == 404


def test_an_unanswered_call_is_not_two_way_contact(world):
    from liaison.insights.models import ContactFact
    from liaison.insights.services import collect_facts

    _attempt(world, world.caseload_family, ContactKind.CALL, 1, ContactResult.NO_ANSWER)
    _attempt(world, world.caseload_family, ContactKind.CALL, 0, ContactResult.REACHED)
    collect_facts()
    facts = ContactFact.objects.filter(household_id=world.caseload_family.pk).order_by("at")
    assert [f.two_way for f in facts] == [False, True]
