"""An announcement to 200,000 guardians in 12 languages: delivery rows written, and an interactive write meanwhile."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench.harness import Result, percentile

ROOT = Path(__file__).resolve().parents[2]
WRITER = """
import json, select, sys, time
import django
django.setup()
from django.db import transaction
from liaison.people.models import Household
ids = json.loads(sys.argv[1])
waits, i = [], 0
print("ready", flush=True)
while not select.select([sys.stdin], [], [], 0)[0]:
    start = time.perf_counter()
    with transaction.atomic():
        Household.objects.filter(pk=ids[i % len(ids)]).update(notes=f"Called on attempt {i}")
    waits.append((time.perf_counter() - start) * 1000)
    i += 1
    time.sleep(0.01)
print(json.dumps(waits))
"""

LANGUAGES = ["en", "es", "ar", "zh-Hans", "vi", "ht", "so", "pt", "ru", "fr", "ko", "ps"]


def build(n: int):
    """n guardians (two per household) in one district, languages and channels mixed. Reused if present."""
    from liaison.people.choices import Role
    from liaison.people.models import District, Guardian, Household, Membership, User

    district, _ = District.objects.get_or_create(
        slug="bench-msg", defaults={"name": "Bench Schools"}
    )
    admin, _ = User.objects.get_or_create(username="bench-msg-admin")
    Membership.objects.get_or_create(
        user=admin, district=district, site=None, role=Role.DISTRICT_ADMIN
    )
    have = Guardian.objects.filter(household__district=district).count()
    if have >= n:
        return district, admin
    households = Household.objects.bulk_create(
        [Household(district=district, name=f"Bench {i}") for i in range(have // 2, n // 2)],
        batch_size=5000,
    )
    prefs = [["sms"], ["sms"], ["sms", "email"], ["email"], ["email", "sms"], ["portal"]]
    rows = []
    for i, h in enumerate(households):
        for j in range(2):
            k = 2 * i + j
            rows.append(
                Guardian(
                    household=h,
                    given_name=f"G{k}",
                    family_name="Bench",
                    preferred_language=LANGUAGES[k % len(LANGUAGES)],
                    phone=f"+1617555{100 + k % 100:04d}",
                    email=f"g{k}@example.org",
                    preferred_channels=prefs[k % len(prefs)],
                )
            )
    Guardian.objects.bulk_create(rows, batch_size=5000)
    from liaison.core.db import refresh_statistics

    refresh_statistics(Guardian, Household)
    return district, admin


def run(ctx):
    from django.db import connection

    from liaison.language import pipeline
    from liaison.messaging import services
    from liaison.messaging.audiences import Audience
    from liaison.messaging.models import Delivery, Rendering
    from liaison.people.models import Household

    n = ctx.n(200_000)
    t0 = time.perf_counter()
    district, admin = build(n)
    build_s = time.perf_counter() - t0

    calls = []
    original = pipeline.render_message

    def counting(**kwargs):
        calls.append(list(kwargs["target_languages"]))
        return original(**kwargs)

    pipeline.render_message = counting
    message = services.send_announcement(
        district=district,
        audience=Audience(),
        subject="Snow day",
        body="All schools are closed tomorrow.",
        by=admin,
        urgent=True,
    )
    household_ids = list(
        Household.objects.filter(district=district).values_list("pk", flat=True)[:500]
    )
    # The interactive writer is its own process, as a web worker is: it competes for the database,
    # not for this process's interpreter lock.
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, json.dumps(household_ids)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}"},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout.readline().strip() == "ready"
    connection.close()
    start, cpu_start = time.perf_counter(), time.process_time()
    services.prepare_message(message.pk)
    elapsed = {"s": time.perf_counter() - start}
    cpu = time.process_time() - cpu_start
    out, _ = writer.communicate("stop\n", timeout=60)
    waits = json.loads(out)
    pipeline.render_message = original
    rows = Delivery.objects.filter(message=message).count()
    limit = 250 if ctx.db == "sqlite" else 50
    languages_rendered = Rendering.objects.filter(message=message).count()
    yield Result(
        name=f"announcement to {n:,} guardians: all delivery rows written",
        value=elapsed["s"],
        unit="s",
        target="< 15 s",
        ok=elapsed["s"] < 15 and rows == n,
        notes=f"{rows:,} rows; {languages_rendered} languages rendered in {len(calls)} render call(s); "
        f"data built in {build_s:.0f} s; {cpu:.1f} s CPU in this process (the database "
        f"server's not included); load average {os.getloadavg()[0]:.1f}",
    )
    p99 = percentile(waits, 99)
    yield Result(
        name="interactive write (log a call) during the fan-out",
        value=p99,
        unit="ms",
        target=f"p99 < {limit} ms",
        ok=p99 < limit,
        notes=f"{len(waits)} writes, max {max(waits):.0f} ms",
    )
