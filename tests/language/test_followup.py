"""'I didn't understand': a link or an SMS keyword in the family's language flags the translation
for review and asks the liaison to follow up."""

import pytest
from django.urls import reverse

from liaison.language import services
from liaison.language.models import TranslationMemory, UnderstandingReport
from liaison.language.rendering import render_message


@pytest.mark.django_db
def test_the_link_opens_a_page_in_the_familys_language_and_files_a_report_on_confirm(
    client, world, libretranslate
):
    guardian = world.taught_family.guardians.get()  # Arabic
    render_message(
        district=world.district,
        subject="Picture day",
        body="Picture day is on Friday.",
        source_language="en",
        target_languages=["ar"],
    )
    url = services.didnt_understand_url(
        guardian=guardian,
        language="ar",
        subject="Picture day",
        body="Picture day is on Friday.",
        message_ref="messaging.message:7",
    )
    path = url.split("127.0.0.1:8000")[-1]
    page = client.get(path)
    assert page.status_code == 200
    assert 'lang="ar" dir="rtl"' in page.content.decode()
    assert "لم أفهم هذه الرسالة" in page.content.decode()
    assert not UnderstandingReport.objects.exists()  # a link preview files nothing
    done = client.post(path)
    assert "شكرًا لك" in done.content.decode()
    report = UnderstandingReport.objects.get()
    assert report.household == world.taught_family and report.language == "ar"
    assert TranslationMemory.objects.filter(target_language="ar", needs_review=True).count() == 2
    # The liaison sees it on the household page.
    client.force_login(world.leader)
    household = client.get(world.taught_family.get_absolute_url()).content.decode()
    assert "did not understand a message" in household


def test_a_tampered_link_is_not_found(client, db):
    assert client.get(reverse("language:didnt_understand", args=["nope"])).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    "reply", ["no entiendo", "No entendí.", "لم أفهم", "看不懂", "không hiểu", "Mwen pa konprann"]
)
def test_sms_keywords_in_the_familys_language_file_a_report(world, reply):
    guardian = world.caseload_family.guardians.get()
    report = services.handle_sms_reply(guardian=guardian, text=reply)
    assert report is not None and report.channel == "sms"


@pytest.mark.django_db
def test_an_ordinary_reply_is_not_a_keyword(world):
    guardian = world.caseload_family.guardians.get()
    assert (
        services.handle_sms_reply(guardian=guardian, text="No entiendo la tarea de matemáticas")
        is None
    )


@pytest.mark.django_db
def test_the_liaison_records_the_follow_up(client, world):
    guardian = world.caseload_family.guardians.get()
    report = services.report_not_understood(guardian=guardian, language="es")
    client.force_login(world.liaison)
    response = client.post(
        reverse("language:report_resolve", args=[report.pk]),
        {"resolution": "Called with a Spanish interpreter."},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.resolved_by == world.liaison and report.resolved_at
