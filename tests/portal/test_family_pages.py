"""Events with RSVP, finding help near home and raising a concern, from the family's side."""

import gzip

import pytest
from django.urls import reverse

from liaison.concerns.models import Concern
from liaison.events import services as events
from tests.events.factories import EventFactory


@pytest.fixture(autouse=True)
def _in_english(request):
    """These tests read the page in English (the caseload family's own language is Spanish)."""
    if "family_client" in request.fixturenames:
        client = request.getfixturevalue("family_client")
        client.post(reverse("portal:language"), {"language": "en"})


@pytest.fixture
def invitation(world):
    event = EventFactory(
        district=world.district,
        site=world.school,
        title="Family math night",
        description="Games and snacks; bring the children.",
        interpretation=["vi", "es"],
        childcare_offered=True,
    )
    return events.invite_households(event=event, households=[world.caseload_family], send=False)[0]


def test_the_events_page_lists_the_households_invitations(family_client, invitation, world):
    theirs = EventFactory(district=world.district, title="Someone else's night")
    events.invite_households(event=theirs, households=[world.site_family], send=False)
    page = family_client.get(reverse("portal:events")).content.decode()
    assert "Family math night" in page and "You have not answered yet." in page
    assert "Someone else&#x27;s night" not in page and "Someone else's night" not in page
    home = family_client.get(reverse("portal:home")).content.decode()
    assert reverse("portal:event", args=[invitation.pk]) in home


def test_a_family_answers_yes_with_an_interpreter_childcare_and_a_ride(family_client, invitation):
    url = reverse("portal:event", args=[invitation.pk])
    response = family_client.post(
        url,
        {
            "answer": "yes",
            "party_size": "3",
            "interpreter_language": "vi",
            "childcare_ages": "3, 5",
            "needs_transport": "on",
        },
    )
    assert response.status_code == 302 and response["Location"] == url
    invitation.refresh_from_db()
    assert invitation.answer == "yes" and invitation.seat == "confirmed"
    assert invitation.party_size == 3 and invitation.interpreter_language == "vi"
    assert invitation.childcare_ages == [3, 5] and invitation.needs_transport
    assert invitation.channel == "portal"
    page = family_client.get(url).content.decode()
    assert "Your answer is saved. Thank you." in page and "You said yes, for 3 people." in page
    assert reverse("events:qr", args=[invitation.token]) in page


def test_bad_answers_are_explained_and_nothing_typed_is_lost(family_client, invitation, settings):
    family_client.post(reverse("portal:language"), {"language": "en"})
    url = reverse("portal:event", args=[invitation.pk])
    response = family_client.post(
        url, {"party_size": "40", "childcare_ages": "3, baby", "interpreter_language": "vi"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose yes, no or maybe." in page
    assert f"At most {settings.EVENTS_MAX_PARTY} people." in page
    assert "Write each age in years from 0 to 17" in page
    assert 'value="3, baby"' in page and 'value="vi" selected' in page
    invitation.refresh_from_db()
    assert invitation.answer == ""


def test_a_cancelled_event_takes_no_answer(family_client, invitation, world):
    events.cancel_event(event=invitation.event, by=world.admin)
    url = reverse("portal:event", args=[invitation.pk])
    page = family_client.get(url).content.decode()
    assert "This event was cancelled." in page and '<form method="post" novalidate>' not in page
    family_client.post(url, {"answer": "yes", "party_size": "1"})
    invitation.refresh_from_db()
    assert invitation.answer == ""


def test_the_event_reads_in_the_familys_language_with_the_original(family_client, world):
    """The event's title and description as a person approved them in the family's language."""
    from liaison.language.services import approve_translation

    household = world.site_family  # prefers Vietnamese
    guardian = household.guardians.first()
    event = EventFactory(
        district=world.district,
        site=world.school,
        title="Family math night",
        description="Games and snacks.",
    )
    [invitation] = events.invite_households(event=event, households=[household], send=False)
    for source, text in (
        ("Family math night", "Đêm toán học gia đình"),
        ("Games and snacks.", "Trò chơi và đồ ăn nhẹ."),
    ):
        approve_translation(
            district=world.district,
            source_language="en",
            target_language="vi",
            source_text=source,
            text=text,
            by=world.liaison,
        )
    from liaison.portal.session import LANGUAGE_KEY, SESSION_KEY

    session = family_client.session
    session[SESSION_KEY] = guardian.pk
    session.pop(LANGUAGE_KEY, None)  # her own language, as when she signs in
    session.save()
    page = family_client.get(reverse("portal:event", args=[invitation.pk])).content.decode()
    assert "<h1>Đêm toán học gia đình</h1>" in page
    assert "Trò chơi và đồ ăn nhẹ." in page
    assert "Bản dịch tự động" not in page  # approved by a person: no machine marker
    assert '<div lang="en" dir="auto"><p class="msg-subject">Family math night</p>' in page
    assert '<html lang="vi"' in page


def test_the_familys_search_finds_a_food_bank_near_home_without_staff_notes(
    family_client, world, directory
):
    from liaison.resources.models import Service

    household = world.caseload_family
    household.latitude, household.longitude = 42.3601, -71.0589
    household.save()
    pantry = Service.objects.get(name="Weekly Food Pantry")
    pantry.local_notes = "STAFF-ONLY: ask for Dana, skip the line"
    pantry.save()
    response = family_client.get(reverse("portal:find_help"), {"q": "comida"})
    page = response.content.decode()
    assert "Weekly Food Pantry" in page
    assert "STAFF-ONLY" not in page
    assert "Immigration Legal Clinic" not in page
    assert "tel:+1" in page  # a phone to tap
    assert len(gzip.compress(response.content)) < 100_000


def test_an_empty_search_asks_for_a_need_or_a_word(family_client, directory):
    family_client.post(reverse("portal:language"), {"language": "en"})
    page = family_client.get(reverse("portal:find_help"), {"q": " "}).content.decode()
    assert "Choose a need or type a word." in page


def test_a_family_raises_a_concern_and_sees_it_on_home(family_client, world):
    guardian = family_client.guardian
    response = family_client.post(
        reverse("portal:concern_new"),
        {
            "category": "bullying_safety",
            "description": "Mi hija tiene miedo en el autobús.",
            "reach": "call",
            "reach_note": "after 5 pm",
        },
    )
    concern = Concern.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:concern", args=[concern.pk])
    assert concern.source == "portal" and concern.guardian == guardian
    assert concern.household == world.caseload_family and concern.raised_by is None
    assert concern.contact_preference == "Phone call: after 5 pm"
    assert concern.language == guardian.preferred_language
    page = family_client.get(response["Location"]).content.decode()
    assert "Mi hija tiene miedo en el autobús." in page
    home = family_client.get(reverse("portal:home")).content.decode()
    assert reverse("portal:concern", args=[concern.pk]) in home


def test_a_family_with_two_children_says_which_one_the_concern_is_about(family_client, world):
    from tests import factories as f

    guardian = family_client.guardian
    first = world.caseload_family.students.get()
    second = f.StudentFactory(household=world.caseload_family, given_name="Lucía")
    guardian.student_links.create(student=second)
    other_child = world.taught_family.students.first()
    page = family_client.get(reverse("portal:concern_new")).content.decode()
    assert "Which child is it about?" in page and "Lucía" in page
    assert other_child.given_name not in page

    refused = family_client.post(
        reverse("portal:concern_new"),
        {"category": "health", "description": "Fiebre", "reach": "portal",
         "children": [str(other_child.pk)]},
    )  # fmt: skip
    assert refused.status_code == 200 and "Choose among your children." in refused.content.decode()
    assert "Fiebre" in refused.content.decode() and not Concern.objects.exists()

    family_client.post(
        reverse("portal:concern_new"),
        {"category": "health", "description": "Fiebre", "reach": "portal",
         "children": [str(second.pk)]},
    )  # fmt: skip
    assert list(Concern.objects.get().students.all()) == [second]
    assert first.given_name  # the first child was offered but not chosen


def test_a_family_with_one_child_is_not_asked_which(family_client):
    page = family_client.get(reverse("portal:concern_new")).content.decode()
    assert "Which child is it about?" not in page


def test_a_concern_without_a_description_is_explained_and_kept(family_client):
    family_client.post(reverse("portal:language"), {"language": "en"})
    response = family_client.post(
        reverse("portal:concern_new"),
        {"category": "health", "description": "  ", "reach": "text", "reach_note": "mornings"},
    )
    page = response.content.decode()
    assert response.status_code == 200 and "Tell us what happened." in page
    assert 'value="mornings"' in page and 'value="health" selected' in page
    assert not Concern.objects.exists()


def test_concerns_staff_raised_about_the_family_are_not_shown(family_client, world):
    from tests.concerns import factories as cf

    referral = cf.concern(world.caseload_family, source="teacher", description="Teacher's worry")
    response = family_client.get(reverse("portal:concern", args=[referral.pk]))
    assert response.status_code == 404
    assert "Teacher&#x27;s worry" not in family_client.get(reverse("portal:home")).content.decode()


@pytest.mark.parametrize("name", ["portal:events", "portal:find_help", "portal:concern_new"])
def test_new_pages_are_small(family_client, invitation, name):
    body = family_client.get(reverse(name)).content
    assert len(gzip.compress(body)) < 20_000, name


@pytest.mark.parametrize("lang", ["es", "ar", "zh-hans", "vi", "ht", "so", "pt", "ru", "fr", "ko"])
def test_event_help_and_concern_pages_have_no_english_left(family_client, invitation, lang):
    import re

    from tests import factories as f
    from tests.portal.test_pages import english_left_for, visible_text

    second = f.StudentFactory(household=family_client.guardian.household, given_name="Lucía")
    family_client.guardian.student_links.create(student=second)  # "which child?" is asked
    family_client.post(reverse("portal:language"), {"language": lang})
    concern = family_client.post(
        reverse("portal:concern_new"),
        {"category": "other", "description": "Texto de la familia", "reach": "portal"},
    )
    invitation.event.interpretation = ["vi"]
    invitation.event.transport_offered = True
    invitation.event.save()
    family_client.post(
        reverse("portal:event", args=[invitation.pk]), {"answer": "yes", "party_size": "2"}
    )
    english = english_left_for(lang)
    for url in [
        reverse("portal:event", args=[invitation.pk]),
        concern["Location"],
        reverse("portal:concern_new"),
        reverse("portal:find_help") + "?need=food",
        reverse("portal:find_help") + "?q=",
    ]:
        response = family_client.get(url)
        assert response["Content-Language"] == lang
        # The event's own title, place and description are the school's words, not ours.
        text = visible_text(response.content.decode()).replace("Family math night", "")
        left = [m for m in english if re.search(rf"(?<!\w){re.escape(m)}(?!\w)", text)]
        assert left == [], (url, left)


def test_the_link_in_an_invitation_text_opens_that_event_and_takes_the_answer(client, invitation):
    from liaison.portal import services

    guardian = invitation.household.guardians.first()
    link = services.deep_link_url(guardian=guardian, purpose="invitation", target_id=invitation.pk)
    response = client.get(link.removeprefix(settings_public_url()))
    url = reverse("portal:event", args=[invitation.pk])
    assert response["Location"] == url
    assert client.get(url).status_code == 200
    client.post(url, {"answer": "maybe", "party_size": "1"})
    invitation.refresh_from_db()
    assert invitation.answer == "maybe" and invitation.channel == "portal"
    # Signed in for that one invitation only: the rest asks for a code.
    assert client.get(reverse("portal:events"))["Location"].startswith(reverse("portal:sign_in"))


def settings_public_url():
    from django.conf import settings

    return settings.PUBLIC_URL
