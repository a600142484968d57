"""Opting out by any reasonable means (FCC 24-24): short texts that mean "stop" in the family's
language, confirmed in that language; ambiguous ones flagged for a liaison; ordinary replies kept."""

import pytest
from django.urls import reverse

from liaison.language.phrases import UNTRANSLATED_NOTE
from liaison.messaging import delivery, services
from liaison.messaging.choices import SuppressionReason
from liaison.messaging.models import Conversation, Message, Suppression
from tests.messaging.factories import family
from tests.messaging.webhooks import inbound

# (language, what the family texts, what their confirmation says), every portal language, non-Latin
# scripts included. The confirmation is the catalogue's sentence, not a machine translation.
STOP_TEXTS = [
    ("en", "stop please", "you will get no more text messages from us"),
    ("en", "Please stop", "you will get no more text messages from us"),
    ("en", "Stop texting me", "you will get no more text messages from us"),
    ("en", "unsubscribe me", "you will get no more text messages from us"),
    ("en", "Remove me.", "you will get no more text messages from us"),
    ("en", "No more texts!", "you will get no more text messages from us"),
    ("es", "Dejen de enviarme mensajes", "ya no recibirá mensajes de texto nuestros"),
    ("es", "no más", "ya no recibirá mensajes de texto nuestros"),
    ("fr", "Arrêtez", "vous ne recevrez plus de SMS de notre part"),
    ("ar", "أوقفوا الرسائل", "لن تصلك منا رسائل نصية بعد الآن"),
    ("ar", "توقف", "لن تصلك منا رسائل نصية بعد الآن"),
    ("zh-hans", "不要再发了", "您将不会再收到我们的短信"),
    ("zh-hans", "请停止", "您将不会再收到我们的短信"),
    ("vi", "Dừng gửi tin nhắn", "quý vị sẽ không nhận được tin nhắn văn bản nào từ chúng tôi nữa"),
    ("so", "Jooji fariimaha", "fariimo qoraal ah nagama heli doontid mar dambe"),
    ("ht", "Sispann voye m mesaj", "ou p ap resevwa mesaj tèks nan men nou ankò"),
    ("pt", "Pare de me enviar mensagens", "você não receberá mais mensagens de texto nossas"),
    ("ru", "Прекратите присылать сообщения", "вы больше не будете получать от нас SMS"),
    ("ko", "문자 보내지 마세요", "더 이상 저희 문자 메시지를 받지 않습니다"),
    ("ko", "그만", "더 이상 저희 문자 메시지를 받지 않습니다"),
]


def _texts_to(gateway, number):
    return [m["body"] for m in gateway.sent if m["to"] == number]


@pytest.mark.parametrize(("language", "text", "confirmation"), STOP_TEXTS)
def test_stop_in_the_familys_words_opts_out_and_confirms_in_their_language(
    client, world, gateway, language, text, confirmation
):
    household, (mum,) = family(world.district, guardians=1, language=language)
    assert inbound(client, mum.phone, text, "SM-stop").status_code == 200
    assert Suppression.objects.get(channel="sms", address=mum.phone).reason == (
        SuppressionReason.OPT_OUT
    )
    # What she wrote is on the thread, and needs no staff reply.
    conversation = Conversation.objects.get(household=household)
    assert list(conversation.messages.filter(direction="in").values_list("body", flat=True)) == [
        text
    ]
    assert conversation.awaiting_since is None

    delivery.drain()
    services.send_message(household=household, body="Conference reminder", by=world.liaison)
    delivery.drain()
    (reply,) = _texts_to(gateway, mum.phone)  # the confirmation, and nothing after it
    assert reply.startswith(f"{world.district.name}")
    assert confirmation in reply
    assert "START" in reply
    for note in UNTRANSLATED_NOTE.values():
        assert note not in reply
    assert "http" not in reply, "no portal link in a confirmation"


@pytest.mark.parametrize(
    "text",
    [
        "I can't stop by today",
        "the bus did not stop",
        "Can you stop by the office tomorrow?",
        "Yes, at 3",
        "Please stop texting me about the bake sale and call me instead about my son",
        "stop",  # inside a longer text below
    ],
)
def test_ordinary_replies_are_kept_as_replies(client, world, gateway, text):
    household, (mum,) = family(world.district, guardians=1, language="en")
    if text == "stop":
        text = "My son said the teacher told them to stop running in the hall, is that true?"
    inbound(client, mum.phone, text, "SM-reply")
    assert not Suppression.objects.exists()
    message = Message.objects.get(direction="in", guardian=mum)
    assert message.body == text
    assert Conversation.objects.get(household=household).awaiting_since is not None
    client.force_login(world.admin)
    page = client.get(reverse("messaging:conversation", args=[message.conversation_id]))
    assert "may want to stop" not in page.content.decode()
    delivery.drain()
    assert _texts_to(gateway, mum.phone) == []


def test_an_ambiguous_stop_is_flagged_and_one_tap_opts_the_number_out(
    client, world, gateway, django_capture_on_commit_callbacks
):
    household = world.caseload_family
    mum = household.guardians.get()
    mum.phone = "+16175550161"
    mum.save()
    inbound(client, mum.phone, "STOP!!! who is this", "SM-maybe")
    assert not Suppression.objects.exists(), "not a known way of saying stop: a person decides"
    message = Message.objects.get(direction="in", guardian=mum)
    thread = reverse("messaging:conversation", args=[message.conversation_id])
    tap = reverse("messaging:message_opt_out", args=[message.conversation_id, message.pk])

    # Outside the thread's readers: 404, and nothing changes.
    for user in (world.outsider, world.teacher):
        client.force_login(user)
        assert client.post(tap).status_code == 404
    assert not Suppression.objects.exists()

    client.force_login(world.liaison)
    page = client.get(thread).content.decode()
    assert "This family may want to stop receiving texts." in page
    assert f'action="{tap}"' in page and "Opt out this number" in page
    with django_capture_on_commit_callbacks(execute=True):  # as its request commits
        response = client.post(tap)
    assert response.status_code == 302
    assert Suppression.objects.get(channel="sms", address=mum.phone).reason == "opt_out"
    page = client.get(thread).content.decode()
    assert "This number is opted out of texts." in page
    assert f'action="{tap}"' not in page

    client.post(tap)  # a second tap confirms nothing twice
    delivery.drain()
    (reply,) = _texts_to(gateway, mum.phone)
    assert "ya no recibirá mensajes de texto nuestros" in reply  # the family reads Spanish
    assert "http" not in reply


def test_a_stop_from_an_unknown_number_is_confirmed_once_in_its_language(client, world, gateway):
    response = inbound(client, "+12125550177", "STOP", "SM-u1")
    assert Suppression.objects.filter(channel="sms", address="+12125550177").exists()
    body = response.content.decode()
    assert "<Message>You will get no more text messages from this number." in body

    response = inbound(client, "+12125550178", "Arrêtez", "SM-u2")
    assert "<Message>Vous ne recevrez plus de SMS de ce numéro." in response.content.decode()

    again = inbound(client, "+12125550177", "stop please", "SM-u3")
    assert "<Message>" not in again.content.decode(), "one confirmation per opt-out"
