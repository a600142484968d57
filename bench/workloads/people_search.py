"""Household search over the demo district (2,000 households), as a liaison types."""

from bench.harness import demo_district, time_calls, within


def run(ctx):
    from django.test import Client

    from liaison.people.models import Guardian, User
    from liaison.people.search import search_households

    demo_district()
    liaison = User.objects.get(username="liaison")
    admin = User.objects.get(username="admin")
    sample = list(Guardian.objects.order_by("id")[::97][:20])
    queries = []
    for g in sample:
        queries += [
            g.family_name[:3],
            g.given_name[:4],
            f"{g.given_name} {g.family_name[:2]}",
            g.phone[-7:],
        ]
    queries += [
        "ngyuen",
        "garcai",
        "rodrigez",
        "smtih",
        "mar",
        "617555",
    ]  # typos and short prefixes
    for user, who in [(admin, "district admin"), (liaison, "liaison")]:
        state = {"i": 0}

        def one(user=user, state=state):
            search_households(user, queries[state["i"] % len(queries)])
            state["i"] += 1

        yield within(
            f"household search, function ({who})",
            time_calls(one, repeat=400),
            p=95,
            limit_ms=50,
            notes=f"{len(queries)} queries: prefixes, full names, phone digits, typos",
        )
    client = Client()
    client.force_login(liaison)
    state = {"i": 0}

    def page():
        client.get(
            "/people/search/",
            {"q": queries[state["i"] % len(queries)]},
            headers={"HX-Request": "true"},
        )
        state["i"] += 1

    yield within(
        "household search, whole htmx response (liaison)",
        time_calls(page, repeat=300),
        p=95,
        limit_ms=50,
    )
