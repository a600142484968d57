"""Directory search over 50,000 and 100,000 synthetic services (HSDS), as a liaison types."""

import random
import time
import uuid

from bench.harness import Result, time_calls, within

NEEDS = [
    ("Food", ["Food pantry", "Meals", "Groceries"], "food groceries meals pantry nutrition"),
    ("Housing", ["Shelter", "Rent help", "Utilities"], "housing rent shelter eviction utilities"),
    ("Health care", ["Clinic", "Dental", "Vision"], "health doctor clinic dental medical"),
    (
        "Counseling",
        ["Family counseling", "Grief support"],
        "counseling therapy mental health stress",
    ),
    (
        "Legal help",
        ["Immigration legal help", "Tenant law"],
        "legal lawyer immigration asylum tenant",
    ),
    ("Clothing", ["Coats", "School uniforms"], "clothing coats shoes uniforms"),
    ("Employment", ["Job training", "ESL classes"], "employment job training english classes"),
    ("Childcare", ["After school", "Preschool"], "childcare after school preschool"),
    ("Transportation", ["Bus passes"], "transportation bus passes rides"),
]
LANGS = ["en", "es", "ar", "zh", "vi", "ht", "so", "pt", "ru", "fr", "ko"]
HOURS = [
    ("MO,TU,WE,TH,FR", "09:00:00", "17:00:00"),
    ("TU,TH", "10:00:00", "14:00:00"),
    ("MO,WE,FR", "13:00:00", "19:00:00"),
    ("SA", "09:00:00", "12:00:00"),
    ("MO,TU,WE,TH,FR,SA", "08:00:00", "20:00:00"),
]
CENTRE = (42.36, -71.06)


def generate(count: int, *, seed: int = 20261129, start: int = 0) -> None:
    """`count` services with organizations, locations, hours, languages and needs (deterministic)."""
    from liaison.resources import models as m

    rnd = random.Random(seed + start)
    ns = uuid.UUID("0b5e1c1e-0000-4000-8000-000000000000")

    def uid(kind, n):
        return uuid.uuid5(ns, f"{kind}-{n}")

    terms = []
    # The bench's own needs, even where another workload's demo directory brought its own terms.
    if not m.TaxonomyTerm.objects.filter(id=uid("need", 0)).exists():
        for i, (name, children, _) in enumerate(NEEDS):
            parent = m.TaxonomyTerm.objects.create(id=uid("need", i), name=name, code=f"N{i}")
            for j, child in enumerate(children):
                m.TaxonomyTerm.objects.create(
                    id=uid("need", f"{i}-{j}"), name=child, code=f"N{i}.{j}", parent=parent
                )
    for i, (_, children, words) in enumerate(NEEDS):
        terms.append(([uid("need", f"{i}-{j}") for j in range(len(children))], words, children))
    orgs, services, locations, sals, schedules, langs, attrs = [], [], [], [], [], [], []
    for n in range(start, start + count):
        if n % 10 == 0:
            orgs.append(m.Organization(id=uid("org", n // 10), name=f"Riverton Agency {n // 10}"))
        need = rnd.randrange(len(NEEDS))
        child_ids, words, children = terms[need]
        child = rnd.randrange(len(child_ids))
        sid = uid("svc", n)
        services.append(
            m.Service(
                id=sid,
                organization_id=uid("org", n // 10),
                name=f"{children[child]} {rnd.choice(['Center', 'Program', 'Project', 'Network'])} {n}",
                description=f"Help with {words} for Riverton families. "
                + " ".join(rnd.sample(words.split(), 3)),
                status="active",
                minimum_age=rnd.choice([None, None, 0, 5, 12, 18]),
                cost=rnd.choice(["free", "free", "fee", ""]),
            )
        )
        lid = uid("loc", n)
        locations.append(
            m.Location(
                id=lid,
                name=f"Site {n}",
                latitude=CENTRE[0] + rnd.uniform(-0.3, 0.3),
                longitude=CENTRE[1] + rnd.uniform(-0.4, 0.4),
            )
        )
        sals.append(m.ServiceAtLocation(id=uid("sal", n), service_id=sid, location_id=lid))
        days, opens, closes = rnd.choice(HOURS)
        schedules.append(
            m.Schedule(
                id=uid("sch", n),
                service_id=sid,
                freq="WEEKLY",
                byday=days,
                opens_at=opens,
                closes_at=closes,
            )
        )
        for k, code in enumerate(["en", *rnd.sample(LANGS[1:], rnd.randrange(0, 3))]):
            langs.append(m.Language(id=uid(f"lang{k}", n), service_id=sid, code=code))
        attrs.append(
            m.Attribute(
                id=uid("attr", n),
                link_id=sid,
                link_entity="service",
                taxonomy_term_id=child_ids[child],
            )
        )
    for model, rows in [
        (m.Organization, orgs),
        (m.Service, services),
        (m.Location, locations),
        (m.ServiceAtLocation, sals),
        (m.Schedule, schedules),
        (m.Language, langs),
        (m.Attribute, attrs),
    ]:
        model.objects.bulk_create(rows, batch_size=5000)


def _queries():
    texts = [
        "fo",
        "foo",
        "food",
        "food pan",
        "immig",
        "immigration lawyer",
        "counsel",
        "rent help",
        "comida",
        "dental",
        "coats",
        "bus",
        "after school",
        "english classes",
        "grief",
    ]
    rnd = random.Random(7)
    queries = []
    for i in range(60):
        q = {
            "text": texts[i % len(texts)],
            "near": (CENTRE[0] + rnd.uniform(-0.1, 0.1), CENTRE[1] + rnd.uniform(-0.1, 0.1)),
        }
        if i % 3 == 1:
            q["languages"] = (rnd.choice(LANGS[1:]),)
        if i % 4 == 2:
            q["cost"] = "free"
        if i % 5 == 3:
            q["age"] = 8
        if i % 6 == 4:
            q["open_now"] = True
        if i % 7 == 5:
            q["text"] = ""
            q["needs"] = (
                uuid.uuid5(
                    uuid.UUID("0b5e1c1e-0000-4000-8000-000000000000"), f"need-{i % len(NEEDS)}"
                ),
            )
        queries.append(q)
    return queries


def _server_cpu() -> float:
    """Seconds of CPU that this connection's PostgreSQL backend has used (0 elsewhere, or where
    the server's processes cannot be read)."""
    import os

    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _timed(fn, *, repeat: int, notes: str = "") -> tuple[list[float], str]:
    """Wall milliseconds per call, and notes with the mean CPU per call (this process, and the
    PostgreSQL backend's where it can be read) and the load average: on a shared machine the
    wall-clock percentile includes the wait for a core."""
    import os

    server, cpu = _server_cpu(), time.process_time()
    samples = time_calls(fn, repeat=repeat)
    calls = repeat + 3  # time_calls warms up with 3
    cpu = (time.process_time() - cpu) * 1000 / calls
    server = (_server_cpu() - server) * 1000 / calls
    parts = [notes] if notes else []
    parts.append(f"CPU {cpu:.1f} ms/call" + (f" + server {server:.1f} ms" if server else ""))
    parts.append(f"load average {os.getloadavg()[0]:.2f}")
    return samples, "; ".join(parts)


def _measure(ctx, size_label, limit_db, results):
    from liaison.resources import search
    from liaison.resources.search.query import _candidates

    queries = _queries()
    state = {"i": 0}

    def db_only():
        q = search.Query(**queries[state["i"] % len(queries)])
        _candidates(q, 60)
        state["i"] += 1

    samples, notes = _timed(
        db_only,
        repeat=300,
        notes="text as typed + need/language/free/age/open-now filters, ranked by relevance and distance",
    )
    results.append(
        within(
            f"search at the database, {size_label} services",
            samples,
            p=95,
            limit_ms=limit_db,
            notes=notes,
        )
    )
    state["i"] = 0

    def function():
        search.search_services(search.Query(**queries[state["i"] % len(queries)]))
        state["i"] += 1

    samples, notes = _timed(function, repeat=200)
    results.append(
        within(
            f"search function with 20 results hydrated, {size_label}",
            samples,
            p=95,
            limit_ms=50,
            notes=notes,
        )
    )


def _rebuild(ctx) -> tuple[int, float, str]:
    """Rebuild the index: (listings, wall seconds, notes with the CPU used and the load).

    The machine may be shared: wall time then includes waiting for a core, which CPU time does
    not; on PostgreSQL the server backend's CPU is read apart (see _server_cpu)."""
    import os

    from liaison.resources import search

    server, start, cpu = _server_cpu(), time.perf_counter(), time.process_time()
    count = search.rebuild()
    took, cpu = time.perf_counter() - start, time.process_time() - cpu
    server = _server_cpu() - server
    load = os.getloadavg()[0]
    if ctx.db != "postgres":
        server_note = ""
    elif server:
        server_note = f" + {server:.2f} s in the server backend"
    else:
        server_note = " (the server's not readable here)"
    return count, took, f"CPU {cpu:.2f} s in this process{server_note}; load average {load:.2f}"


def run(ctx):
    from django.test import Client

    from bench.harness import demo_district
    from liaison.people.models import Household, User

    n50 = ctx.n(50_000)
    generate(n50)
    count, took, notes = _rebuild(ctx)
    yield Result(
        f"index rebuild, {n50:,} services ({count:,} listings)",
        took,
        "s",
        "< 10 s",
        took < 10,
        notes,
    )
    results = []
    _measure(ctx, f"{n50:,}", 10, results)
    yield from results

    demo_district()
    liaison = User.objects.get(username="liaison")
    household = Household.objects.in_caseload_of(liaison).first()
    household.latitude, household.longitude = CENTRE
    household.save()
    client = Client()
    client.force_login(liaison)
    url = f"/resources/households/{household.pk}/"
    texts = [q["text"] for q in _queries() if q["text"]]
    state = {"i": 0}

    def page():
        response = client.get(
            url, {"q": texts[state["i"] % len(texts)]}, headers={"HX-Request": "true"}
        )
        assert response.status_code == 200
        state["i"] += 1

    samples, notes = _timed(page, repeat=200, notes="as the liaison, through the test client")
    yield within(
        f"whole results page (htmx), {n50:,} services", samples, p=95, limit_ms=50, notes=notes
    )

    n100 = ctx.n(100_000)
    generate(n100 - n50, start=n50)
    _, took, notes = _rebuild(ctx)
    yield Result(f"index rebuild, {n100:,} services", took, "s", "(informative)", None, notes)
    results = []
    _measure(ctx, f"{n100:,}", 25, results)
    yield from results
    state["i"] = 0
    samples, notes = _timed(page, repeat=200, notes="as the liaison, through the test client")
    yield within(
        f"whole results page (htmx), {n100:,} services", samples, p=95, limit_ms=50, notes=notes
    )
