"""A referral's details reach the family in their language: the frame from the catalogues, the
service's application process (a directory editor's words) through the translation pipeline."""

import pytest

from liaison.messaging.models import Message
from liaison.messaging.outbox import ensure_renderings
from liaison.resources import services
from liaison.resources.models import Service
from tests.resources.conftest import sample_id


@pytest.fixture
def pantry(directory):
    return Service.objects.get(pk=sample_id("svc-pantry"))


@pytest.mark.parametrize(
    ("family", "language", "subject", "hours"),
    [
        ("caseload_family", "es", "Un servicio que puede ayudar: Weekly Food Pantry", "Horario: "),
        ("taught_family", "ar", "خدمة يمكن أن تساعدكم: Weekly Food Pantry", "ساعات العمل: "),
    ],
)
def test_the_referral_text_is_in_the_familys_language(
    world, pantry, libretranslate, family, language, subject, hours
):
    referral = services.create_referral(
        household=getattr(world, family), service=pantry, by=world.liaison
    )
    services.send_referral_to_family(referral=referral, by=world.liaison)
    message = Message.objects.get(notice_kind="referral")
    assert message.subject == "A service that can help: Weekly Food Pantry"  # the staff's copy
    rendering = ensure_renderings(message, [language])[0][language]
    assert rendering.subject == subject
    assert hours in rendering.body and "Hours:" not in rendering.body
    assert "12 Harbor Street, Riverton, MA 02108" in rendering.body
    if pantry.application_process:
        assert f"[{language}] {pantry.application_process}" in rendering.body
        assert rendering.method == "machine"
