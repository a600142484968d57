"""What events write to a family is in the family's language: the sentences from the portal's
catalogues, the event's title through the translation pipeline with its marker."""

import re

import pytest
from django.utils import translation

from liaison.events import services, wording
from liaison.events.choices import Answer
from liaison.messaging.models import Message
from liaison.messaging.outbox import ensure_renderings
from tests.events.factories import EventFactory

TEN = ["es", "ar", "zh-hans", "vi", "ht", "so", "pt", "ru", "fr", "ko"]


@pytest.fixture
def event(world):
    return EventFactory(
        district=world.district,
        site=world.school,
        title="Family math night",
        description="Games and snacks.",
        interpretation=["es"],
        childcare_offered=True,
    )


def _invitation_rendering(world, event, household):
    [invitation] = services.invite_households(event=event, households=[household], send=False)
    assert services.send_invitations([invitation.pk]) == 1
    message = Message.objects.get(dedupe_key=f"events:{invitation.pk}:invite")
    language = household.guardians.get().preferred_language
    renderings, retry = ensure_renderings(message, [language])
    assert retry is None
    return invitation, renderings[language]


def test_a_spanish_family_gets_its_invitation_in_spanish_with_the_title_machine_translated(
    world, event, libretranslate
):
    _invitation, rendering = _invitation_rendering(world, event, world.caseload_family)
    assert rendering.subject == "Está invitado: [es] Family math night"
    assert "Ofrecemos: interpretación, cuidado de niños." in rendering.body
    assert "Responda aquí: " in rendering.body
    assert f"O responda SÍ, NO o QUIZÁS con el código {event.code}" in rendering.body
    assert "[es] Games and snacks." in rendering.body
    assert "reply YES" not in rendering.body
    assert rendering.method == "machine" and rendering.note == "Traducción automática"


def test_an_arabic_family_gets_its_invitation_in_arabic(world, event, libretranslate):
    _invitation, rendering = _invitation_rendering(world, event, world.taught_family)
    assert rendering.subject == "أنتم مدعوون: [ar] Family math night"
    assert "أجيبوا هنا: " in rendering.body
    assert f"نعم {event.code} 2" in rendering.body
    assert rendering.note == "ترجمة آلية"


def test_without_a_translator_the_title_stays_original_and_the_delivery_is_flagged(world, event):
    _invitation, rendering = _invitation_rendering(world, event, world.caseload_family)
    assert rendering.subject == "Está invitado: Family math night"
    assert "Responda aquí" in rendering.body
    assert rendering.method == "untranslated" and rendering.needs_follow_up


def test_the_staff_copy_stays_in_the_events_language(world, event, libretranslate):
    invitation, _rendering = _invitation_rendering(world, event, world.caseload_family)
    message = Message.objects.get(dedupe_key=f"events:{invitation.pk}:invite")
    assert message.subject == "You are invited: Family math night"


@pytest.mark.parametrize("notice", sorted(wording.NOTICES))
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("es", {"promoted": "Tiene un lugar", "reminder": "Recordatorio", "changed": "Cambio"}),
        ("ar", {"promoted": "لديكم مقعد", "reminder": "تذكير", "changed": "تغيير"}),
    ],
)
def test_each_event_notice_is_worded_in_spanish_and_arabic(
    world, event, notice, language, expected
):
    english = wording.notice_wording(event, notice, "en")
    worded = wording.notice_wording(event, notice, language)
    assert worded.subject != english.subject and worded.body != english.body
    assert "Family math night" in worded.subject and "Family math night" in worded.body
    if notice in expected:
        assert worded.subject.startswith(expected[notice])
    with translation.override(language):
        assert services.when_text(event) in worded.body or notice == "promoted"


@pytest.mark.parametrize("language", TEN)
def test_the_rsvp_keyword_a_family_is_told_to_send_is_one_we_understand(world, event, language):
    [invitation] = services.invite_households(
        event=event, households=[world.caseload_family], send=False
    )
    body = wording.invitation_wording(invitation, language).body
    assert "reply YES" not in body
    example = re.search(rf"([^\W\d_]+) {event.code} 2", body)
    assert example, body
    assert services.parse_reply(f"{example.group(1)} {event.code} 2") == (
        Answer.YES,
        event.code,
        2,
    )


@pytest.mark.parametrize(
    ("reply", "answer"),
    [("CÓ THỂ", Answer.MAYBE), ("Không", Answer.NO), ("có", Answer.YES), ("Quizás", Answer.MAYBE)],
)
def test_vietnamese_and_spanish_keywords_answer_the_invitation(world, event, reply, answer):
    [invitation] = services.invite_households(
        event=event, households=[world.site_family], send=False
    )
    guardian = world.site_family.guardians.get()
    assert services.handle_sms_reply(guardian, f"{reply} {event.code}")
    invitation.refresh_from_db()
    assert invitation.answer == answer


@pytest.mark.parametrize(
    "language, expected",
    [
        ("en", "Tuesday, March 2, 2027, 6:00\u202fPM–7:30\u202fPM"),
        ("so", "Talaado, Maarso 2, 2027, 6:00\u202fGD–7:30\u202fGD"),
        ("ht", "madi 2 mas 2027, 18:00–19:30"),
        ("ru", "вторник, 2 марта 2027\u202fг., 18:00–19:30"),
    ],
)
def test_an_events_day_and_times_are_written_as_the_familys_language_writes_them(
    world, event, language, expected
):
    """Django has no formats for Somali or Haitian Creole: their invitations, flyers and portal
    pages read "Tuesday 2 March 2027, 6 p.m.–7:30 p.m." in English, and Russian "2 Март"."""
    import datetime as dt

    start = dt.datetime(2027, 3, 2, 18, 0, tzinfo=event.zone)
    event.starts_at, event.ends_at = start, start + dt.timedelta(minutes=90)
    assert services.when_text(event, language) == expected


def test_the_place_is_in_the_familys_language_in_the_invitation_the_notices_and_the_portal(
    world, event, libretranslate
):
    # "Alder Elementary cafeteria" reached Spanish families in the staff's English, in every
    # invitation, reminder and portal page, while the title beside it was translated.
    from liaison.portal import family

    _invitation, rendering = _invitation_rendering(world, event, world.caseload_family)
    assert "[es] Alder Elementary cafeteria" in rendering.body
    reminder = wording.notice_wording(event, "reminder", "es")
    assert "[es] Alder Elementary cafeteria" in reminder.body
    guardian = world.caseload_family.guardians.get()
    seen = family.household_invitation(guardian, _invitation.pk, language="es")
    assert seen is not None and seen.place == "[es] Alder Elementary cafeteria"
    assert seen.machine
    # Read in the event's own language, the place is as staff wrote it.
    assert family.household_invitation(guardian, _invitation.pk, language="en").place == (
        "Alder Elementary cafeteria"
    )


def test_an_online_event_without_a_place_gives_its_video_link(world, event):
    event.place, event.video_url = "", "https://meet.example.org/math-night"
    event.save()
    body = wording.notice_wording(event, "reminder", "es").body
    assert "https://meet.example.org/math-night" in body
