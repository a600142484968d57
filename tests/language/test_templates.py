"""The template library: shipped drafts in ten languages, filled per family with Babel formats,
counted as machine translation until the district approves each one."""

import datetime as dt
import json
from pathlib import Path

import pytest

from liaison.language import services, templating
from liaison.language.models import MessageTemplate, TemplateTranslation
from liaison.language.pipeline import personalize
from liaison.language.rendering import APPROVED, MACHINE, ORIGINAL, render_message

LANGS = ["es", "ar", "zh-Hans", "vi", "ht", "so", "pt", "ru", "fr", "ko"]
SLUGS = [
    "school_closure",
    "early_dismissal",
    "absence_follow_up",
    "conference_invitation",
    "event_reminder",
    "meeting_request",
    "special_education_meeting",
    "referral_information",
    "welcome_liaison",
]


@pytest.mark.django_db
def test_the_library_ships_nine_notices_in_ten_languages_as_drafts():
    assert sorted(
        MessageTemplate.objects.filter(district=None).values_list("slug", flat=True)
    ) == sorted(SLUGS)
    for template in MessageTemplate.objects.filter(district=None):
        rows = {t.language: t for t in template.translations.all()}
        assert sorted(rows) == sorted(LANGS), template.slug
        want = set(templating.placeholders(template.subject + " " + template.body))
        for language, row in rows.items():
            assert row.status == "draft"
            have = set(templating.placeholders(row.subject + " " + row.body))
            assert have == want, (template.slug, language)


def test_every_shipped_translation_differs_from_the_english():
    data = json.loads(
        (Path(templating.__file__).parent / "data" / "templates.json").read_text("utf-8")
    )
    for item in data:
        for language, text in item["translations"].items():
            assert text["body"] != item["body"], (item["slug"], language)


def test_dates_times_and_plurals_follow_each_language():
    when = dt.date(2026, 12, 3)
    assert templating.fill("{date}", {"date": when}, "es") == "jueves, 3 de diciembre de 2026"
    assert templating.fill("{date}", {"date": when}, "ht") == "jedi 3 desanm 2026"
    assert templating.fill("{time}", {"time": dt.time(15, 30)}, "ko") == "오후 3:30"
    ru = "{days, plural, one {# день} few {# дня} many {# дней} other {# дня}}"
    assert [templating.fill(ru, {"days": n}, "ru") for n in (1, 3, 5, 21)] == [
        "1 день",
        "3 дня",
        "5 дней",
        "21 день",
    ]
    ar = "{days, plural, zero {# يوم} one {يومًا واحدًا} two {يومين} few {# أيام} many {# يومًا} other {# يوم}}"
    assert templating.fill(ar, {"days": 2}, "ar") == "يومين"
    assert templating.fill(ar, {"days": 3}, "ar") == "3 أيام"
    # A placeholder the context lacks stays for the per-family step.
    assert templating.fill("{guardian_name}, {date}", {"date": when}, "fr") == (
        "{guardian_name}, jeudi 3 décembre 2026"
    )


@pytest.mark.django_db
def test_a_template_message_uses_drafts_as_machine_translation_until_approved(world):
    template = MessageTemplate.objects.get(slug="school_closure", district=None)
    context = {"school": "Alder Elementary", "date": dt.date(2026, 12, 3)}
    out = render_message(
        district=world.district,
        subject="",
        body="",
        source_language="en",
        target_languages=["en", "es", "so"],
        template="school_closure",
        context=context,
    )
    assert out["en"].method == ORIGINAL
    assert out["en"].subject == "Alder Elementary is closed on Thursday, December 3, 2026"
    assert out["es"].method == MACHINE and out["es"].note == "Traducción automática"
    assert "Alder Elementary estará cerrada el jueves, 3 de diciembre de 2026" in out["es"].body
    shipped = TemplateTranslation.objects.get(template=template, district=None, language="es")
    services.approve_template_translation(
        template=template,
        district=world.district,
        language="es",
        subject=shipped.subject,
        body=shipped.body,
        by=world.admin,
    )
    again = render_message(
        district=world.district,
        subject="",
        body="",
        source_language="en",
        target_languages=["es", "so"],
        template=template,
        context=context,
    )
    assert again["es"].method == APPROVED
    assert again["so"].method == MACHINE  # still a draft in Somali
    approved = TemplateTranslation.objects.get(template=template, district=world.district)
    assert approved.approved_by == world.admin and approved.approved_at is not None


@pytest.mark.django_db
def test_family_placeholders_are_filled_per_guardian(world):
    out = render_message(
        district=world.district,
        subject="",
        body="",
        source_language="en",
        target_languages=["vi"],
        template="absence_follow_up",
        context={"days": 3, "phone": "(617) 555-0100"},
    )
    text = personalize(
        out["vi"].body,
        language="vi",
        context={"guardian_name": "Lan", "student_name": "Minh"},
    )
    assert text.startswith("Chào Lan, Minh đã nghỉ học 3 ngày.")
