"""The language pipeline under messaging's real outbox: held while the engine is down, sent later
without loss; flagged with the translated note where no engine can translate."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from liaison.language import services as language
from liaison.language.models import GlossaryTerm, UnderstandingReport
from liaison.messaging import delivery, inbound
from liaison.messaging import services as messaging
from liaison.messaging.choices import DeliveryState
from liaison.messaging.models import Delivery
from tests.messaging import conftest as messaging_fixtures

# messaging's fixtures: its channels pointed at a loopback SMS gateway
gateway = messaging_fixtures.gateway
_messaging_settings = messaging_fixtures._messaging_settings

BODY = "Picture day is on Friday. Please send your child in school clothes."


def guardians(world):
    return [world.caseload_family.guardians.get(), world.site_family.guardians.get()]  # es, vi


@pytest.mark.django_db
def test_engine_down_the_send_completes_later_without_loss(world, gateway, libretranslate):
    libretranslate.down = True
    message = messaging.send_notice(
        guardians=guardians(world), subject="Picture day", body=BODY, by=world.leader, kind="other"
    )
    delivery.drain()
    assert gateway.sent == []
    assert set(message.deliveries.values_list("state", flat=True)) == {DeliveryState.QUEUED}
    libretranslate.down = False
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=5)):
        delivery.drain()
    texts = sorted(m["body"] for m in gateway.sent)
    assert len(texts) == 2
    assert texts[0].startswith("Bản dịch máy") or "[vi]" in texts[1]
    assert any(f"[es] {BODY}" in t for t in texts) and any(f"[vi] {BODY}" in t for t in texts)
    assert set(message.deliveries.values_list("state", flat=True)) == {DeliveryState.SENT}


@pytest.mark.django_db
def test_no_engine_for_a_language_flags_the_delivery_and_sends_the_original_with_the_note(
    world, gateway, libretranslate
):
    somali = world.other_site_family.guardians.get()
    messaging.send_notice(
        guardians=[somali], subject="Picture day", body=BODY, by=world.admin, kind="other"
    )
    delivery.drain()
    (sent,) = gateway.sent
    assert sent["body"].startswith("Weli ma aanu turjumi karin fariintan")
    assert BODY in sent["body"]
    assert Delivery.objects.get(guardian=somali).needs_follow_up


@pytest.mark.django_db
def test_glossary_terms_survive_the_engine_into_the_text_message(world, gateway, libretranslate):
    GlossaryTerm.objects.create(district=world.district, term="IEP")
    messaging.send_notice(
        guardians=[world.caseload_family.guardians.get()],
        subject="",
        body="Your IEP meeting at Alder Elementary is on 12/3 at 3:30 PM.",
        by=world.leader,
        kind="other",
    )
    delivery.drain()
    (sent,) = gateway.sent
    assert "[es] Your IEP meeting at Alder Elementary is on 12/3 at 3:30 PM." in sent["body"]
    sent_to_engine = libretranslate.translate_calls()[0][2]["q"]
    assert all("IEP" not in t and "Alder" not in t for t in sent_to_engine)


@pytest.mark.django_db
def test_coverage_counts_deliveries_by_how_they_were_translated(world, gateway, libretranslate):
    somali = world.other_site_family.guardians.get()
    messaging.send_notice(
        guardians=[*guardians(world), somali], subject="Hi", body=BODY, by=world.admin, kind="other"
    )
    delivery.drain()
    rows = {r["language"]: r for r in language.coverage(world.district)}
    assert rows["es"]["machine"] == 1 and rows["vi"]["machine"] == 1
    assert rows["so"]["untranslated"] == 1


@pytest.mark.django_db
def test_didnt_understand_by_sms_keyword_is_taken_by_the_language_app(world, gateway):
    guardian = world.caseload_family.guardians.get()
    result = inbound.handle_inbound_sms(
        sender=guardian.phone, body="No entiendo", provider_id="SM1"
    )
    assert result
    report = UnderstandingReport.objects.get()
    assert report.guardian == guardian and report.channel == "sms"


@pytest.mark.django_db
def test_a_reply_in_another_language_is_detected_and_stored(
    world, django_capture_on_commit_callbacks
):
    from liaison.language.models import ReplyLanguage

    guardian = world.site_family.guardians.get()  # prefers Vietnamese
    with django_capture_on_commit_callbacks(execute=True):
        message = messaging.record_family_reply(
            guardian=guardian,
            body="Subax wanaagsan, gabadhaydu maanta waa jirran tahay, iskuulka ma imaan karto.",
            channel="sms",
        )
    assert ReplyLanguage.objects.get(message_id=message.pk).detected_language == "so"
    assert guardian.language_suggestions.get().detected_language == "so"


@pytest.mark.django_db
def test_staff_read_a_reply_in_their_own_language_under_the_original(
    client, world, libretranslate, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    guardian = world.caseload_family.guardians.get()
    reply = "Buenos días, mi hija no pudo ir a la escuela hoy porque tiene fiebre."
    with django_capture_on_commit_callbacks(execute=True):
        message = messaging.record_family_reply(guardian=guardian, body=reply, channel="sms")
    client.force_login(world.liaison)
    page = client.get(reverse("messaging:conversation", args=[message.conversation_id]))
    html = page.content.decode()
    assert reply in html  # the original
    assert f"[en] {reply}" in html  # and the liaison's language, from the engine
    assert "Written in Spanish" in html


@pytest.mark.django_db
def test_a_message_to_households_in_eleven_languages_renders_each_language_once(
    world, gateway, libretranslate
):
    from tests import factories as f

    languages = ["en", "es", "ar", "zh-Hans", "vi", "ht", "so", "pt", "ru", "fr", "ko"]
    people = []
    for tag in languages:
        for _ in range(2):
            household = f.HouseholdFactory(district=world.district, home_languages=[tag])
            people.append(f.GuardianFactory(household=household, preferred_language=tag))
    language.approve_translation(
        district=world.district,
        source_language="en",
        target_language="es",
        source_text="Picture day",
        text="Día de fotos",
        by=world.admin,
    )
    language.approve_translation(
        district=world.district,
        source_language="en",
        target_language="es",
        source_text=BODY,
        text="El día de fotos es el viernes.",
        by=world.admin,
    )
    message = messaging.send_notice(
        guardians=people, subject="Picture day", body=BODY, by=world.admin, kind="other"
    )
    delivery.drain()
    renderings = {r.language: r for r in message.renderings.all()}
    assert sorted(renderings) == sorted(languages)
    targets = sorted(c[2]["target"] for c in libretranslate.translate_calls())
    assert targets == ["ar", "fr", "ko", "pt", "ru", "vi", "zh"]  # es from memory: no call
    assert renderings["es"].method == "approved"
    assert {renderings[t].method for t in ("ht", "so")} == {"untranslated"}
    assert len(gateway.sent) == 22
