"""Disclosures (FERPA 99.32), a family's record on request, erasure and retention."""

import datetime as dt
import io
import json
import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from liaison.audit import services
from liaison.audit.choices import LegalBasis
from liaison.audit.models import (
    AccessLog,
    AppendOnlyError,
    Disclosure,
    ErasureTombstone,
    LegalHold,
    RetentionPolicy,
)
from liaison.core import family_record
from liaison.people.models import Guardian, Household, Student

# What other apps register on main (messaging, concerns, resources, events): the tests below build
# real rows of each kind through the apps' own services, never stand-ins.
OTHER_KINDS = ["messages", "concerns", "referrals", "events"]


@dataclass
class Record:
    """What a family's record holds in every section, with the words that mark each row."""

    household: object
    restricted: object  # a guardian under a court order, with rows about them in every app
    message: object
    reply: object  # written by the restricted guardian
    concern: object
    confidential_note: object
    contact: object
    referral: object
    invitation: object

    def counts(self) -> dict:
        """How many rows of each raw kind the household still has."""
        from liaison.concerns.models import Concern, ConcernNote, Contact
        from liaison.events.models import Invitation
        from liaison.messaging.models import Message
        from liaison.resources.models import Referral

        pk = self.household.pk
        return {
            "messages": Message.objects.filter(conversation__household_id=pk).count(),
            "concerns": Concern.objects.filter(household_id=pk).count(),
            "notes": ConcernNote.objects.filter(household_id=pk).count(),
            "contacts": Contact.objects.filter(household_id=pk).count(),
            "referrals": Referral.objects.filter(household_id=pk).count(),
            "invitations": Invitation.objects.filter(household_id=pk).count(),
        }


def build_record(household, *, by, tag="") -> Record:
    """Real messages, a concern with a confidential note, a contact, a referral and an RSVP for a
    household, rows about its contact-restricted guardian among them."""
    from liaison.concerns import services as concerns
    from liaison.concerns.choices import ContactKind, Source
    from liaison.events import services as events
    from liaison.events.choices import Answer
    from liaison.messaging import services as messaging
    from liaison.resources import services as resources
    from tests.events.factories import EventFactory
    from tests.resources.factories import ServiceFactory

    restricted = Guardian.objects.create(
        household=household,
        given_name=f"Absent{tag}",
        family_name="Parent",
        phone="+16175550999",
        email=f"absent{tag}@example.org",
        contact_restricted=True,
        contact_restriction_reason="Court order 2026-CV-0117: no contact",
    )
    message = messaging.send_message(household=household, body=f"Picture day is Friday{tag}", by=by)
    reply = messaging.record_family_reply(
        guardian=restricted, body=f"Restricted parent asks about the bus{tag}", channel="sms"
    )
    concern = concerns.raise_concern(
        household=household,
        category="bullying_safety",
        description=f"Concern raised by the restricted parent{tag}",
        source=Source.PHONE,
        guardian=restricted,
        students=list(household.students.all()),
        language="es",
    )
    concerns.add_note(concern=concern, body=f"Shared note on the concern{tag}", by=by)
    confidential = concerns.add_note(
        concern=concern, body=f"SECRET confidential note{tag}", by=by, restricted=True
    )
    contact = concerns.log_contact(
        household=household,
        by=by,
        kind=ContactKind.CALL,
        purpose=f"Called about the restricted parent{tag}",
        guardian=restricted,
    )
    referral = resources.create_referral(
        household=household,
        service=ServiceFactory(name=f"Weekend Meals Pantry{tag}"),
        by=by,
        note="Asked for help",
    )
    event = EventFactory(district=household.district, title=f"Family math night{tag}", site=None)
    [invitation] = events.invite_households(event=event, households=[household], send=False)
    invitation = events.respond(invitation=invitation, answer=Answer.YES, party_size=3)
    return Record(
        household,
        restricted,
        message,
        reply,
        concern,
        confidential,
        contact,
        referral,
        invitation,
    )


def pdf_text(pdf: bytes, tmp_path) -> str:
    """The words a reader sees in the PDF (poppler's pdftotext, installed by .ci/run)."""
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: scripts/ensure-poppler installs poppler-utils")
    path = tmp_path / "record.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    )
    return " ".join(done.stdout.decode().split())


def test_every_app_on_main_registers_its_part_of_the_record():
    """Sections other apps registered (as they land on main) export and erase a household."""
    names = {s.name for s in family_record.sections()}
    assert "people" in names
    assert "messages" in names
    assert all(callable(s.export) and callable(s.erase) for s in family_record.sections())


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


def _download(client, household, language="en"):
    url = reverse("audit:household_export", args=[household.pk])
    response = client.post(
        url, {"recipient": "Maria (mother)", "purpose": "Her request", "language": language}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.content))


def test_a_household_export_holds_every_record_kind_and_nothing_restricted(client, world, tmp_path):
    household = world.caseload_family
    guardian = household.guardians.first()
    guardian.given_name = "فاطمة"  # a non-Latin name must reach the PDF intact
    guardian.save()
    build_record(household, by=world.liaison)
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
    sections = data["sections"]
    assert {"people", *OTHER_KINDS} <= set(sections)

    def entries(kind, type_=None):
        return [e for e in sections[kind]["entries"] if type_ is None or e["type"] == type_]

    assert [m["body"] for m in entries("messages")] == [
        "Picture day is Friday",
        "Restricted parent asks about the bus",
    ]
    [concern] = entries("concerns", "concern")
    assert concern["description"] == "Concern raised by the restricted parent"
    assert concern["raised_by_guardian"] == "Absent Parent"
    assert [n["note"] for n in concern["notes"]] == ["Shared note on the concern"]
    [contact] = entries("concerns", "contact")
    assert (contact["purpose"], contact["with"]) == (
        "Called about the restricted parent",
        "Absent Parent",
    )
    assert [r["service"] for r in entries("referrals", "referral")] == ["Weekend Meals Pantry"]
    [rsvp] = entries("events", "invitation")
    assert (rsvp["event"], rsvp["answer"], rsvp["party_size"]) == ("Family math night", "yes", 3)
    people = sections["people"]["entries"][0]
    assert {g["given_name"] for g in people["guardians"]} >= {"فاطمة", "Absent"}
    [absent] = [g for g in people["guardians"] if g["given_name"] == "Absent"]
    assert absent["contact_restricted"] is True
    assert people["students"][0]["given_name"] == "CaseloadChild"
    assert [d["recipient"] for d in data["disclosures"]][-1] == "Pantry"

    pdf = archive.read("record.pdf")
    assert pdf.startswith(b"%PDF")
    assert b"DejaVu" in pdf  # the Unicode font is embedded
    text = pdf_text(pdf, tmp_path)
    for words in [
        "Picture day is Friday",
        "Restricted parent asks about the bus",
        "Concern raised by the restricted parent",
        "Shared note on the concern",
        "Called about the restricted parent",
        "Weekend Meals Pantry",
        "Family math night",
        "Absent",
        "CaseloadChild",
        "Pantry",
    ]:
        assert words in text, words
    json_text = archive.read("record.json").decode()
    for readable in (json_text, text):
        assert "SECRET" not in readable  # the confidential concern note
        assert "Court order" not in readable  # the restriction's reason


def test_the_readable_pdf_is_in_words_not_field_names_codes_iso_times_or_ids(
    client, world, tmp_path
):
    """The PDF a family reads said "preferred_language: es", "channel: sms", "state: queued",
    "contact_restricted: False", "at: 2026-12-07T10:53:12+00:00", "guardian: 2467" and
    "household #1442"; record.json beside it keeps the codes for machines."""
    household = world.caseload_family
    build_record(household, by=world.liaison)
    client.force_login(world.liaison)
    archive = _download(client, household)
    text = pdf_text(archive.read("record.pdf"), tmp_path)
    for words in [
        "Preferred language: Spanish",
        "Contact restricted: Yes",
        "Channel: Text message",
        "Direction: To the family",
    ]:
        assert words in text, words
    guardian = household.guardians.first()
    assert f"Guardian: {guardian.given_name} {guardian.family_name}" in text
    assert not re.findall(r"\b[a-z]+_[a-z_]+\b", text)
    assert not re.findall(r"\d{4}-\d{2}-\d{2}", text)
    assert not re.findall(r"\b(True|False|None)\b", text)
    assert f"#{household.pk}" not in text and f"Guardian: {guardian.pk}" not in text
    data = json.loads(archive.read("record.json"))
    assert data["sections"]["people"]["entries"][0]["guardians"][0]["preferred_language"] == "es"


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


def test_erasure_on_request_leaves_a_tombstone_and_the_access_log(client, world):
    from liaison.events.models import Event

    household = world.site_family
    pk = household.pk
    record = build_record(household, by=world.admin)
    assert min(record.counts().values()) >= 1  # every kind is there before
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
    assert not Guardian.objects.filter(pk=record.restricted.pk).exists()
    # Every message, concern (with its confidential note), contact, referral and RSVP is gone...
    assert set(record.counts().values()) == {0}
    # ...the event itself stays for the other families.
    assert Event.objects.filter(pk=record.invitation.event_id).exists()
    tombstone = ErasureTombstone.objects.get(household_id=pk)
    assert tombstone.student_ids == student_ids
    assert record.restricted.pk in tombstone.guardian_ids
    assert all(tombstone.sections[kind] >= 1 for kind in OTHER_KINDS), tombstone.sections
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
def test_a_retention_run_on_the_demo_district_removes_exactly_what_the_policy_says(db):
    from liaison.demo import district as demo
    from liaison.people.choices import Role
    from liaison.people.models import Enrolment
    from tests import factories as f

    district = demo.build_demo(households=200, students=300)
    staff = f.UserFactory(username="retention-liaison")
    f.MembershipFactory(user=staff, district=district, site=None, role=Role.LIAISON)
    today = timezone.localdate()
    households = list(Household.objects.filter(district=district).order_by("pk")[:4])
    long_gone, held, recent, sections_only = households

    def leave(household, years_ago):
        Enrolment.objects.filter(student__household=household).update(
            is_active=False, ends_on=today - dt.timedelta(days=365 * years_ago + 5)
        )

    leave(long_gone, 8)
    leave(held, 9)
    leave(recent, 2)
    leave(sections_only, 4)
    records_of = {h.pk: build_record(h, by=staff, tag=f" {h.pk}") for h in households}
    kept = {h.pk: records_of[h.pk].counts() for h in (held, recent)}
    assert all(min(c.values()) >= 1 for c in kept.values())
    LegalHold.objects.create(household=held, reason="Open investigation")
    RetentionPolicy.objects.create(district=district, section="people", years_after_leaving=7)
    for kind in OTHER_KINDS:
        RetentionPolicy.objects.create(district=district, section=kind, years_after_leaving=3)

    before = Household.objects.filter(district=district).count()
    planned = services.apply_retention(dry_run=True)
    assert {(a.policy.section, a.household_id) for a in planned} == {
        *((kind, h.pk) for kind in OTHER_KINDS for h in (long_gone, sections_only)),
        ("people", long_gone.pk),
    }
    assert Household.objects.filter(district=district).count() == before
    assert min(records_of[sections_only.pk].counts().values()) >= 1  # nothing erased yet

    services.apply_retention()
    assert Household.objects.filter(district=district).count() == before - 1
    assert not Household.objects.filter(pk=long_gone.pk).exists()
    assert set(records_of[long_gone.pk].counts().values()) == {0}
    # The family that left four years ago keeps its people but no messages, concerns (nor their
    # confidential notes), contacts, referrals or RSVPs.
    assert Household.objects.filter(pk=sections_only.pk).exists()
    assert Guardian.objects.filter(pk=records_of[sections_only.pk].restricted.pk).exists()
    assert set(records_of[sections_only.pk].counts().values()) == {0}
    # The held and the recent family keep everything.
    assert {pk: records_of[pk].counts() for pk in kept} == kept
    tombstones = ErasureTombstone.objects.filter(cause="retention")
    assert {(t.household_id, t.whole_household) for t in tombstones} == {
        (long_gone.pk, False),
        (long_gone.pk, True),
        (sections_only.pk, False),
    }
    erased = {
        kind
        for t in tombstones.filter(household_id=sections_only.pk)
        for kind, n in t.sections.items()
        if n
    }
    assert erased == set(OTHER_KINDS)
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
