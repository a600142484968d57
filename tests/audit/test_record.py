"""Disclosures (FERPA 99.32), a family's record on request, erasure and retention."""

import datetime as dt
import io
import json
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from liaison.audit import records, services
from liaison.audit.choices import LegalBasis
from liaison.audit.models import (
    AccessLog,
    AppendOnlyError,
    Disclosure,
    ErasureTombstone,
    LegalHold,
    RetentionPolicy,
)
from liaison.people.models import Guardian, Household, Student

# What other apps register (messaging, concerns, resources, events). Those not merged yet are stood
# in for by sections that hold rows in memory (the real ones are restored afterwards): the export
# must carry every kind, and never a restricted note.
OTHER_KINDS = ["messages", "concerns", "referrals", "events"]


@pytest.fixture
def other_sections():
    store = {}
    real = dict(records._sections)

    def make(kind):
        def export(household):
            return [
                {k: v for k, v in row.items() if not row.get("restricted") or k != "text"}
                for row in store.get((kind, household.pk), [])
            ]

        def erase(household, keep_tombstone=True):
            return len(store.pop((kind, household.pk), []))

        return export, erase

    for kind in OTHER_KINDS:
        export, erase = make(kind)
        records.register(section=kind, export=export, erase=erase, label=kind.title())
    yield store
    records._sections.clear()
    records._sections.update(real)


def test_every_app_on_main_registers_its_part_of_the_record():
    """Sections other apps registered (as they land on main) export and erase a household."""
    names = {s.name for s in records.sections()}
    assert "people" in names
    assert "messages" in names
    assert all(callable(s.export) and callable(s.erase) for s in records.sections())


def test_the_export_carries_the_familys_real_messages_and_erasure_removes_them(client, world):
    from liaison.messaging.models import Message
    from liaison.messaging.services import send_message

    send_message(household=world.caseload_family, body="Picture day is Friday", by=world.liaison)
    client.force_login(world.liaison)
    data = json.loads(_download(client, world.caseload_family).read("record.json"))
    bodies = [m["body"] for m in data["sections"]["messages"]["entries"]]
    assert bodies == ["Picture day is Friday"]
    services.erase_household(household=world.caseload_family, by=world.admin)
    assert not Message.objects.filter(body="Picture day is Friday").exists()


def test_a_disclosure_is_recorded_and_shown_on_the_family_record(client, world):
    student = world.caseload_family.students.first()
    services.record_disclosure(
        students=[student],
        recipient="Riverton Food Pantry",
        purpose="Referral for weekend meals",
        by=world.liaison,
        legal_basis=LegalBasis.CONSENT,
        channel="referral",
    )
    disclosure = Disclosure.objects.for_student(student.pk).get()
    assert disclosure.household_id == world.caseload_family.pk
    client.force_login(world.liaison)
    page = client.get(reverse("people:household", args=[world.caseload_family.pk]))
    assert b"Riverton Food Pantry" in page.content
    assert b"Referral for weekend meals" in page.content
    page = client.get(reverse("people:student", args=[student.pk]))
    assert b"Disclosures of this record" in page.content
    assert b"Riverton Food Pantry" in page.content
    # A teacher of another child sees no disclosure record.
    client.force_login(world.teacher)
    taught = world.taught_family.students.first()
    assert (
        b"Disclosures of this record"
        not in client.get(reverse("people:student", args=[taught.pk])).content
    )


def test_a_disclosure_needs_recipient_purpose_and_basis(world):
    with pytest.raises(ValidationError) as error:
        services.record_disclosure(
            students=[world.caseload_family.students.first()],
            recipient=" ",
            purpose="",
            by=world.liaison,
            legal_basis="because",
        )
    assert set(error.value.message_dict) == {"recipient", "purpose", "legal_basis"}


def test_the_disclosure_record_is_append_only(world):
    d = services.record_disclosure(
        household=world.caseload_family,
        recipient="x",
        purpose="y",
        by=world.admin,
        legal_basis=LegalBasis.SUBPOENA,
    )
    d.recipient = "changed"
    with pytest.raises(AppendOnlyError):
        d.save()
    with pytest.raises(AppendOnlyError):
        Disclosure.objects.all().delete()


def _download(client, household):
    url = reverse("audit:household_export", args=[household.pk])
    response = client.post(url, {"recipient": "Maria (mother)", "purpose": "Her request"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.content))


def test_a_household_export_holds_every_record_kind_and_nothing_restricted(
    client, world, other_sections
):
    household = world.caseload_family
    guardian = household.guardians.first()
    guardian.given_name = "فاطمة"  # a non-Latin name must reach the PDF intact
    guardian.save()
    Guardian.objects.create(
        household=household,
        given_name="Absent",
        family_name="Parent",
        contact_restricted=True,
        contact_restriction_reason="Court order 2026-CV-0117: no contact",
    )
    for kind in OTHER_KINDS:
        other_sections[(kind, household.pk)] = [
            {"id": 1, "text": f"an ordinary {kind} entry"},
            {"id": 2, "text": f"SECRET {kind} note restricted by law", "restricted": True},
        ]
    services.record_disclosure(
        household=household,
        recipient="Pantry",
        purpose="Food",
        by=world.liaison,
        legal_basis=LegalBasis.CONSENT,
    )
    client.force_login(world.liaison)
    archive = _download(client, household)
    assert sorted(archive.namelist()) == ["record.json", "record.pdf"]
    data = json.loads(archive.read("record.json"))
    assert {"people", *OTHER_KINDS} <= set(data["sections"])
    for kind in OTHER_KINDS:
        assert data["sections"][kind]["entries"][0]["text"] == f"an ordinary {kind} entry"
    people = data["sections"]["people"]["entries"][0]
    assert {g["given_name"] for g in people["guardians"]} >= {"فاطمة", "Absent"}
    assert people["students"][0]["given_name"] == "CaseloadChild"
    assert [d["recipient"] for d in data["disclosures"]][-1] == "Pantry"
    raw = archive.read("record.json").decode() + archive.read("record.pdf").decode("latin-1")
    assert "SECRET" not in raw
    assert "Court order" not in raw
    assert archive.read("record.pdf").startswith(b"%PDF")
    assert b"DejaVu" in archive.read("record.pdf")  # the Unicode font is embedded


def test_the_export_is_recorded_as_a_disclosure_and_an_access(client, world):
    client.force_login(world.admin)
    _download(client, world.site_family)
    d = Disclosure.objects.for_household(world.site_family.pk).get()
    assert d.channel == "record_request"
    assert d.legal_basis == LegalBasis.PARENT_REQUEST
    assert d.recipient == "Maria (mother)"
    assert AccessLog.objects.filter(
        household_id=world.site_family.pk, kind="export", username="admin"
    ).exists()


def test_the_export_form_asks_who_the_record_is_for(client, world):
    client.force_login(world.admin)
    url = reverse("audit:household_export", args=[world.site_family.pk])
    response = client.post(url, {"recipient": "", "purpose": "x"})
    assert response.status_code == 200
    assert b"This field is required" in response.content
    assert not Disclosure.objects.exists()


def test_erasure_on_request_leaves_a_tombstone_and_the_access_log(client, world, other_sections):
    household = world.site_family
    pk = household.pk
    other_sections[("messages", pk)] = [{"id": 1, "text": "hello"}]
    student_ids = list(household.students.values_list("pk", flat=True))
    client.force_login(world.admin)
    client.get(reverse("people:household", args=[pk]))
    response = client.post(
        reverse("audit:household_erase", args=[pk]),
        {"reason": "Parent asked us to forget them", "confirm_name": household.name},
    )
    assert response.status_code == 302
    assert not Household.objects.filter(pk=pk).exists()
    assert not Student.objects.filter(pk__in=student_ids).exists()
    assert ("messages", pk) not in other_sections
    tombstone = ErasureTombstone.objects.get(household_id=pk)
    assert tombstone.student_ids == student_ids
    assert tombstone.sections["messages"] == 1
    log = AccessLog.objects.for_household(pk)
    assert {e.action for e in log} == {"view", "erase"}
    assert all("Sitefamily" not in (e.path + e.reason) for e in log)


def test_erasure_is_refused_under_a_legal_hold(client, world):
    household = world.site_family
    services.place_legal_hold(household=household, reason="Litigation", by=world.admin)
    client.force_login(world.admin)
    url = reverse("audit:household_erase", args=[household.pk])
    assert b"legal hold" in client.get(url).content
    client.post(url, {"reason": "Parent asked", "confirm_name": household.name})
    assert Household.objects.filter(pk=household.pk).exists()
    with pytest.raises(services.LegalHoldError):
        services.erase_household(household=household, by=world.admin)


def test_erasure_asks_for_the_households_name(client, world):
    client.force_login(world.admin)
    url = reverse("audit:household_erase", args=[world.site_family.pk])
    response = client.post(url, {"reason": "Parent asked", "confirm_name": "someone else"})
    assert b"not the household" in response.content
    assert Household.objects.filter(pk=world.site_family.pk).exists()


@pytest.mark.slow
def test_a_retention_run_on_the_demo_district_removes_exactly_what_the_policy_says(
    db, other_sections
):
    from liaison.people import demo
    from liaison.people.models import Enrolment

    district = demo.build_demo(households=200, students=300)
    today = timezone.localdate()
    households = list(Household.objects.filter(district=district).order_by("pk")[:4])
    long_gone, held, recent, messages_only = households

    def leave(household, years_ago):
        Enrolment.objects.filter(student__household=household).update(
            is_active=False, ends_on=today - dt.timedelta(days=365 * years_ago + 5)
        )

    leave(long_gone, 8)
    leave(held, 9)
    leave(recent, 2)
    leave(messages_only, 4)
    for h in households:
        other_sections[("messages", h.pk)] = [{"id": h.pk, "text": "hi"}]
    LegalHold.objects.create(household=held, reason="Open investigation")
    RetentionPolicy.objects.create(district=district, section="people", years_after_leaving=7)
    RetentionPolicy.objects.create(district=district, section="messages", years_after_leaving=3)

    before = Household.objects.filter(district=district).count()
    planned = services.apply_retention(dry_run=True)
    assert {(a.policy.section, a.household_id) for a in planned} == {
        ("messages", long_gone.pk),
        ("messages", messages_only.pk),
        ("people", long_gone.pk),
    }
    assert Household.objects.filter(district=district).count() == before

    services.apply_retention()
    assert Household.objects.filter(district=district).count() == before - 1
    assert not Household.objects.filter(pk=long_gone.pk).exists()
    assert ("messages", messages_only.pk) not in other_sections
    assert Household.objects.filter(pk=messages_only.pk).exists()
    assert ("messages", held.pk) in other_sections
    assert ("messages", recent.pk) in other_sections
    tombstones = ErasureTombstone.objects.filter(cause="retention")
    assert {(t.household_id, t.whole_household) for t in tombstones} == {
        (long_gone.pk, False),
        (long_gone.pk, True),
        (messages_only.pk, False),
    }
    assert AccessLog.objects.filter(household_id=long_gone.pk, action="erase").exists()
    # A second run finds nothing more to do.
    assert services.apply_retention(dry_run=True) == []


def test_the_retention_command_lists_without_erasing(world, capsys):
    from liaison.people.models import Enrolment

    Enrolment.objects.filter(student__household=world.site_family).update(
        is_active=False, ends_on=dt.date(2010, 6, 30)
    )
    RetentionPolicy.objects.create(district=world.district, section="people", years_after_leaving=7)
    call_command("retention", "--dry-run")
    out = capsys.readouterr().out
    assert f"would erase people of household #{world.site_family.pk}" in out
    assert Household.objects.filter(pk=world.site_family.pk).exists()
    call_command("retention")
    assert not Household.objects.filter(pk=world.site_family.pk).exists()


def test_the_nightly_retention_task_erases_and_queues_the_next_run(world, settings):
    from liaison.audit.tasks import apply_retention, next_run
    from liaison.people.models import Enrolment

    Enrolment.objects.filter(student__household=world.site_family).update(
        is_active=False, ends_on=dt.date(2010, 6, 30)
    )
    RetentionPolicy.objects.create(district=world.district, section="people", years_after_leaving=7)
    assert apply_retention.call(reschedule=False) == 1
    assert not Household.objects.filter(pk=world.site_family.pk).exists()
    assert timezone.localtime(next_run()).hour == 3


def test_leaders_see_break_the_glass_entries_for_their_sites(client, world):
    client.force_login(world.liaison)
    client.post(
        reverse("people:household", args=[world.site_family.pk]),
        {"reason": "Front office asked me to call about the bus"},
    )
    client.force_login(world.leader)
    page = client.get(reverse("audit:break_glass"))
    assert b"Front office asked me" in page.content
    assert b"Sitefamily household" in page.content


def test_scheduling_retention_with_the_immediate_backend_gives_the_cron_line(world, settings):
    """That backend cannot hold a task until tonight: the command says how to run it nightly and
    erases nothing now."""
    from liaison.people.models import Enrolment

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    Enrolment.objects.filter(student__household=world.site_family).update(
        is_active=False, ends_on=dt.date(2010, 6, 30)
    )
    RetentionPolicy.objects.create(district=world.district, section="people", years_after_leaving=7)
    out = io.StringIO()
    call_command("retention", "--schedule", stdout=out)
    assert "0 3 * * *  liaison retention" in out.getvalue()
    assert Household.objects.filter(pk=world.site_family.pk).exists()
