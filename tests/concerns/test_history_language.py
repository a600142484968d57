"""A concern's history is read in the reader's language, whoever made the change and in whatever
language they worked."""

import datetime as dt
import importlib

from django.apps import apps
from django.urls import reverse
from django.utils import timezone, translation

from liaison.concerns import services
from liaison.concerns.choices import Status, Urgency
from liaison.concerns.models import ConcernChange
from liaison.portal import family
from tests.concerns import factories as cf


def _history(client, user, concern, language):
    client.force_login(user)
    response = client.get(
        reverse("concerns:detail", args=[concern.pk]), HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 200
    return response.content.decode()


def test_a_change_made_in_spanish_reads_in_english_for_an_english_reader_and_back(client, world):
    concern = cf.concern(world.caseload_family, assignee=world.liaison)
    with translation.override("es"):  # the liaison works in Spanish
        services.change_status(concern=concern, status=Status.IN_PROGRESS, by=world.liaison)
        services.update_concern(concern=concern, by=world.liaison, urgency=Urgency.HIGH)

    english = _history(client, world.leader, concern, "en")
    assert "Assigned</del> → In progress" in english
    assert "Normal</del> → High" in english
    assert "En curso" not in english and "Alta" not in english

    spanish = _history(client, world.leader, concern, "es")
    assert "En curso" in spanish and "Alta" in spanish


def test_a_concern_a_family_raised_in_spanish_reads_in_english_with_its_meeting_and_note(
    client, world
):
    guardian = world.caseload_family.guardians.first()
    with translation.override("es"):  # the family's portal, in Spanish
        concern = family.raise_concern(
            guardian=guardian,
            category="bullying_safety",
            description="En el autobús.",
            contact_preference="",
        )
    with translation.override("es"):
        services.add_note(concern=concern, body="Llamé.", by=world.liaison, restricted=True)
        services.plan_meeting(
            concern=concern,
            starts_at=timezone.make_aware(dt.datetime(2026, 12, 14, 15, 30)),
            place="Sala 4",
            by=world.liaison,
        )

    english = _history(client, world.liaison, concern, "en")
    assert "Bullying or safety · High · Family portal" in english
    assert "confidential note" in english
    assert "Dec 14, 2026" in english and "Sala 4" in english
    for spanish in ("Acoso escolar", "Alta", "Portal familiar", "nota confidencial", "14 dic"):
        assert spanish not in english
    assert "Acoso escolar o seguridad · Alta · Portal familiar" in _history(
        client, world.liaison, concern, "es"
    )


def test_history_written_as_words_before_is_given_its_values(world):
    migration = importlib.import_module("liaison.concerns.migrations.0008_history_values_as_codes")
    concern = cf.concern(world.caseload_family, assignee=world.liaison)

    def change(field, old, new):
        return ConcernChange.objects.create(
            concern=concern, action="changed", field=field, old=old, new=new
        )

    spanish = change("status", "Asignada", "En curso")
    english = change("urgency", "Normal", "High")
    outcome = change("outcome", "Waiting on family", "In progress")  # free text: kept
    migration.words_to_values(apps, None)

    for row in (spanish, english, outcome):
        row.refresh_from_db()
    assert (spanish.old, spanish.new) == ("assigned", "in_progress")
    assert (english.old, english.new) == ("normal", "high")
    assert (outcome.old, outcome.new) == ("Waiting on family", "In progress")


def test_a_raised_line_and_a_note_written_as_words_before_are_given_their_parts(world):
    migration = importlib.import_module("liaison.concerns.migrations.0009_history_parts")
    concern = cf.concern(world.caseload_family, assignee=world.liaison)
    label = concern.category.label

    def change(action, new):
        return ConcernChange.objects.create(concern=concern, action=action, new=new)

    raised = change("raised", f"{label} · Alta · Portal familiar")
    note = change("note", "nota confidencial")
    odd = change("raised", "Something · Else")  # not known words: kept as written
    migration.words_to_parts(apps, None)

    for row in (raised, note, odd):
        row.refresh_from_db()
    assert raised.parts == [
        {"category": [concern.category.code, label]},
        {"urgency": "high"},
        {"source": "portal"},
    ]
    with translation.override("en"):
        assert raised.new_display.endswith("· High · Family portal")
        assert note.new_display == "confidential note"
        assert odd.parts == [] and odd.new_display == "Something · Else"
