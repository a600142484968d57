"""The demo district's conversations: the liaison's threads with families on their caseload (one
awaiting a reply), and the demo teacher's own thread with the parents of a pupil in her class."""

import datetime as dt

from django.utils import timezone

from liaison.demo.phrases import said_in
from liaison.messaging import services
from liaison.messaging.choices import Channel
from liaison.people.models import Household


def add_demo_activity(district, staff):

    liaison, teacher = staff["liaison"], staff["teacher"]
    households = list(
        Household.objects.filter(district=district, assignments__staff=liaison, is_active=True)
        .distinct()
        .order_by("pk")[:3]
    )
    now = timezone.now()
    written = []
    lines = [
        (
            "Hello! I am your family liaison at school. Write to me here any time.",
            "Thank you. When is the next parent meeting?",
        ),
        ("The food pantry is open on Saturdays from 9 to noon.", "We will go this Saturday."),
        ("Did the new bus stop work this week?", ""),
    ]
    for household, (ours, theirs) in zip(households, lines, strict=False):
        guardian = household.guardians.filter(is_active=True).order_by("pk").first()
        if guardian is None:
            continue
        written.append(services.send_message(household=household, body=ours, by=liaison))
        if theirs:
            services.record_family_reply(
                guardian=guardian,
                body=said_in(theirs, guardian.preferred_language) or theirs,
                channel=Channel.SMS,
                received_at=now - dt.timedelta(hours=2 * len(written)),
            )
    taught = (
        Household.objects.filter(
            district=district, students__class_sections__teachers=teacher, is_active=True
        )
        .distinct()
        .order_by("pk")
        .first()
    )
    if taught is not None:
        thread = services.conversation_for(taught, staff=teacher)
        written.append(
            services.send_message(
                household=taught,
                body="Your child read a whole chapter aloud in class today. Well done!",
                by=teacher,
                conversation=thread,
            )
        )
        guardian = taught.guardians.filter(is_active=True).order_by("pk").first()
        if guardian is not None:
            services.record_family_reply(
                guardian=guardian,
                body=said_in(
                    "Thank you, we read together every evening.", guardian.preferred_language
                )
                or "Thank you, we read together every evening.",
                channel=Channel.PORTAL,
                conversation=thread,
            )
    return written
