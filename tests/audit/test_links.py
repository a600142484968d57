"""Signed links (liaison.core.links): tampered, expired, reused or re-purposed links are refused."""

import datetime as dt

import pytest
import time_machine
from django.core import signing

from liaison.core import links


def test_a_genuine_link_reads_back_its_value(db):
    token = links.make("rsvp", {"invitation": 42})
    assert links.read("rsvp", token, max_age=dt.timedelta(days=1)) == {"invitation": 42}


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # signature changed
        lambda t: "x" + t,  # payload changed
        lambda t: t.replace(":", "", 1),  # structure broken
        lambda t: "",
        lambda t: t + "\r\nSet-Cookie: a=b",
    ],
)
def test_a_tampered_link_is_refused(db, tamper):
    token = links.make("rsvp", {"invitation": 42})
    with pytest.raises(links.Tampered):
        links.read("rsvp", tamper(token), max_age=60)


def test_a_link_signed_elsewhere_or_for_another_purpose_is_refused(db):
    with pytest.raises(links.Tampered):
        links.read("rsvp", links.make("unsubscribe", 7), max_age=60)
    forged = signing.dumps({"v": 7})  # right key, no purpose salt
    with pytest.raises(links.Tampered):
        links.read("rsvp", forged, max_age=60)


def test_an_expired_link_is_refused(db):
    with time_machine.travel("2026-11-01 10:00", tick=False) as clock:
        token = links.make("portal-sign-in", 5)
        clock.shift(dt.timedelta(minutes=14))
        assert links.read("portal-sign-in", token, max_age=dt.timedelta(minutes=15)) == 5
        clock.shift(dt.timedelta(minutes=2))
        with pytest.raises(links.Expired):
            links.read("portal-sign-in", token, max_age=dt.timedelta(minutes=15))


def test_a_single_use_link_is_refused_the_second_time(db):
    token = links.make("portal-sign-in", 5, single_use=True)
    assert links.read("portal-sign-in", token, max_age=600, consume=False) == 5
    assert links.read("portal-sign-in", token, max_age=600) == 5
    with pytest.raises(links.AlreadyUsed):
        links.read("portal-sign-in", token, max_age=600)
    # Two single-use links for the same value are distinct.
    other = links.make("portal-sign-in", 5, single_use=True)
    assert other != token
    assert links.read("portal-sign-in", other, max_age=600) == 5


def test_a_reusable_link_can_be_used_again(db):
    token = links.make("calendar-feed", 9)
    for _ in range(3):
        assert links.read("calendar-feed", token, max_age=None) == 9
