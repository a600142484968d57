"""Events: RSVP answers under a capacity lock, and the liaison's live counts on a 500-family event."""

import datetime as dt

from bench.harness import demo_district, time_calls, within


def run(ctx):
    from django.test import Client
    from django.utils import timezone

    from liaison.events import services
    from liaison.events.models import Event
    from liaison.people.models import Household, Site, User

    demo_district()
    liaison = User.objects.get(username="liaison")
    site = Site.objects.filter(pk__in=liaison.memberships.values("site_id")).first()
    start = timezone.now() + dt.timedelta(days=10)
    Event.objects.filter(title="Bench family night").delete()
    [event] = services.create_event(
        district=site.district,
        site=site,
        kind="workshop",
        title="Bench family night",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        place="Gym",
        capacity=300,
    )
    households = list(Household.objects.filter(district=site.district)[: ctx.n(500)])
    invitations = services.invite_households(event=event, households=households, send=False)
    state = {"i": 0}

    def answer():
        inv = invitations[state["i"] % len(invitations)]
        services.respond(
            invitation=inv,
            answer="yes",
            party_size=1 + state["i"] % 3,
            interpreter_language="so" if state["i"] % 4 == 0 else "",
        )
        state["i"] += 1

    yield within(
        "RSVP with capacity lock (service)",
        time_calls(answer, repeat=300),
        p=95,
        limit_ms=50,
        notes=f"{len(invitations)} invited, capacity 300, waitlist in use",
    )
    client = Client()
    client.force_login(liaison)

    def counts():
        client.get(f"/events/{event.pk}/counts/", headers={"HX-Request": "true"})

    yield within(
        "live counts partial (htmx poll)",
        time_calls(counts, repeat=200),
        p=95,
        limit_ms=100,
        notes=f"{len(invitations)} invitations",
    )
    event.delete()
