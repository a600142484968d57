"""Capacity is exact: the last seats cannot be taken twice, and the waitlist moves up."""

import threading

import pytest
from django.db import connection

from liaison.events import services
from liaison.events.choices import Answer, Seat
from liaison.events.models import Invitation
from tests import factories as f
from tests.events.factories import EventFactory


def _race(invitations):
    barrier = threading.Barrier(len(invitations))
    errors = []

    def answer(inv):
        from django.db import connection as conn

        try:
            barrier.wait()
            services.respond(invitation=inv, answer=Answer.YES, channel="link")
        except Exception as exc:
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=answer, args=(inv,)) for inv in invitations]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return errors


# On PostgreSQL, against the suite's own database. The suite's SQLite database is in memory, in
# shared-cache mode, where a thread reading a table another thread is writing is refused at once
# ("database table is locked": no busy timeout applies there) instead of waiting as on a file:
# the same race on SQLite runs on the production file configuration in the test below.
@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_rsvps_for_the_last_five_seats():
    district = f.DistrictFactory()
    event = EventFactory(district=district, capacity=25)
    # 20 seats are already taken by earlier answers.
    for _ in range(20):
        inv = Invitation.objects.create(
            event=event, household=f.HouseholdFactory(district=district)
        )
        services.respond(invitation=inv, answer=Answer.YES)
    racers = [
        Invitation.objects.create(event=event, household=f.HouseholdFactory(district=district))
        for _ in range(20)
    ]
    errors = _race(racers)
    assert not errors, errors
    racing = Invitation.objects.filter(pk__in=[i.pk for i in racers])
    assert racing.filter(seat=Seat.CONFIRMED).count() == 5
    assert racing.filter(seat=Seat.WAITLISTED).count() == 15
    assert event.seats_taken() == 25
    assert connection.vendor in ("sqlite", "postgresql")


@pytest.mark.django_db
def test_a_seat_given_up_goes_to_the_first_on_the_waitlist_who_is_told():
    from liaison.messaging.models import Message

    district = f.DistrictFactory()
    event = EventFactory(district=district, capacity=2)
    first, second, third = (
        Invitation.objects.create(event=event, household=f.HouseholdFactory(district=district))
        for _ in range(3)
    )
    for inv in (first, second, third):
        f.GuardianFactory(household=inv.household, email=f"family{inv.pk}@example.org")
        services.respond(invitation=inv, answer=Answer.YES)
    third.refresh_from_db()
    assert third.seat == Seat.WAITLISTED
    services.respond(invitation=first, answer=Answer.NO)
    third.refresh_from_db()
    assert third.seat == Seat.CONFIRMED
    services.send_promotions([third.pk])
    [told] = Message.objects.filter(related_type="events.invitation")
    assert told.related_id == str(third.pk) and "seat" in told.subject.lower()


@pytest.mark.django_db
def test_a_larger_party_than_the_seats_left_waits():
    event = EventFactory(capacity=3)
    a = Invitation.objects.create(event=event, household=f.HouseholdFactory())
    b = Invitation.objects.create(event=event, household=f.HouseholdFactory())
    assert services.respond(invitation=a, answer=Answer.YES, party_size=2).seat == Seat.CONFIRMED
    assert services.respond(invitation=b, answer=Answer.YES, party_size=2).seat == Seat.WAITLISTED


def test_the_race_on_the_production_sqlite_file_configuration(tmp_path):
    """The same race on a real SQLite file (WAL, busy timeout, IMMEDIATE), not the test suite's
    in-memory database: run in a fresh process with LIAISON_DATA_DIR pointing at a temp folder."""
    import json
    import os
    import pathlib
    import subprocess
    import sys

    root = pathlib.Path(__file__).resolve().parents[2]
    env = {**os.environ, "LIAISON_DATA_DIR": str(tmp_path), "DATABASE_URL": ""}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    out = subprocess.run(
        [sys.executable, str(root / "tests/events/race_sqlite_file.py")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["vendor"] == "sqlite" and result["database"].startswith(str(tmp_path))
    assert result["errors"] == []
    assert (result["confirmed"], result["waitlisted"], result["taken"]) == (5, 15, 25)
