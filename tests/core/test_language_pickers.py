"""Every form and filter that takes a language takes it by name, in English and in the language
itself, and no page answers with a BCP 47 error or a bare code.

The table PICKERS lists each form field with the page that shows it; a new language field
anywhere in the apps' forms without a row here (or a reason in NOT_PICKERS) fails
`test_every_language_field_is_a_picker_with_a_row`."""

import datetime as dt
import importlib
import inspect
from dataclasses import dataclass
from typing import Any

import pytest
from django import forms
from django.apps import apps
from django.urls import reverse

from liaison.core.languages import (
    LanguageField,
    LanguagesField,
    language_label,
    resolve_language,
)
from tests import factories as f


@dataclass(frozen=True)
class Picker:
    form: str  # "app.FormClass"
    field: str  # the field's name (with the form's prefix when it has one)
    url: Any  # (world) -> the page's URL
    user: str | None  # world's member who opens it (None: a family's link)
    method: str = "post"
    multiple: bool = False


def _event(world):
    from tests.events.factories import EventFactory

    return EventFactory(
        district=world.district,
        site=world.school,
        starts_at=dt.datetime(2027, 5, 1, 16, tzinfo=dt.UTC),
        ends_at=dt.datetime(2027, 5, 1, 18, tzinfo=dt.UTC),
    )


def _rsvp_token(world):
    from liaison.events import services

    [inv] = services.invite_households(
        event=_event(world), households=[world.caseload_family], send=False
    )
    return services.rsvp_token(inv)


def _concern(world):
    from tests.concerns.factories import concern

    return concern(world.caseload_family, assignee=world.liaison)


PICKERS = [
    Picker("people.HouseholdForm", "home_languages", lambda w: reverse("people:household_new"), "liaison", multiple=True),
    Picker("people.GuardianForm", "preferred_language", lambda w: reverse("people:guardian_new", args=[w.caseload_family.pk]), "liaison"),
    Picker("events.EventForm", "language", lambda w: reverse("events:new"), "liaison"),
    Picker("events.EventForm", "interpretation", lambda w: reverse("events:new"), "liaison", multiple=True),
    Picker("events.InviteForm", "language", lambda w: reverse("events:invite", args=[_event(w).pk]), "liaison"),
    Picker("events.RsvpForm", "interpreter_language", lambda w: reverse("events:rsvp_link", args=[_rsvp_token(w)]), None),
    Picker("events.GroupForm", "language", lambda w: reverse("events:groups"), "leader"),
    Picker("language.PreviewForm", "source_language", lambda w: reverse("language:preview"), "liaison"),
    Picker("language.PreviewForm", "other_languages", lambda w: reverse("language:preview"), "liaison", multiple=True),
    Picker("language.LanguageSettingsForm", "engine_languages_text", lambda w: reverse("language:settings"), "admin", multiple=True),
    Picker("language.InterpreterForm", "languages_text", lambda w: reverse("language:interpreter_new"), "admin", multiple=True),
    Picker("language.InterpreterRequestForm", "language", lambda w: reverse("language:request_new", args=[w.caseload_family.pk]), "liaison"),
    Picker("messaging.AnnouncementForm", "languages", lambda w: reverse("messaging:announcement_new"), "admin", multiple=True),
    Picker("concerns.ConcernForm", "language", lambda w: reverse("concerns:new", args=[w.caseload_family.pk]), "liaison"),
    Picker("concerns.MeetingForm", "language", lambda w: reverse("concerns:meeting_new", args=[_concern(w).pk]), "liaison"),
    Picker("concerns.ContactForm", "contact-language", lambda w: reverse("concerns:contacts", args=[w.caseload_family.pk]), "liaison"),
    Picker("resources.SearchForm", "language", lambda w: reverse("resources:search"), "liaison", method="get"),
]  # fmt: skip

# Language fields that are not typed: each says why.
NOT_PICKERS = {
    # A menu of the few languages the readable record has every word for (English, Spanish).
    "audit.ExportForm.language": "menu of the languages the record is written in",
    # The family picks one of the portal's ten languages, each named in itself, from a menu.
    "portal.LanguageForm.language": "menu of the portal's languages",
    "portal.PreferencesForm.language": "menu of the portal's languages",
    "portal.RsvpForm.interpreter_language": "menu of the portal's languages",
    # Tick boxes of the families' languages, labelled "Spanish — español".
    "language.PreviewForm.languages": "tick boxes labelled by name",
    # Hidden: the preview card posts back the tags it was made with.
    "language.CorrectionForm.language": "hidden, posted by the page",
    "language.CorrectionForm.source_language": "hidden, posted by the page",
    # A menu of the languages the caseload's families speak, each "Spanish — español".
    "people.CaseloadFilterForm.language": "menu of the caseload's languages, by name",
    # The school's attendance message previewed in one of the portal's languages, each by name.
    "attendance.AttendanceMessageForm.language": "menu of the portal's languages, by name",
    "attendance.SendAttendanceMessageForm.language": "menu of the portal's languages, by name",
}

# A language by its English name and by its own, one or several.
NAMES = {
    False: ["Spanish", "español", "espanol", "Vietnamese", "Tiếng Việt"],
    True: ["Spanish, Somali", "español, Soomaali", "Vietnamese; Tiếng Việt, العربية"],
}
EXPECTED = {
    "Spanish": ["es"],
    "español": ["es"],
    "espanol": ["es"],
    "Vietnamese": ["vi"],
    "Tiếng Việt": ["vi"],
    "Spanish, Somali": ["es", "so"],
    "español, Soomaali": ["es", "so"],
    "Vietnamese; Tiếng Việt, العربية": ["vi", "ar"],
}
RAW_ERRORS = ["BCP 47", "language tag", "not a known language"]


def _form_classes():
    for config in apps.get_app_configs():
        if not config.name.startswith("liaison."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.forms")
        except ModuleNotFoundError:
            continue
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                yield f"{config.label}.{name}", cls


def test_every_language_field_is_a_picker_with_a_row():
    rows = {(p.form, p.field.split("-")[-1]) for p in PICKERS}
    missing, not_pickers = [], []
    for label, cls in _form_classes():
        for name, field in cls.base_fields.items():
            key = f"{label}.{name}"
            is_picker = isinstance(field, LanguageField | LanguagesField)
            if not (is_picker or "language" in name) or key in NOT_PICKERS:
                continue
            if not is_picker:
                not_pickers.append(key)
            elif (label, name) not in rows:
                missing.append(key)
    assert not_pickers == [], "language fields typed without the picker"
    assert missing == [], "language pickers without a row in PICKERS"


def test_the_scan_sees_a_new_language_field_without_a_row():
    """The test of the test: a form with a language field of either kind is seen."""

    class Late(forms.Form):
        spoken_language = forms.CharField()
        home = LanguagesField()

    fields = Late.base_fields
    assert "language" in "spoken_language" and not isinstance(
        fields["spoken_language"], LanguageField
    )
    assert isinstance(fields["home"], LanguagesField)


def _form_in(response, field):
    name = field.split("-")[-1]
    for context in response.context or []:
        for value in context.flatten().values() if hasattr(context, "flatten") else []:
            if isinstance(value, forms.BaseForm) and name in value.fields:
                return value
    return None


def _open(client, world, picker):
    if picker.user:
        client.force_login(getattr(world, picker.user))
    return picker.url(world)


@pytest.mark.parametrize("picker", PICKERS, ids=lambda p: f"{p.form}.{p.field}")
def test_the_page_offers_languages_by_name(client, world, picker):
    url = _open(client, world, picker)
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Spanish — español" in html
    assert f'name="{picker.field}"' in html
    assert 'list="' in html


@pytest.mark.parametrize("picker", PICKERS, ids=lambda p: f"{p.form}.{p.field}")
def test_a_language_typed_by_name_is_taken_in_english_and_in_itself(client, world, picker):
    url = _open(client, world, picker)
    for typed in NAMES[picker.multiple]:
        send = client.get if picker.method == "get" else client.post
        response = send(url, {picker.field: typed})
        assert response.status_code in (200, 302), typed
        html = response.content.decode()
        for raw in RAW_ERRORS:
            assert raw not in html, (typed, raw)
        form = _form_in(response, picker.field)
        if form is None:
            assert response.status_code == 302  # saved and gone on
            continue
        name = picker.field.split("-")[-1]
        assert name not in form.errors, (typed, form.errors.get(name))
        cleaned = form.cleaned_data.get(name)
        want = EXPECTED[typed]
        assert (cleaned if picker.multiple else [cleaned]) == want, typed


@pytest.mark.parametrize("picker", PICKERS, ids=lambda p: f"{p.form}.{p.field}")
def test_an_unknown_language_is_named_back_never_as_a_tag_error(client, world, picker):
    url = _open(client, world, picker)
    send = client.get if picker.method == "get" else client.post
    response = send(url, {picker.field: "Klingonish"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "know a language called “Klingonish”" in html
    for raw in RAW_ERRORS:
        assert raw not in html


@pytest.mark.parametrize(
    ("reader", "tag", "label"),
    [
        ("en", "es", "Spanish — español"),
        ("en", "vi", "Vietnamese — Tiếng Việt"),
        ("es", "en", "inglés — English"),
        ("es", "es", "español"),
        ("en", "so", "Somali — Soomaali"),
    ],
)
def test_a_language_is_shown_in_the_readers_language_and_in_itself(reader, tag, label):
    assert language_label(tag, reader) == label


@pytest.mark.parametrize(
    ("typed", "tag"),
    [
        ("Spanish — español", "es"),
        ("inglés", "en"),
        ("Tieng Viet", "vi"),
        ("zh-Hans", "zh-Hans"),
        ("Haitian Creole", "ht"),
        ("árabe", "ar"),
    ],
)
def test_labels_names_without_accents_and_tags_are_all_understood(typed, tag):
    assert resolve_language(typed) == tag


def test_an_existing_value_is_shown_by_name_in_the_form(client, world):
    guardian = f.GuardianFactory(household=world.caseload_family, preferred_language="so")
    client.force_login(world.liaison)
    html = client.get(reverse("people:guardian_edit", args=[guardian.pk])).content.decode()
    assert 'value="Somali — Soomaali"' in html


def test_a_family_on_the_spanish_rsvp_page_types_espanol_and_is_understood(client, world):
    from liaison.events.models import Invitation

    url = reverse("events:rsvp_link", args=[_rsvp_token(world)])
    page = client.get(url, headers={"accept-language": "es"}).content.decode()
    assert "español" in page and "Somali — Soomaali" not in page  # names read in Spanish
    answer = {"answer": "yes", "party_size": "2", "interpreter_language": "español"}
    wrong = client.post(
        url, {**answer, "interpreter_language": "Klingonish"}, headers={"accept-language": "es"}
    ).content.decode()
    assert "No conocemos ningún idioma llamado “Klingonish”" in wrong
    for raw in RAW_ERRORS:
        assert raw not in wrong
    response = client.post(url, answer, headers={"accept-language": "es"})
    assert response.status_code == 200
    assert Invitation.objects.get().interpreter_language == "es"
