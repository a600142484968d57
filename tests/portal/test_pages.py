"""The family's pages: in their language, right-to-left for Arabic, preferences that stick."""

import re

import pytest
from django.urls import reverse

from liaison.portal.models import FamilyPreference
from liaison.portal.session import SESSION_KEY

LANGUAGES = ["es", "ar", "zh-hans", "vi", "ht", "so", "pt", "ru", "fr", "ko"]
MAIN_PAGES = [
    "portal:home",
    "portal:children",
    "portal:preferences",
    "portal:events",
    "portal:find_help",
    "portal:concern_new",
]
OPEN_PAGES = ["portal:sign_in", "portal:link_sent"]


def english_left_for(lang):
    """The portal's English strings that read differently in `lang` (so must not appear there)."""
    from pathlib import Path

    from babel.messages.pofile import read_po

    import liaison.portal

    folder = "zh_Hans" if lang == "zh-hans" else lang
    po = Path(liaison.portal.__file__).parent / f"locale/{folder}/LC_MESSAGES/django.po"
    with po.open("rb") as fh:
        return [
            m.id
            for m in read_po(fh)
            if m.id
            and isinstance(m.id, str)
            and m.string != m.id
            and len(m.id) > 3
            and "%" not in m.id
        ]


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<option[^>]*>.*?</option>", " ", html, flags=re.S)  # language names
    return re.sub(r"<[^>]+>", " ", html)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogue_has_every_string_translated(lang):
    from pathlib import Path

    from babel.messages.pofile import read_po

    import liaison.portal

    folder = "zh_Hans" if lang == "zh-hans" else lang
    po = Path(liaison.portal.__file__).parent / f"locale/{folder}/LC_MESSAGES/django.po"
    with po.open("rb") as fh:
        catalogue = read_po(fh)
    untranslated = [m.id for m in catalogue if m.id and (not m.string or m.fuzzy)]
    assert untranslated == []
    assert po.with_suffix(".mo").stat().st_mtime >= po.stat().st_mtime - 5, "compile the .mo"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_main_pages_have_no_english_left(client, world, lang):
    guardian = world.caseload_family.guardians.first()
    guardian.preferred_language = lang
    guardian.save()
    session = client.session
    session[SESSION_KEY] = guardian.pk
    session.save()
    english = english_left_for(lang)
    for name in MAIN_PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert response["Content-Language"] == lang
        text = visible_text(response.content.decode())
        left = [m for m in english if re.search(rf"(?<!\w){re.escape(m)}(?!\w)", text)]
        assert left == [], (name, left)
    client.post(reverse("portal:sign_out"))
    for name in OPEN_PAGES:
        text = visible_text(client.get(reverse(name)).content.decode())
        left = [m for m in english if re.search(rf"(?<!\w){re.escape(m)}(?!\w)", text)]
        assert left == [], (name, left)


def test_arabic_is_right_to_left(client, world):
    guardian = world.taught_family.guardians.first()  # preferred language: Arabic
    session = client.session
    session[SESSION_KEY] = guardian.pk
    session.save()
    page = client.get(reverse("portal:home")).content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert "مرحبًا" in page


def test_the_switcher_changes_the_language_for_this_visit(family_client):
    response = family_client.post(
        reverse("portal:language"), {"language": "vi", "next": reverse("portal:children")}
    )
    assert response["Location"] == reverse("portal:children")
    page = family_client.get(reverse("portal:children")).content.decode()
    assert '<html lang="vi"' in page and "Con của tôi" in page


def test_the_switcher_never_sends_the_family_off_the_portal(family_client):
    response = family_client.post(
        reverse("portal:language"), {"language": "fr", "next": "https://evil.example.org/"}
    )
    assert response["Location"] == reverse("portal:home")


def test_a_visitor_can_pick_a_language_before_signing_in(client, db):
    client.post(reverse("portal:language"), {"language": "so", "next": reverse("portal:sign_in")})
    page = client.get(reverse("portal:sign_in")).content.decode()
    assert "Gal bogga qoysaska" in page


def test_preferences_are_saved_and_change_the_language(family_client):
    guardian = family_client.guardian
    response = family_client.post(
        reverse("portal:preferences"),
        {
            "language": "ko",
            "channels": ["email", "portal"],
            "quiet_hours_start": "21:00",
            "quiet_hours_end": "07:00",
            "opt_out_events": "on",
        },
    )
    assert response.status_code == 302
    guardian.refresh_from_db()
    assert guardian.preferred_language == "ko"
    assert guardian.preferred_channels == ["email", "portal"]
    pref = FamilyPreference.objects.get(guardian=guardian)
    assert pref.opt_out_events and not pref.opt_out_announcements
    assert str(pref.quiet_hours_start) == "21:00:00"
    page = family_client.get(reverse("portal:preferences")).content.decode()
    assert "선택 사항이 저장되었습니다." in page
    assert 'value="21:00"' in page


def test_half_quiet_hours_are_explained_and_nothing_is_lost(family_client):
    family_client.post(reverse("portal:language"), {"language": "en"})
    response = family_client.post(
        reverse("portal:preferences"),
        {"language": "es", "channels": ["sms"], "quiet_hours_start": "21:00"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Give both the start and the end of your quiet hours." in page
    assert 'value="21:00"' in page
    assert not FamilyPreference.objects.exists()


def test_no_channel_chosen_is_explained(family_client):
    family_client.post(reverse("portal:language"), {"language": "en"})
    response = family_client.post(reverse("portal:preferences"), {"language": "es"})
    assert "Choose at least one way to reach you." in response.content.decode()


def test_pages_are_small(family_client):
    import gzip

    for name in MAIN_PAGES:
        body = family_client.get(reverse(name)).content
        assert len(gzip.compress(body)) < 20_000, name


def test_the_familys_portal_choices_are_in_its_record_and_can_be_erased(family_client, world):
    from liaison.core import family_record

    family_client.post(
        reverse("portal:preferences"),
        {"language": "es", "channels": ["sms"], "opt_out_reminders": "on"},
    )
    section = next(s for s in family_record.sections() if s.name == "portal")
    [row] = section.export(world.caseload_family)
    assert row["opt_out_reminders"] is True
    assert section.export(world.site_family) == []
    assert section.erase(world.caseload_family) == 1
    assert section.export(world.caseload_family) == []


def test_senders_can_read_what_the_family_opted_out_of(family_client):
    from liaison.portal import services

    guardian = family_client.guardian
    family_client.post(
        reverse("portal:preferences"),
        {"language": "es", "channels": ["sms"], "opt_out_announcements": "on"},
    )
    pref = services.family_choices([guardian.pk])[guardian.pk]
    assert not services.family_accepts(pref, kind="announcement")
    assert services.family_accepts(pref, kind="notice", notice_kind="event_invitation")
    assert services.family_accepts(pref, kind="conversation")
