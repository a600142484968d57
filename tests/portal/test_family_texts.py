"""Everything Liaison writes to a family is in the ten portal languages' catalogues, and what staff
wrote (an event's title) reaches the family's pages through the translation pipeline, marked."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from django.urls import reverse

import liaison
import liaison.portal
from liaison.events import services as events
from liaison.portal.session import LANGUAGE_KEY, SESSION_KEY
from tests.events.factories import EventFactory
from tests.portal.test_pages import LANGUAGES

KEYWORDS = {"pgettext": ((1, "c"), 2), "pgettext_lazy": ((1, "c"), 2)}


def family_texts() -> set[str]:
    """Every text marked for families (context "family") anywhere in the source."""
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(
        Path(liaison.__file__).parent,
        method_map=[("**.py", "python")],
        keywords=KEYWORDS,
    ):
        if context == "family":
            found.add(message)
    return found


def test_the_source_marks_the_texts_families_read():
    texts = family_texts()
    assert "You are invited: %(title)s" in texts
    assert "Message from %(school)s" in texts
    assert len(texts) >= 17


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_family_text_is_translated_in_the_catalogue(lang):
    folder = "zh_Hans" if lang == "zh-hans" else lang
    po = Path(liaison.portal.__file__).parent / f"locale/{folder}/LC_MESSAGES/django.po"
    with po.open("rb") as fh:
        catalogue = read_po(fh)
    problems = []
    for text in sorted(family_texts()):
        entry = catalogue.get(text, context="family")
        if entry is None or not entry.string or entry.fuzzy:
            problems.append(f"missing or fuzzy: {text}")
        elif sorted(_placeholders(entry.string)) != sorted(_placeholders(text)):
            problems.append(f"placeholders differ: {text} → {entry.string}")
    assert problems == []


def _placeholders(text: str) -> list[str]:
    return re.findall(r"%\(\w+\)s", text)


@pytest.fixture
def event(world):
    return EventFactory(
        district=world.district,
        site=world.school,
        title="Family math night",
        description="Games and snacks.",
    )


def _signed_in(client, guardian):
    session = client.session
    session[SESSION_KEY] = guardian.pk
    session.pop(LANGUAGE_KEY, None)
    session.save()
    return client


def test_the_arabic_portal_shows_the_event_title_in_arabic_with_the_marker(
    client, world, event, libretranslate
):
    household = world.taught_family  # reads Arabic
    events.invite_households(event=event, households=[household], send=False)
    page = _signed_in(client, household.guardians.get()).get(reverse("portal:events"))
    html = page.content.decode()
    assert '<html lang="ar"' in html
    assert "[ar] Family math night</a>" in html
    assert _arabic_marker() in html


def _arabic_marker() -> str:
    po = Path(liaison.portal.__file__).parent / "locale/ar/LC_MESSAGES/django.po"
    with po.open("rb") as fh:
        entry = read_po(fh).get(
            "Translated automatically. Ask your liaison if something is unclear."
        )
    return entry.string


def test_the_spanish_rsvp_page_shows_the_event_in_spanish_with_the_marker(
    client, world, event, libretranslate
):
    [invitation] = events.invite_households(
        event=event, households=[world.caseload_family], send=False
    )
    url = reverse("events:rsvp_link", args=[events.rsvp_token(invitation)])
    html = client.get(url, headers={"accept-language": "es"}).content.decode()
    assert '<h1 lang="es" dir="auto">[es] Family math night</h1>' in html
    assert "[es] Games and snacks." in html
    assert "Traducido automáticamente" in html


def test_an_edited_title_is_translated_again(client, world, event, libretranslate):
    household = world.taught_family
    [invitation] = events.invite_households(event=event, households=[household], send=False)
    client = _signed_in(client, household.guardians.get())
    url = reverse("portal:event", args=[invitation.pk])
    assert "[ar] Family math night" in client.get(url).content.decode()
    calls = len(libretranslate.calls)
    assert "[ar] Family math night" in client.get(url).content.decode()
    assert len(libretranslate.calls) == calls  # cached: the engine is not asked again
    events.update_event(event=event, title="Family science night")
    html = client.get(url).content.decode()
    assert "[ar] Family science night" in html and "[ar] Family math night" not in html
