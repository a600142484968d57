"""Repeats in words: the event form asks how often and until when, stores an RRULE, and the event
page reads the rule back as a sentence in the reader's language; nobody types RRULE."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from liaison.events.models import Event
from liaison.events.recurrence import build_rule, describe
from tests.events.test_pages import _form


def test_every_week_on_tuesday_until_june_12_becomes_a_series(client, world):
    client.force_login(world.liaison)
    data = _form(
        world,
        starts_at="2027-05-04T18:00",  # a Tuesday
        ends_at="2027-05-04T19:00",
        repeat="WEEKLY",
        repeat_on=["TU"],
        repeat_until="2027-06-12",
        repeat_times="",
    )
    response = client.post(reverse("events:new"), data)
    assert response.status_code == 302
    events = list(Event.objects.filter(title="Navigating high school").order_by("starts_at"))
    assert [e.starts_at.astimezone(events[0].zone).date() for e in events] == [
        dt.date(2027, 5, 4) + dt.timedelta(weeks=n) for n in range(6)
    ]
    assert events[0].recurrence == "FREQ=WEEKLY;BYDAY=TU;UNTIL=20270612"
    page = client.get(events[2].get_absolute_url()).content.decode()
    assert "Every week on Tuesday, until June 12, 2027" in page
    assert "FREQ=" not in page


def test_the_form_asks_in_words_and_never_for_an_rrule(client, world):
    client.force_login(world.liaison)
    html = client.get(reverse("events:new")).content.decode()
    assert "RRULE" not in html and "FREQ=" not in html
    assert "Does not repeat" in html and "Tuesday" in html and "Until (last day)" in html


def test_a_last_day_before_the_first_is_explained(client, world):
    client.force_login(world.liaison)
    data = _form(world, repeat="DAILY", repeat_until="2027-01-01", repeat_times="")
    html = client.post(reverse("events:new"), data).content.decode()
    assert "The last day must be after the first." in html
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ("", ""),
        ("FREQ=DAILY;COUNT=5", "Every day, 5 times"),
        (
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;COUNT=4",
            "Every 2 weeks on Monday and Wednesday, 4 times",
        ),
        ("FREQ=MONTHLY;UNTIL=20270601", "Every month, until June 1, 2027"),
    ],
)
def test_a_stored_rule_reads_as_a_sentence(rule, words):
    with translation.override("en"):
        assert describe(rule) == words


def test_the_sentence_follows_the_readers_language():
    with translation.override("es"):
        text = describe("FREQ=WEEKLY;BYDAY=TU;UNTIL=20270612")
    assert "martes" in text.lower() and "2027" in text and "FREQ" not in text


def test_the_fields_make_the_rule():
    assert build_rule(frequency="") == ""
    assert build_rule(frequency="WEEKLY", interval=2, weekdays=["TH", "TU"], count=6) == (
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;COUNT=6"
    )
