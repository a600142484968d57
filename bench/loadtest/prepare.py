"""A large synthetic district for `make loadtest` on its own PostgreSQL database; idempotent.

1,000 liaisons, each with a caseload of 20 households (20,000 households, one child each, 50,000
guardians with phones in 555 ranges), two threads per caseload, and a district admin who sends
the announcement. The rows are written once; every run writes fresh staff sessions (a signed-in
browser each, as `Client.force_login` makes them: a sign-in with a password hash 1,000 times would
be the load test's slowest part) and the family links, into bench/.work/loadtest/fixtures.json.

    DATABASE_URL=postgres://…/liaison_loadtest .venv/bin/python bench/loadtest/prepare.py
"""

import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "bench" / ".work" / "loadtest" / "fixtures.json"
SLUG = "loadtown"
STAFF = 1000
CASELOAD = 20
SITES = 10
GUARDIANS = 50_000
THREADS_PER_STAFF = 2
# Fictional exchanges 555-xxxx in five area codes: 10,000 numbers each.
AREAS = ["617", "508", "781", "978", "413"]
SURNAMES = [
    "Garcia",
    "Nguyen",
    "Okafor",
    "Haddad",
    "Silva",
    "Chen",
    "Joseph",
    "Ali",
    "Kim",
    "Smith",
]
GIVEN = ["Ana", "Minh", "Ngozi", "Layla", "Joao", "Wei", "Marie", "Hodan", "Ji-woo", "Sam"]
LANGUAGES = ["es", "vi", "en", "ar", "pt", "zh", "ht", "so", "ko", "en"]


def phone(n: int) -> str:
    return f"+1{AREAS[n // 10_000]}555{n % 10_000:04d}"


def build() -> None:
    """Write the district's rows (once: a district already there is kept as it is)."""
    from django.db import transaction

    from liaison.concerns.services import ensure_district_defaults
    from liaison.core.db import analyze_on_postgresql
    from liaison.messaging.choices import (
        Channel,
        ConversationStatus,
        Direction,
        MessageKind,
        MessageState,
    )
    from liaison.messaging.models import Conversation, Message
    from liaison.people.models import (
        District,
        Enrolment,
        Guardian,
        GuardianStudent,
        Household,
        HouseholdAssignment,
        Membership,
        Site,
        Student,
        User,
    )
    from liaison.people.search import reindex

    if District.objects.filter(slug=SLUG).exists():
        return
    started = time.perf_counter()
    now = dt.datetime.now(dt.UTC)
    with transaction.atomic():
        district = District.objects.create(
            name="Loadtown Unified (synthetic)", slug=SLUG, contact_phone="+16175550100"
        )
        sites = Site.objects.bulk_create(
            [Site(district=district, name=f"Loadtown School {i + 1}") for i in range(SITES)]
        )
        admin = User.objects.create(
            username="lt-admin", first_name="Avery", last_name="Admin", email="lt-admin@example.org"
        )
        admin.set_unusable_password()
        admin.save()
        Membership.objects.create(user=admin, district=district, role="district_admin")
        staff = User.objects.bulk_create(
            [
                User(
                    username=f"lt-staff-{i:04d}",
                    first_name=GIVEN[i % 10],
                    last_name=f"Liaison{i}",
                    email=f"lt-staff-{i:04d}@example.org",
                    password="!",  # noqa: S106 - unusable: these sessions are made, not signed into
                )
                for i in range(STAFF)
            ],
            batch_size=1000,
        )
        Membership.objects.bulk_create(
            [
                Membership(user=u, district=district, site=sites[i % SITES], role="liaison")
                for i, u in enumerate(staff)
            ]
        )
        households = Household.objects.bulk_create(
            [
                Household(
                    district=district,
                    name=f"{SURNAMES[h % 10]} household {h}",
                    home_languages=[LANGUAGES[h % 10]],
                    created_at=now,
                    updated_at=now,
                )
                for h in range(STAFF * CASELOAD)
            ],
            batch_size=2000,
        )
        guardians = []
        for n in range(GUARDIANS):
            h = n % len(households)  # 2 or 3 guardians a household
            guardians.append(
                Guardian(
                    household=households[h],
                    given_name=GIVEN[n % 7],
                    family_name=SURNAMES[h % 10],
                    preferred_language=LANGUAGES[h % 10],
                    phone=phone(n),
                    preferred_channels=[Channel.SMS],
                    created_at=now,
                    updated_at=now,
                )
            )
        Guardian.objects.bulk_create(guardians, batch_size=2000)
        students = Student.objects.bulk_create(
            [
                Student(
                    district=district,
                    household=hh,
                    given_name=GIVEN[(i + 3) % 10],
                    family_name=SURNAMES[i % 10],
                    grade="05",
                    created_at=now,
                    updated_at=now,
                )
                for i, hh in enumerate(households)
            ],
            batch_size=2000,
        )
        Enrolment.objects.bulk_create(
            [
                Enrolment(
                    student=s,
                    site=sites[(i // CASELOAD) % SITES],
                    starts_on=dt.date(now.year - 1, 9, 1),
                )
                for i, s in enumerate(students)
            ],
            batch_size=2000,
        )
        GuardianStudent.objects.bulk_create(
            [
                GuardianStudent(guardian=g, student=students[n % len(households)])
                for n, g in enumerate(guardians)
            ],
            batch_size=2000,
        )
        HouseholdAssignment.objects.bulk_create(
            [
                HouseholdAssignment(
                    staff=u,
                    household=households[i * CASELOAD + k],
                    role="liaison",
                    started_on=dt.date(now.year - 1, 9, 1),
                )
                for i, u in enumerate(staff)
                for k in range(CASELOAD)
            ],
            batch_size=2000,
        )
        # Two open threads a caseload, each with the family's first text (guardian h is the
        # first guardian of household h).
        opened = [i * CASELOAD + k for i in range(STAFF) for k in range(THREADS_PER_STAFF)]
        threads = Conversation.objects.bulk_create(
            [
                Conversation(
                    district=district,
                    household=households[h],
                    created_at=now,
                    last_message_at=now,
                    awaiting_since=now,
                    status=ConversationStatus.OPEN,
                )
                for h in opened
            ],
            batch_size=2000,
        )
        Message.objects.bulk_create(
            [
                Message(
                    district=district,
                    conversation=t,
                    direction=Direction.IN,
                    kind=MessageKind.CONVERSATION,
                    state=MessageState.RECEIVED,
                    body="Hello, can we talk about the bus schedule?",
                    source_language=guardians[h].preferred_language,
                    guardian=guardians[h],
                    channel=Channel.SMS,
                    recipient_count=0,
                    created_at=now,
                )
                for t, h in zip(threads, opened, strict=True)
            ],
            batch_size=2000,
        )
        ensure_district_defaults(district)
    reindex([h.pk for h in households])
    # A district in use has had its tables analysed (autovacuum does it within minutes of a bulk
    # write): without statistics the first steps measured the planner's guesses (a liaison's
    # search nested-looped 2,000 households over 2,000 terms, 440 ms instead of 21).
    analyze_on_postgresql()
    print(
        f"prepare: wrote the district in {time.perf_counter() - started:.0f} s "
        f"({STAFF} staff, {len(households)} households, {GUARDIANS} guardians)",
        flush=True,
    )


def fixtures(sessions: int) -> dict:
    """Fresh sessions for the first `sessions` staff, the families' links, and what the users
    need."""
    from django.test import Client

    from liaison.messaging.models import Conversation
    from liaison.people.models import District, Guardian, HouseholdAssignment, User
    from liaison.portal.services import deep_link_urls

    district = District.objects.get(slug=SLUG)
    caseload: dict[int, list[int]] = {}
    for staff_id, household_id in HouseholdAssignment.objects.filter(
        household__district=district
    ).values_list("staff_id", "household_id"):
        caseload.setdefault(staff_id, []).append(household_id)
    threads: dict[int, list[int]] = {}
    for pk, household_id in Conversation.objects.filter(district=district).values_list(
        "pk", "household_id"
    ):
        threads.setdefault(household_id, []).append(pk)
    staff = []
    client = Client()
    for user in User.objects.filter(username__startswith="lt-staff-").order_by("username")[
        :sessions
    ]:
        client.cookies.clear()
        client.force_login(user)
        cookie = client.cookies[next(iter(client.cookies))]
        households = sorted(caseload.get(user.pk, []))
        staff.append(
            {
                "cookie": [cookie.key, cookie.value],
                "households": households,
                "threads": [t for h in households for t in threads.get(h, [])],
            }
        )
    # A family for each thread: the first guardian of its household, signed in by the thread's
    # link (what a text from the liaison carries), and the phone it texts from.
    first_guardian = {}
    for pk, household_id, number in (
        Guardian.objects.filter(household__district=district)
        .order_by("pk")
        .values_list("pk", "household_id", "phone")
    ):
        first_guardian.setdefault(household_id, (pk, number))
    families = []
    for household_id, pks in sorted(threads.items()):
        guardian_id, number = first_guardian[household_id]
        url = deep_link_urls(guardian_ids=[guardian_id], purpose="thread", target_id=pks[0])[
            guardian_id
        ]
        families.append({"link": url.split("/family/", 1)[1], "phone": number, "thread": pks[0]})
    return {"district": district.pk, "staff": staff, "families": families}


def main() -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=STAFF, help="staff sessions to make")
    args = parser.parse_args()
    sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liaison.config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    build()
    started = time.perf_counter()
    data = fixtures(args.sessions)
    FIXTURES.parent.mkdir(parents=True, exist_ok=True)
    FIXTURES.write_text(json.dumps(data))
    print(
        f"prepare: {len(data['staff'])} staff sessions and {len(data['families'])} family links "
        f"in {time.perf_counter() - started:.0f} s -> {FIXTURES.relative_to(ROOT)}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
