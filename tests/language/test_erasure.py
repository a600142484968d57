"""Erasing a family takes the translation memory's copies of that family's words with it."""

import pytest

from liaison.audit import services as audit
from liaison.language import services
from liaison.language.models import TranslationMemory
from liaison.messaging import services as messaging
from liaison.messaging.choices import Direction
from liaison.messaging.models import Message

pytestmark = pytest.mark.django_db

REPLY = "Ana tiene fiebre hoy y no irá a la escuela; vive con su abuela en la calle Olmo 12."
THANKS = "Muchas gracias por avisar."


def _reply(household, text):
    return Message.objects.create(
        district_id=household.district_id,
        conversation=messaging.conversation_for(household),
        direction=Direction.IN,
        guardian=household.guardians.first(),
        body=text,
        source_language="es",
    )


def _remember(world, source_text, source="es", target="en"):
    return services.approve_translation(
        district=world.district,
        source_language=source,
        target_language=target,
        source_text=source_text,
        text=f"[{target}] {source_text}",
        by=world.liaison,
    )


def _remembered(world):
    return set(
        TranslationMemory.objects.filter(district=world.district).values_list(
            "source_text", flat=True
        )
    )


def test_erasing_a_household_erases_the_translations_of_its_own_messages(world):
    family, other = world.caseload_family, world.site_family
    _reply(family, REPLY)
    to_family = messaging.send_message(
        household=family, body="Ana's appointment with Ms. Reyes is Tuesday at 3.", by=world.liaison
    )
    notice = messaging.send_notice(
        guardians=[*family.guardians.all(), *other.guardians.all()],
        subject="Picture day",
        body="Picture day is Friday.",
        by=world.liaison,
        kind="event_reminder",
    )
    # Both families happened to write the same short thanks.
    _reply(family, THANKS)
    _reply(other, THANKS)
    for text in (REPLY, THANKS):
        _remember(world, text)
    for text in (to_family.body, notice.subject, notice.body):
        _remember(world, text, source="en", target="es")

    audit.erase_household(household=family, by=world.admin)

    left = _remembered(world)
    assert REPLY not in left
    assert to_family.body not in left
    # What other families received or wrote themselves is theirs too, and stays.
    assert {notice.subject, notice.body, THANKS} <= left


def test_erasing_another_household_leaves_this_ones_translations(world):
    _reply(world.caseload_family, REPLY)
    _remember(world, REPLY)
    audit.erase_household(household=world.site_family, by=world.admin)
    assert REPLY in _remembered(world)
