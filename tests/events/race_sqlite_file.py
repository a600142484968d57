"""Run by test_capacity.py in a subprocess: 20 threads race for the last 5 seats on the production
SQLite configuration (a file database in LIAISON_DATA_DIR: WAL, busy_timeout, IMMEDIATE)."""

import datetime as dt
import json
import os
import sys
import threading

import django

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liaison.config.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from liaison.events import services  # noqa: E402
from liaison.events.models import Event, Invitation  # noqa: E402
from liaison.people.models import District, Household  # noqa: E402

call_command("migrate", verbosity=0)
district = District.objects.create(name="Race", slug="race")
start = timezone.now() + dt.timedelta(days=2)
event = Event.objects.create(
    district=district,
    kind="workshop",
    title="Race",
    starts_at=start,
    ends_at=start + dt.timedelta(hours=1),
    place="Gym",
    capacity=25,
)
for n in range(20):
    inv = Invitation.objects.create(
        event=event, household=Household.objects.create(district=district, name=f"Early {n}")
    )
    services.respond(invitation=inv, answer="yes")
racers = [
    Invitation.objects.create(
        event=event, household=Household.objects.create(district=district, name=f"Racer {n}")
    )
    for n in range(20)
]
connection.close()
barrier = threading.Barrier(len(racers))
errors = []


def answer(inv):
    from django.db import connection as conn

    try:
        barrier.wait()
        services.respond(invitation=inv, answer="yes", channel="link")
    except Exception as exc:
        errors.append(repr(exc))
    finally:
        conn.close()


threads = [threading.Thread(target=answer, args=(i,)) for i in racers]
for t in threads:
    t.start()
for t in threads:
    t.join(120)
qs = Invitation.objects.filter(pk__in=[i.pk for i in racers])
print(
    json.dumps(
        {
            "vendor": connection.vendor,
            "database": str(connection.settings_dict["NAME"]),
            "confirmed": qs.filter(seat="confirmed").count(),
            "waitlisted": qs.filter(seat="waitlisted").count(),
            "taken": event.seats_taken(),
            "errors": errors,
        }
    )
)
