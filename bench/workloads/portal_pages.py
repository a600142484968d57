"""The family portal: home and children pages for signed-in guardians, page weight, sign-in by code."""

import contextlib
import gzip
import re

from bench.harness import Result, demo_district, time_calls, within


def run(ctx):
    from django.conf import settings
    from django.contrib.staticfiles import finders
    from django.test import Client

    from liaison.portal import services
    from liaison.portal.session import SESSION_KEY

    demo_district()
    guardians = list(services.eligible_guardians().order_by("id")[::53][:30])
    clients = []
    for g in guardians:
        client = Client()
        session = client.session
        session[SESSION_KEY] = g.pk
        session.save()
        clients.append(client)
    for path, name in [("/family/", "home"), ("/family/children/", "children")]:
        state = {"i": 0}

        def one(path=path, state=state):
            response = clients[state["i"] % len(clients)].get(path)
            assert response.status_code == 200, response.status_code
            state["i"] += 1

        yield within(
            f"portal {name} page, whole response",
            time_calls(one, repeat=300),
            p=95,
            limit_ms=100,
            notes=f"{len(clients)} guardians of the demo district",
        )

    # Page weight: the HTML plus every stylesheet and script it loads, gzip-compressed.
    html = clients[0].get("/family/").content
    total = len(gzip.compress(html))
    for ref in re.findall(rb'(?:href|src)="/static/([^"]+\.(?:css|js))"', html):
        path = finders.find(ref.decode())
        with open(path, "rb") as fh:
            total += len(gzip.compress(fh.read()))
    kb = total / 1024
    yield Result(
        name="portal home page weight, compressed (HTML + CSS + JS)",
        value=kb,
        unit="KB",
        target="< 100 KB",
        ok=kb < 100,
    )

    # Sign-in: ask for a code and answer it (texts go to the portal channel: no provider call).
    from liaison.messaging import channels

    settings.MESSAGING_CHANNELS = {"sms": "liaison.messaging.channels.portal.Portal"}
    channels.reset()
    settings.LIAISON_PORTAL_REQUESTS_PER_HOUR = 10**6
    settings.LIAISON_PORTAL_IP_REQUESTS_PER_HOUR = 10**6
    settings.LIAISON_PORTAL_MAX_FAILURES = 10**6
    state = {"i": 0}

    def ask():
        g = guardians[state["i"] % len(guardians)]
        destination = services.Destination("sms", g.phone)
        services.request_sign_in(destination=destination, ip=f"10.0.{state['i'] % 200}.1")
        with contextlib.suppress(services.SignInLocked):
            services.verify_code(destination=destination, code="000000", ip=f"10.1.{state['i']}.1")
        state["i"] += 1

    yield within(
        "portal sign-in: ask for a code and answer it",
        time_calls(ask, repeat=100),
        p=95,
        limit_ms=100,
        notes="keyed hash, throttle counts; the text handed to a no-op channel",
    )
