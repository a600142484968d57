"""Referrals: consent, the status machine, follow-up reminders sent once, the household timeline."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from liaison.audit.models import AccessLog
from liaison.core import family_record, pages
from liaison.resources import services
from liaison.resources.choices import ReferralStatus
from liaison.resources.models import Referral, Service, UnmetNeed
from tests.resources.conftest import sample_id


@pytest.fixture
def pantry(directory):
    return Service.objects.get(pk=sample_id("svc-pantry"))


def refer(world, service, **kwargs):
    return services.create_referral(
        household=world.caseload_family, service=service, by=world.liaison, **kwargs
    )


def test_liaison_refers_a_family_from_the_household_search(client, world, pantry):
    client.force_login(world.liaison)
    url = reverse("resources:referral_new", args=[world.caseload_family.pk, pantry.pk])
    response = client.post(
        url,
        {
            "need": str(sample_id("term-pantry")),
            "consent_given": "on",
            "consent_note": "Agreed by phone with the mother",
            "follow_up_on": "2026-12-08",
            "note": "Needs groceries this week",
        },
    )
    referral = Referral.objects.get()
    assert response.status_code == 302 and response["Location"] == referral.get_absolute_url()
    assert referral.status == ReferralStatus.SUGGESTED and referral.consent_given
    assert referral.need.name == "Food pantry" and referral.liaison == world.liaison
    page = client.get(referral.get_absolute_url()).content.decode()
    assert "Agreed by phone with the mother" in page and "Needs groceries this week" in page


def test_sharing_the_familys_details_needs_consent(client, world, pantry):
    client.force_login(world.liaison)
    url = reverse("resources:referral_new", args=[world.caseload_family.pk, pantry.pk])
    response = client.post(url, {"shared_data": "on", "consent_note": "", "note": "x"})
    assert response.status_code == 200
    assert "Share the family&#x27;s details only with their consent." in response.content.decode()
    assert not Referral.objects.exists()
    with pytest.raises(ValidationError):
        refer(world, pantry, shared_data=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.create(
            household=world.caseload_family, service=pantry, service_name="x", shared_data=True
        )


def test_status_moves_forward_and_closes_with_an_outcome(world, pantry):
    referral = refer(world, pantry, consent_given=True)
    for status in [ReferralStatus.SENT, ReferralStatus.CONTACTED, ReferralStatus.RECEIVING]:
        referral = services.change_status(referral=referral, status=status, by=world.liaison)
    referral = services.change_status(
        referral=referral,
        status=ReferralStatus.NEED_MET,
        by=world.liaison,
        note="Groceries every week now.",
    )
    assert referral.is_closed and referral.closed_at is not None
    assert referral.outcome_note == "Groceries every week now."
    assert list(referral.events.values_list("status", flat=True)) == [
        "need_met",
        "receiving",
        "contacted",
        "sent",
        "suggested",
    ]


@pytest.mark.parametrize(
    "start, status",
    [
        (ReferralStatus.CONTACTED, ReferralStatus.SENT),  # no going back
        (ReferralStatus.DECLINED, ReferralStatus.SENT),  # closed stays closed
        (ReferralStatus.COULD_NOT_REACH, ReferralStatus.NEED_MET),
    ],
)
def test_status_changes_that_make_no_sense_are_refused(world, pantry, start, status):
    referral = refer(world, pantry, status=start)
    with pytest.raises(ValidationError):
        services.change_status(referral=referral, status=status, by=world.liaison)
    referral.refresh_from_db()
    assert referral.status == start


def test_any_open_step_can_close_as_declined_or_could_not_reach(world, pantry):
    referral = refer(world, pantry)
    referral = services.change_status(
        referral=referral, status=ReferralStatus.COULD_NOT_REACH, by=world.liaison
    )
    assert referral.is_closed


def test_status_form_offers_only_allowed_steps_and_explains_refusals(client, world, pantry):
    referral = refer(world, pantry, status=ReferralStatus.RECEIVING)
    client.force_login(world.liaison)
    page = client.get(referral.get_absolute_url()).content.decode()
    assert 'value="need_met"' in page and 'value="sent"' not in page
    response = client.post(
        reverse("resources:referral_status", args=[referral.pk]), {"status": "sent"}
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_follow_up_reminder_is_sent_once_on_the_day(world, pantry, smtp_server):
    world.liaison.email = "rosa@example.org"
    world.liaison.save()
    referral = refer(world, pantry, follow_up_on=dt.date(2026, 12, 8))
    assert services.send_follow_up_reminder(referral.pk, today=dt.date(2026, 12, 7)) is False
    assert smtp_server.messages == []
    assert services.send_follow_up_reminder(referral.pk, today=dt.date(2026, 12, 8)) is True
    assert services.send_due_reminders(today=dt.date(2026, 12, 9)) == 0  # the sweep: already sent
    assert services.send_follow_up_reminder(referral.pk, today=dt.date(2026, 12, 9)) is False
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message.rcpt_tos == ["rosa@example.org"]
    assert b"Weekly Food Pantry" in message.content and b"Caseload household" in message.content


def test_a_new_follow_up_date_gets_a_new_reminder_and_closed_referrals_none(
    world, pantry, smtp_server
):
    world.liaison.email = "rosa@example.org"
    world.liaison.save()
    referral = refer(world, pantry, follow_up_on=dt.date(2026, 12, 8))
    services.send_follow_up_reminder(referral.pk, today=dt.date(2026, 12, 8))
    services.set_follow_up(referral=referral, follow_up_on=dt.date(2026, 12, 15), by=world.liaison)
    assert services.send_due_reminders(today=dt.date(2026, 12, 15)) == 1
    other = refer(world, pantry, follow_up_on=dt.date(2026, 12, 8))
    services.change_status(referral=other, status=ReferralStatus.DECLINED, by=world.liaison)
    assert services.send_due_reminders(today=dt.date(2026, 12, 20)) == 0
    assert len(smtp_server.messages) == 2


def test_setting_a_follow_up_enqueues_the_reminder_task(
    world, pantry, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True):
        refer(world, pantry, follow_up_on=dt.date(2026, 12, 8))
    task = DBTaskResult.objects.get()
    assert task.task_path.endswith("send_referral_reminder")
    assert task.run_after.date() == dt.date(2026, 12, 8)


def test_referral_appears_on_the_household_timeline_and_panel(client, world, pantry):
    referral = refer(world, pantry, note="Texted the address")
    services.change_status(referral=referral, status=ReferralStatus.SENT, by=world.liaison)
    entries = pages.timeline("household", world.caseload_family, world.liaison, kinds=["referral"])
    assert [e.summary for e in entries] == ["Sent to the family", "Suggested — Texted the address"]
    assert entries[0].url == referral.get_absolute_url()
    client.force_login(world.liaison)
    page = client.get(world.caseload_family.get_absolute_url()).content.decode()
    assert "Referral: Weekly Food Pantry" in page  # timeline
    assert 'id="referrals-title"' in page and "Find a resource" in page  # panel and action


def test_the_teacher_sees_no_referral_on_the_timeline(world, directory):
    pantry = Service.objects.get(pk=sample_id("svc-pantry"))
    services.create_referral(household=world.taught_family, service=pantry, by=world.admin)
    assert pages.timeline("household", world.taught_family, world.teacher, kinds=["referral"]) == []
    assert pages.timeline("household", world.taught_family, world.admin, kinds=["referral"])


def test_viewing_a_referral_is_logged(client, world, pantry):
    referral = refer(world, pantry)
    client.force_login(world.liaison)
    client.get(referral.get_absolute_url())
    log = AccessLog.objects.get(kind="referral")
    assert log.object_id == referral.pk and log.household_id == world.caseload_family.pk


def test_a_need_without_a_service_is_recorded_as_unmet(client, world, directory):
    client.force_login(world.liaison)
    household = world.caseload_family
    url = reverse("resources:unmet_new", args=[household.pk])
    search = client.get(
        reverse("resources:household_search", args=[household.pk]), {"q": "dentist"}
    ).content.decode()
    assert "No service matches." in search and url in search
    response = client.post(
        url, {"description": "Dental care for a child", "searched_for": "dentist"}
    )
    assert response.status_code == 302
    need = UnmetNeed.objects.get()
    assert need.searched_for == "dentist" and need.household == household
    assert "Dental care for a child" in client.get(household.get_absolute_url()).content.decode()


def test_referrals_are_part_of_the_family_record_export(world, pantry):
    refer(world, pantry, consent_given=True, consent_note="in person")
    services.record_feedback(
        service=pantry, household=world.caseload_family, helpful=True, comment="Muy amables"
    )
    section = next(s for s in family_record.sections() if s.name == "referrals")
    exported = section.export(world.caseload_family)
    assert {e["type"] for e in exported} == {"referral", "service_feedback"}
    assert exported[0]["consent_note"] == "in person"
    assert section.erase(world.caseload_family) == 2
    assert not Referral.objects.exists()


def test_referral_is_sent_to_the_family_as_a_message_once(client, world, pantry):
    from liaison.messaging.models import Delivery, Message

    referral = refer(world, pantry, consent_given=True, consent_note="by phone")
    client.force_login(world.liaison)
    response = client.post(reverse("resources:referral_send", args=[referral.pk]))
    assert response.status_code == 302
    message = Message.objects.get()
    assert message.notice_kind == "referral"
    assert "Weekly Food Pantry" in message.body
    assert "12 Harbor Street, Riverton, MA 02108" in message.body
    assert "(617) 555-0110" in message.body and "Tue, Thu 9:00\u202fAM–5:00\u202fPM" in message.body
    delivery = Delivery.objects.get()
    assert delivery.guardian == world.caseload_family.guardians.get()
    assert delivery.language == "es"  # the guardian's language
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT
    client.post(reverse("resources:referral_send", args=[referral.pk]))
    assert Message.objects.count() == 1


def test_a_restricted_guardian_is_never_sent_the_referral(client, world, pantry):
    guardian = world.caseload_family.guardians.get()
    guardian.contact_restricted = True
    guardian.contact_restriction_reason = "Court order"
    guardian.save()
    referral = refer(world, pantry)
    with pytest.raises(ValidationError):
        services.send_referral_to_family(referral=referral, by=world.liaison)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SUGGESTED


def test_the_remind_referrals_command_sends_each_due_follow_up_once(
    world, pantry, smtp_server, time_machine
):
    """docs/resources.md: `liaison remind_referrals` (cron) sweeps the follow-ups that are due."""
    import io

    from django.core.management import call_command

    time_machine.move_to(dt.datetime(2026, 12, 8, 15, 0, tzinfo=dt.UTC))
    world.liaison.email = "rosa@example.org"
    world.liaison.save()
    refer(world, pantry, follow_up_on=dt.date(2026, 12, 8))
    refer(world, pantry, follow_up_on=dt.date(2026, 12, 20))  # not due yet

    def run() -> str:
        out = io.StringIO()
        call_command("remind_referrals", stdout=out)
        return out.getvalue()

    assert run() == "1 reminders sent\n"
    assert run() == "0 reminders sent\n"  # cron may run it as often as it likes
    assert [m.rcpt_tos for m in smtp_server.messages] == [["rosa@example.org"]]
    assert b"Weekly Food Pantry" in smtp_server.messages[0].content
