"""The composer says how many families would get the original with a note, and can hold them for
a person's translation; emails without a subject say who writes, in the family's language."""

from django.urls import reverse

from liaison.language.services import approve_translation
from liaison.messaging import delivery, services
from liaison.messaging.choices import DeliveryState
from liaison.messaging.delivery import email_subject
from liaison.messaging.models import Delivery, Message
from liaison.messaging.outbox import ensure_renderings
from tests.messaging.factories import family

NEWS = {"subject": "Picture day", "body": "Picture day is Friday", "grades": []}


def _families(world):
    _h, (spanish,) = family(world.district, name="Ruiz", guardians=1, language="es")
    _h, (somali,) = family(world.district, name="Warsame", guardians=1, language="so")
    return spanish, somali


def test_the_preview_counts_the_families_no_translator_reaches_and_offers_to_hold_them(
    client, world, libretranslate
):
    _families(world)
    client.force_login(world.admin)
    page = client.post(reverse("messaging:announcement_new"), {**NEWS, "preview": "1"})
    html = page.content.decode()
    # The world's Somali family and ours: the engine has no Somali.
    assert "2 guardians will get the original text with a note" in html
    assert 'name="hold_untranslated"' in html and 'form="announcement-form"' in html
    assert "Hold these 2 for a human translator" in html


def test_held_families_wait_for_an_approved_translation_and_the_others_are_sent(
    client, world, gateway, libretranslate
):
    spanish, somali = _families(world)
    client.force_login(world.admin)
    client.post(
        reverse("messaging:announcement_new"), {**NEWS, "send": "1", "hold_untranslated": "on"}
    )
    message = Message.objects.get(kind="announcement")
    services.prepare_message(message.pk)
    delivery.drain()
    sent_to = {m["to"] for m in gateway.sent}
    assert spanish.phone in sent_to and somali.phone not in sent_to
    held = Delivery.objects.get(message=message, guardian=somali)
    assert held.state == DeliveryState.QUEUED and held.error == "waiting for translation"
    assert not message.renderings.filter(language="so").exists()
    for source, text in (("Picture day", "Maalinta sawirka"), (NEWS["body"], "Jimcaha")):
        approve_translation(
            district=world.district,
            source_language="en",
            target_language="so",
            source_text=source,
            text=text,
            by=world.admin,
        )
    have, retry = ensure_renderings(message, ["so"])
    assert retry is None
    assert (have["so"].body, have["so"].method) == ("Jimcaha", "approved")


def test_without_the_hold_they_get_the_original_with_the_note(world, gateway, libretranslate):
    _spanish, somali = _families(world)
    message = services.send_announcement(
        district=world.district,
        audience=services.Audience(guardian_ids=[somali.pk]),
        subject="Picture day",
        body=NEWS["body"],
        by=world.admin,
    )
    services.prepare_message(message.pk)
    delivery.drain()
    assert [m["to"] for m in gateway.sent] == [somali.phone]
    assert message.renderings.get(language="so").method == "untranslated"


def test_an_email_without_a_subject_says_who_writes_in_the_familys_language(world):
    household, (mum,) = family(world.district, guardians=1, language="es")
    own_thread = services.conversation_for(household, staff=world.liaison)
    message = services.send_message(
        household=household, body="¿Hablamos el lunes?", by=world.liaison, conversation=own_thread
    )
    name = world.liaison.get_full_name()
    assert email_subject(message, "es") == f"Mensaje de {name}, Testville Schools"
    assert email_subject(message, "ar") == f"رسالة من {name}، Testville Schools"
    shared = services.send_message(household=household, body="Hola", by=world.liaison)
    assert email_subject(shared, "es") == "Mensaje de Testville Schools"
    notice = services.send_notice(guardians=[mum], subject="", body="Hola", by=None, kind="test")
    assert email_subject(notice, "vi") == "Tin nhắn từ Testville Schools"
