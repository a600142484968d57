"""Household timeline over a family with 5,000 entries (concerns, notes, contacts): first page."""

import datetime as dt
import random

from bench.harness import demo_district, time_calls, within

ENTRIES = 5000


def _fill(household, liaison, n):
    """n timeline entries for one household, spread over five years (bulk writes, seeded)."""
    from django.utils import timezone

    from liaison.concerns import services
    from liaison.concerns.models import Concern, ConcernCategory, ConcernNote, Contact

    if Concern.objects.filter(household=household).count() >= n // 3:
        return
    services.ensure_district_defaults(household.district)
    rng = random.Random(5)
    categories = list(ConcernCategory.objects.filter(district=household.district))
    now = timezone.now()
    span = 5 * 365 * 24 * 3600

    def when():
        return now - dt.timedelta(seconds=rng.randrange(span))

    n_concerns, n_notes = n // 3, n // 3
    n_contacts = n - n_concerns - n_notes
    concerns = Concern.objects.bulk_create(
        [
            Concern(
                district=household.district,
                household=household,
                category=rng.choice(categories),
                source="phone",
                description=f"Synthetic concern {i}: the bus came late again.",
                language="es",
                urgency="normal",
                status=rng.choice(["resolved", "closed", "in_progress"]),
                resolution_summary="Done.",
                assignee=liaison,
                due_at=now,
                created_at=when(),
            )
            for i in range(n_concerns)
        ],
        batch_size=500,
    )
    ConcernNote.objects.bulk_create(
        [
            ConcernNote(
                concern=c,
                household=household,
                author=liaison,
                body=f"Note {i}",
                restricted=i % 4 == 0,
                created_at=when(),
            )
            for i, c in enumerate(rng.choices(concerns, k=n_notes))
        ],
        batch_size=500,
    )
    Contact.objects.bulk_create(
        [
            Contact(
                household=household,
                kind="call",
                at=when(),
                duration_minutes=5,
                purpose=f"Call {i}",
                by=liaison,
            )
            for i in range(n_contacts)
        ],
        batch_size=500,
    )


def run(ctx):
    from django.test import Client

    from liaison.core import pages
    from liaison.people.models import Household, User

    demo_district()
    liaison = User.objects.get(username="liaison")
    leader = User.objects.get(username="leader")
    household = Household.objects.in_caseload_of(liaison).order_by("id").first()
    _fill(household, liaison, ctx.n(ENTRIES))
    from django.db import connection

    if (
        connection.vendor == "postgresql"
    ):  # fresh statistics after the bulk load, as autovacuum would
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    entries = pages.timeline("household", household, liaison, limit=25)
    notes = f"{ctx.n(ENTRIES)} entries; first page of 25; {len(entries)} shown"
    for user, who in [(liaison, "liaison"), (leader, "site leader")]:
        yield within(
            f"household timeline first page, function ({who})",
            time_calls(
                lambda user=user: pages.timeline("household", household, user, limit=25), repeat=200
            ),
            p=95,
            limit_ms=100,
            notes=notes,
        )
    client = Client()
    client.force_login(liaison)
    url = f"/people/households/{household.pk}/timeline/"
    assert client.get(url).status_code == 200
    yield within(
        "household timeline first page, rendered htmx response (liaison)",
        time_calls(lambda: client.get(url, headers={"HX-Request": "true"}), repeat=200),
        p=95,
        limit_ms=100,
        notes=notes,
    )
    older = entries[-1].at.isoformat()
    yield within(
        "household timeline older page, rendered (liaison)",
        time_calls(lambda: client.get(url, {"before": older}), repeat=100),
        p=95,
        limit_ms=100,
        notes=notes,
    )
