"""A concern's history is read in the reader's language, whoever made the change and in whatever
language they worked."""

import importlib

from django.apps import apps
from django.urls import reverse
from django.utils import translation

from liaison.concerns import services
from liaison.concerns.choices import Status, Urgency
from liaison.concerns.models import ConcernChange
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
