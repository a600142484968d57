"""Attendance nudges: a family told in its language, with its children's real numbers, once a day,
never for a closure, never to or about a restricted guardian's child, never in quiet hours or on a
day without school; the answer lands in the thread and a barrier it names is a concern in one tap."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from liaison.attendance.choices import Category
from liaison.attendance.models import (
    AttendanceEvent,
    AttendanceNudge,
    AttendanceRules,
    SchoolDay,
    StudentAttendance,
)
from liaison.attendance.nudges import send_days_nudges
from liaison.attendance.signals import day_imported
from liaison.attendance.universal import send_attendance_message
from liaison.concerns.models import Concern
from liaison.messaging import services as messaging
from liaison.messaging.models import Delivery, Message
from liaison.messaging.outbox import ensure_renderings
from tests import factories as f

NY = zoneinfo.ZoneInfo("America/New_York")
MONDAY = dt.date(2026, 10, 5)
# The next morning, a school day, outside quiet hours.
TUESDAY_MORNING = dt.datetime(2026, 10, 6, 9, 30, tzinfo=NY)


def _calendar(site, days=range(0, 14), closed=()):
    for offset in days:
        date = MONDAY + dt.timedelta(days=offset)
        if date.weekday() >= 5:
            continue
        SchoolDay.objects.create(
            site=site,
            date=date,
            school_year=2026,
            is_instructional=date not in closed,
            note="Teacher training" if date in closed else "",
        )


def _absent(student, site, day=MONDAY, *, missed="3.5", enrolled=25):
    AttendanceEvent.objects.create(
        district=student.district,
        site=site,
        student=student,
        date=day,
        category=Category.UNEXCUSED_ABSENCE,
    )
    StudentAttendance.objects.update_or_create(
        student=student,
        school_year=2026,
        defaults={
            "district": student.district,
            "site": site,
            "as_of": day,
            "days_enrolled": enrolled,
            "days_absent": Decimal(missed),
        },
    )


def _child(household, site, name):
    student = f.StudentFactory(household=household, given_name=name)
    f.EnrolmentFactory(student=student, site=site)
    for guardian in household.guardians.all():
        guardian.student_links.create(student=student)
    return student


@pytest.fixture
def school(world):
    world.district.time_zone = "America/New_York"
    world.district.save()
    _calendar(world.school)
    return world


def test_running_the_days_nudges_twice_sends_nothing_the_second_time(school):
    child = school.caseload_family.students.get()
    _absent(child, school.school)
    first = send_days_nudges(district=school.district, day=MONDAY, now=TUESDAY_MORNING)
    second = send_days_nudges(district=school.district, day=MONDAY, now=TUESDAY_MORNING)
    assert first.sent == 1
    assert second.sent == 0
    assert second.skipped["already_told"] == 1
    assert Message.objects.filter(notice_kind="attendance_nudge").count() == 1
    assert Delivery.objects.filter(message__notice_kind="attendance_nudge").count() == 1


def test_a_nudge_points_at_its_message_and_at_none_when_its_message_was_already_sent(school):
    """The nudge row is written before its message (on PostgreSQL with the id the message will
    have): it must point at the message written, and at nothing when the message's dedupe key
    was already used (a message sent earlier for that family and day, its nudge since removed)."""
    child = school.caseload_family.students.get()
    _absent(child, school.school)
    first = send_days_nudges(district=school.district, day=MONDAY, now=TUESDAY_MORNING)
    nudge = AttendanceNudge.objects.get(household=school.caseload_family, day=MONDAY)
    assert nudge.message_id == first.messages[0]
    assert Message.objects.get(pk=nudge.message_id).notice_kind == "attendance_nudge"
    nudge.delete()
    again = send_days_nudges(district=school.district, day=MONDAY, now=TUESDAY_MORNING)
    assert again.sent == 0
    renewed = AttendanceNudge.objects.get(household=school.caseload_family, day=MONDAY)
    assert renewed.message_id is None
    assert Message.objects.filter(notice_kind="attendance_nudge").count() == 1


def test_a_family_with_two_absent_children_gets_one_message_naming_both(school):
    household = school.caseload_family
    first = household.students.get()
    second = _child(household, school.school, "Marisol")
    _absent(first, school.school, missed="4")
    _absent(second, school.school, missed="2")
    result = send_days_nudges(district=school.district, day=MONDAY, now=TUESDAY_MORNING)
    assert result.sent == 1 and result.students == 2
    message = Message.objects.get(pk=result.messages[0])
    assert first.given_name in message.body and "Marisol" in message.body
    assert "Days missed this school year: 4 (school days so far: 25)." in message.body
    assert "Days missed this school year: 2 (school days so far: 25)." in message.body
    assert Delivery.objects.filter(message=message).count() == 1


def test_no_message_goes_for_a_closure_day(world):
    world.district.time_zone = "America/New_York"
    world.district.save()
    _calendar(world.school, closed=(MONDAY,))
    _absent(world.caseload_family.students.get(), world.school)
    result = send_days_nudges(district=world.district, day=MONDAY, now=TUESDAY_MORNING)
    assert result.sent == 0
    assert result.skipped["not_a_school_day"] == 1
    assert not Message.objects.filter(notice_kind="attendance_nudge").exists()


def test_a_guardian_who_may_not_hear_about_every_child_named_is_left_out(school):
    household = school.caseload_family
    first = household.students.get()
    second = _child(household, school.school, "Marisol")
    stepparent = f.GuardianFactory(household=household)
    stepparent.student_links.create(student=first, may_receive_communications=False)
    stepparent.student_links.create(student=second)
    _absent(first, school.school)
    monday = send_days_nudges(district=school.district, day=MONDAY, now=TUESDAY_MORNING)
    assert monday.sent == 1
    assert Delivery.objects.filter(message_id=monday.messages[0]).exists()
    assert not Delivery.objects.filter(guardian=stepparent).exists()
    # Both absent the next day: the message names Marisol too, whom they may hear about.
    tuesday = MONDAY + dt.timedelta(days=1)
    _absent(first, school.school, tuesday)
    _absent(second, school.school, tuesday)
    wednesday_morning = TUESDAY_MORNING + dt.timedelta(days=1)
    again = send_days_nudges(district=school.district, day=tuesday, now=wednesday_morning)
    assert again.sent == 1 and again.students == 2
    assert Delivery.objects.filter(guardian=stepparent, message_id=again.messages[0]).exists()


def test_a_restricted_guardian_gets_none_and_their_child_is_left_to_a_person(school):
    household = school.caseload_family
    restricted = f.GuardianFactory(
        household=household,
        contact_restricted=True,
        contact_restriction_reason="Court order",
        phone="+18575550177",
    )
    child = household.students.get()
    restricted.student_links.create(student=child)
    _absent(child, school.school)
    result = send_days_nudges(district=school.district, day=MONDAY, now=TUESDAY_MORNING)
    assert result.sent == 0
    assert result.skipped["restricted"] == 1
    assert not Delivery.objects.filter(guardian=restricted).exists()
    assert not Delivery.objects.filter(message__notice_kind="attendance_nudge").exists()


def test_the_nudge_reads_in_the_familys_language_with_a_typical_classmate(school):
    child = school.caseload_family.students.get()  # a Spanish-speaking family
    _absent(child, school.school, missed="3.5")
    for n, days in enumerate(["1", "1", "2", "2", "3"]):
        classmate = f.StudentFactory(district=school.district, given_name=f"Classmate{n}")
        StudentAttendance.objects.create(
            district=school.district,
            student=classmate,
            school_year=2026,
            site=school.school,
            as_of=MONDAY,
            days_enrolled=25,
            days_absent=Decimal(days),
        )
    result = send_days_nudges(district=school.district, day=MONDAY, now=TUESDAY_MORNING)
    message = Message.objects.get(pk=result.messages[0])
    renderings, _retry = ensure_renderings(message, ["es"])
    body = renderings["es"].body
    assert f"{child.given_name} no estuvo en la escuela el lunes, 5 de octubre de 2026." in body
    assert "Días de ausencia en este año escolar: 3,5 (días de clase hasta ahora: 25)." in body
    assert "Días de ausencia de un compañero de clase típico: 2." in body
    assert "responda a este mensaje" in body
    assert renderings["es"].subject == "Asistencia escolar"


def test_a_typical_classmate_is_the_middle_of_the_grade_at_that_school(school):
    """Six students in the grade (the child among them), two with the same total: the typical
    classmate is halfway between the third and fourth, rounded (2 and 3.5: 2.75, said as 3); a
    student of another grade or school does not count."""
    child = school.caseload_family.students.get()
    _absent(child, school.school, missed="3.5")
    other_school = f.SiteFactory(district=school.district)
    classmates = [("1", child.grade, school.school), ("1", child.grade, school.school)]
    classmates += [("2", child.grade, school.school), ("4.5", child.grade, school.school)]
    classmates += [("6", child.grade, school.school), ("40", "12", school.school)]
    classmates += [("40", child.grade, other_school)]
    for n, (days, grade, site) in enumerate(classmates):
        classmate = f.StudentFactory(district=school.district, given_name=f"Mate{n}", grade=grade)
        StudentAttendance.objects.create(
            district=school.district,
            student=classmate,
            school_year=2026,
            site=site,
            as_of=MONDAY,
            days_enrolled=25,
            days_absent=Decimal(days),
        )
    result = send_days_nudges(district=school.district, day=MONDAY, now=TUESDAY_MORNING)
    message = Message.objects.get(pk=result.messages[0])
    renderings, _retry = ensure_renderings(message, ["en"])
    assert "Days a typical classmate has missed: 3." in renderings["en"].body


def test_a_language_without_a_catalogue_gets_english_flagged_for_a_person(school):
    household = school.caseload_family
    guardian = household.guardians.get()
    guardian.preferred_language = "hmn"
    guardian.save()
    _absent(household.students.get(), school.school)
    result = send_days_nudges(district=school.district, day=MONDAY, now=TUESDAY_MORNING)
    renderings, _retry = ensure_renderings(Message.objects.get(pk=result.messages[0]), ["hmn"])
    assert "was not at school on" in renderings["hmn"].body
    assert renderings["hmn"].needs_follow_up


def test_a_nudge_written_at_night_before_a_weekend_goes_on_the_next_school_day(school):
    friday = dt.date(2026, 10, 9)
    _absent(school.caseload_family.students.get(), school.school, day=friday)
    friday_night = dt.datetime(2026, 10, 9, 21, 0, tzinfo=NY)
    result = send_days_nudges(district=school.district, day=friday, now=friday_night)
    message = Message.objects.get(pk=result.messages[0])
    assert message.send_at == dt.datetime(2026, 10, 12, 8, 0, tzinfo=NY)
    assert AttendanceNudge.objects.get().sent_on == dt.date(2026, 10, 12)


def test_a_day_long_past_is_not_nudged(school):
    _absent(school.caseload_family.students.get(), school.school)
    later = TUESDAY_MORNING + dt.timedelta(days=7)
    result = send_days_nudges(district=school.district, day=MONDAY, now=later)
    assert result.sent == 0 and result.skipped["not_recent"] == 1


def test_a_district_that_turned_nudges_off_sends_none(school):
    AttendanceRules.objects.create(district=school.district, nudges_on=False)
    _absent(school.caseload_family.students.get(), school.school)
    result = send_days_nudges(district=school.district, day=MONDAY, now=TUESDAY_MORNING)
    assert result.sent == 0 and result.skipped["off"] == 1


def test_the_imported_day_signal_sends_the_days_nudges(school, time_machine):
    time_machine.move_to(TUESDAY_MORNING)
    _absent(school.caseload_family.students.get(), school.school)
    day_imported.send(
        sender=None, district=school.district, site_ids={school.school.pk}, days={MONDAY}
    )
    assert AttendanceNudge.objects.filter(household=school.caseload_family).exists()


def test_the_familys_answer_lands_in_the_thread_and_its_barrier_is_a_concern_in_one_tap(
    school, client
):
    household = school.caseload_family
    child = household.students.get()
    _absent(child, school.school)
    result = send_days_nudges(district=school.district, day=MONDAY, now=TUESDAY_MORNING)
    nudge = Message.objects.get(pk=result.messages[0])
    answer = messaging.record_family_reply(
        guardian=household.guardians.get(),
        body="El autobús no pasó y no tenemos carro.",
        channel="sms",
    )
    assert answer.conversation_id == nudge.conversation_id
    client.force_login(school.liaison)
    page = client.get(reverse("messaging:conversation", args=[nudge.conversation_id]))
    assert "Transport: make it a concern" in page.content.decode()
    assert "Transport: find help" in page.content.decode()
    response = client.post(reverse("attendance:barrier_concern", args=[answer.pk, "transport"]))
    concern = Concern.objects.get(source_message_id=answer.pk)
    assert response.status_code == 302 and response.url == concern.get_absolute_url()
    assert concern.category.code == "transport"
    assert list(concern.students.all()) == [child]
    assert concern.description == answer.body


def test_a_barrier_concern_is_refused_to_someone_who_does_not_see_the_family(school, client):
    household = school.caseload_family
    _absent(household.students.get(), school.school)
    send_days_nudges(district=school.district, day=MONDAY, now=TUESDAY_MORNING)
    answer = messaging.record_family_reply(
        guardian=household.guardians.get(), body="He is sick with a fever", channel="sms"
    )
    client.force_login(school.teacher)
    response = client.post(reverse("attendance:barrier_concern", args=[answer.pk, "illness"]))
    assert response.status_code == 404
    assert not Concern.objects.exists()


@pytest.mark.parametrize(
    ("text", "barriers"),
    [
        ("The bus never came", ["transport"]),
        ("Mi hija está enferma con fiebre", ["illness"]),
        ("Nou te mete deyò, nou pa gen lojman", ["housing"]),
        ("他在学校被欺负", ["bullying"]),
        ("Мы переезжаем, и сын болеет", ["illness", "housing"]),
        ("I can't stop by today, see you tomorrow", []),
        ("Carefully noted, thank you", []),
    ],
)
def test_the_barriers_a_family_names_are_found_in_their_language(text, barriers):
    from liaison.attendance.barriers import barriers_named

    assert barriers_named(text) == barriers


def test_the_command_sends_the_days_nudges(school, capsys, time_machine):
    time_machine.move_to(TUESDAY_MORNING)
    _absent(school.caseload_family.students.get(), school.school)
    call_command("attendance_nudges", "--district", "testville", "--day", "2026-10-05")
    assert "2026-10-05: 1 families told about 1 children." in capsys.readouterr().out


def test_the_welcome_command_sends_once_and_says_so_when_run_again(school, capsys, time_machine):
    time_machine.move_to(TUESDAY_MORNING)
    call_command("attendance_nudges", "--district", "testville", "--welcome")
    message = Message.objects.get(dedupe_key__startswith="attendance-universal-")
    deliveries = Delivery.objects.filter(message=message).count()
    assert deliveries == message.recipient_count > 0
    assert capsys.readouterr().out == (
        f"The attendance message is sent to {message.recipient_count} guardians.\n"
    )
    call_command("attendance_nudges", "--district", "testville", "--welcome")
    assert capsys.readouterr().out == (
        f"Already sent this school year, on 2026-10-06 to {message.recipient_count} guardians; "
        "nothing was sent.\n"
    )
    assert Message.objects.filter(dedupe_key__startswith="attendance-universal-").count() == 1
    assert Delivery.objects.filter(message=message).count() == deliveries


def test_the_attendance_message_goes_to_every_family_once_a_year(school):
    first = send_attendance_message(district=school.district, today=MONDAY)
    again = send_attendance_message(district=school.district, today=MONDAY)
    assert first is not None and again.pk == first.pk
    families = {d.guardian.household_id for d in Delivery.objects.filter(message=first)}
    assert school.caseload_family.pk in families and school.site_family.pk in families
    assert school.foreign_family.pk not in families
    renderings, _retry = ensure_renderings(first, ["vi"])
    assert renderings["vi"].subject == "Mỗi ngày đến trường đều quan trọng"
