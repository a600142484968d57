"""What concerns write to a family (the satisfaction question, a meeting's summary) reaches them in
their language: the sentences from the catalogues, what staff wrote through the pipeline."""

import pytest

from liaison.concerns import services
from liaison.messaging.models import Message
from liaison.messaging.outbox import ensure_renderings
from tests.concerns import factories as cf


def _resolved(world, household):
    concern = cf.concern(household, assignee=world.liaison)
    services.change_status(
        concern=concern, status="resolved", by=world.liaison, resolution_summary="Fixed."
    )
    concern.refresh_from_db()
    return concern


@pytest.mark.parametrize(
    ("family", "language", "subject", "reply", "category"),
    [
        (
            "caseload_family",
            "es",
            "¿Se resolvió su inquietud?",
            "Responda 1 para sí",
            "Acoso escolar o seguridad",
        ),
        (
            "taught_family",
            "ar",
            "هل تم حل المشكلة التي طرحتموها؟",
            "ردوا بـ 1 لنعم",
            "التنمّر أو السلامة",
        ),
    ],
)
def test_the_satisfaction_question_is_asked_in_the_familys_language(
    world, family, language, subject, reply, category
):
    # With no engine at all: a standard category is in the family's words from the catalogue, as
    # the portal names it (it came in English, in the middle of a Spanish sentence).
    concern = _resolved(world, getattr(world, family))
    assert services.ask_satisfaction(concern=concern, by=world.liaison)
    message = Message.objects.get(notice_kind="concern_satisfaction")
    rendering = ensure_renderings(message, [language])[0][language]
    assert rendering.subject == subject
    assert reply in rendering.body
    assert category in rendering.body and concern.category.label not in rendering.body
    assert rendering.method == "original"


def test_a_districts_own_category_in_the_satisfaction_question_is_translated(world, libretranslate):
    from liaison.concerns.models import ConcernCategory

    ConcernCategory.objects.create(
        district=world.district, code="after-school", label="After-school program", order=5
    )
    concern = cf.concern(world.caseload_family, assignee=world.liaison, category="after-school")
    services.change_status(
        concern=concern, status="resolved", by=world.liaison, resolution_summary="Fixed."
    )
    concern.refresh_from_db()
    assert services.ask_satisfaction(concern=concern, by=world.liaison)
    message = Message.objects.get(notice_kind="concern_satisfaction")
    rendering = ensure_renderings(message, ["es"])[0]["es"]
    assert "[es] After-school program" in rendering.body  # staff's words, machine
    assert rendering.method == "machine"


@pytest.mark.parametrize(
    ("family", "language", "subject"),
    [
        ("caseload_family", "es", "Lo que acordamos en nuestra reunión"),
        ("taught_family", "ar", "ما اتفقنا عليه في اجتماعنا"),
    ],
)
def test_a_meetings_summary_has_its_subject_from_the_catalogue_and_its_agreements_translated(
    world, libretranslate, family, language, subject
):
    concern = cf.concern(getattr(world, family), assignee=world.liaison)
    meeting = cf.meeting(concern)
    services.update_meeting(
        meeting=meeting, by=world.liaison, agreements="The bus stop moves to Elm Street."
    )
    assert services.send_meeting_summary(meeting=meeting, by=world.liaison)
    message = Message.objects.get(notice_kind="mediation_summary")
    rendering = ensure_renderings(message, [language])[0][language]
    assert rendering.subject == subject
    assert rendering.body == f"[{language}] The bus stop moves to Elm Street."
    assert rendering.method == "machine" and rendering.note
