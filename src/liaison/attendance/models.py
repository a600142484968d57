"""Attendance: the school calendar, daily attendance events from the school's system, the measures
computed from them per student and school year, and the tiers of support that follow.

A school year is named by the calendar year it starts in (2026 for 2026–27); it starts on the
district's `school_year_starts` month and day (AttendanceRules, default 1 July).
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liaison.attendance.choices import (
    Category,
    ImportKind,
    ImportMode,
    ImportSource,
    ImportStatus,
    Tier,
)
from liaison.core.dates import local_date
from liaison.core.today_writes import TodayWrites


def school_year_of(day: dt.date, starts: tuple[int, int] = (7, 1)) -> int:
    """The school year `day` falls in, named by the year it starts in."""
    return day.year if (day.month, day.day) >= starts else day.year - 1


class SchoolDayQuerySet(models.QuerySet["SchoolDay"]):
    def instructional(self) -> "SchoolDayQuerySet":
        return self.filter(is_instructional=True)


class SchoolDay(models.Model):
    """One day of a site's calendar: a day of instruction, or a closure with its reason.

    A site with no calendar rows has no instructional days: attendance measures need the calendar."""

    site = models.ForeignKey("people.Site", on_delete=models.CASCADE, related_name="school_days")
    date = models.DateField(_("date"))
    school_year = models.PositiveSmallIntegerField(_("school year"))
    is_instructional = models.BooleanField(_("school day"), default=True)
    note = models.CharField(_("closure reason"), max_length=200, blank=True)

    objects = SchoolDayQuerySet.as_manager()

    class Meta:
        ordering = ["site", "date"]
        constraints = [
            models.UniqueConstraint(fields=["site", "date"], name="school_day_once_per_site")
        ]
        indexes = [models.Index(fields=["site", "school_year", "date"], name="school_day_year")]

    def __str__(self) -> str:
        return f"{self.site} {local_date(self.date)}"


class AttendanceImport(models.Model):
    """One file of attendance events or calendar days, from an upload, the command or the drop folder."""

    district = models.ForeignKey("people.District", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=ImportKind.choices)
    source = models.CharField(_("from"), max_length=16, choices=ImportSource.choices)
    file_name = models.CharField(_("file"), max_length=255)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.RUNNING
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    rows_saved = models.PositiveIntegerField(_("rows saved"), default=0)
    rows_refused = models.PositiveIntegerField(_("rows refused"), default=0)
    mode = models.CharField(
        _("the file holds"), max_length=16, choices=ImportMode.choices, default=ImportMode.DAYS
    )
    # An uploaded file waiting for the background task; deleted when its run ends (family data).
    upload = models.FileField(upload_to="attendance/", blank=True)
    message = models.TextField(_("message"), blank=True)
    # The (site, date) pairs the file replaced, as ["<site id>:<iso date>", …], and the refused rows
    # as [{"file", "line", "column", "reason"}, …].
    days_replaced = models.JSONField(default=list, blank=True)
    errors = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.file_name}"

    @property
    def finished(self) -> bool:
        return self.status not in (ImportStatus.QUEUED, ImportStatus.RUNNING)


class AttendanceEvent(models.Model):
    """An Ed-Fi StudentSchoolAttendanceEvent: one student, one school, one day, one category.

    Only exceptions need a row (an absence, a late arrival, a partial day); a school day with no
    row for an enrolled student counts as present. Re-importing a site's day replaces its rows."""

    district = models.ForeignKey("people.District", on_delete=models.CASCADE, related_name="+")
    # No index of their own: the unique index starts with the student, the (site, date) index with
    # the site, and each index less is one write less per event (a year's import writes 1.5 million).
    site = models.ForeignKey(
        "people.Site", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    student = models.ForeignKey(
        "people.Student",
        on_delete=models.CASCADE,
        related_name="attendance_events",
        db_index=False,
    )
    date = models.DateField(_("date"))
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    minutes = models.PositiveSmallIntegerField(_("minutes"), null=True, blank=True)
    # Ed-Fi's EventDuration: the share of the day the event covers (1, 0.5), when the file says.
    duration = models.DecimalField(
        _("share of the day"), max_digits=3, decimal_places=2, null=True, blank=True
    )
    batch = models.ForeignKey(
        AttendanceImport, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "site", "date", "category"], name="attendance_event_once"
            )
        ]
        # A student's events are found through the unique index, which starts with the student.
        indexes = [models.Index(fields=["site", "date"], name="attendance_event_site_day")]

    def __str__(self) -> str:
        return f"{self.student} {local_date(self.date)} {self.get_category_display()}"


class AttendanceRules(models.Model):
    """A district's attendance rules; Attendance Works' model is the default (unsaved rules)."""

    district = models.OneToOneField(
        "people.District", on_delete=models.CASCADE, related_name="attendance_rules"
    )
    school_year_starts_month = models.PositiveSmallIntegerField(
        _("school year starts (month)"), default=7
    )
    school_year_starts_day = models.PositiveSmallIntegerField(
        _("school year starts (day)"), default=1
    )
    # How much of a day a partial day or early departure counts as absent (0 to 1).
    partial_day_absent = models.DecimalField(
        _("a partial day counts as this much of a day absent"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.5"),
    )
    chronic_share = models.DecimalField(
        _("chronically absent at this share of days missed"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.100"),
    )
    chronic_min_days = models.PositiveSmallIntegerField(
        _("days enrolled before chronic absence is judged"), default=10
    )
    intensive_share = models.DecimalField(
        _("intensive support at this share of days missed"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.200"),
    )
    # Early-warning pace: absences by the end of the first, second and third month.
    early_pace = models.JSONField(_("early-warning pace"), default=list, blank=True)
    consecutive_unexcused_intensive = models.PositiveSmallIntegerField(
        _("intensive support after this many unexcused days in a row"), default=3
    )
    # Proof of outreach: attempts and distinct modes, on different days, before "unreachable".
    unreachable_min_attempts = models.PositiveSmallIntegerField(
        _("attempts before a family may be called unreachable"), default=3
    )
    unreachable_min_modes = models.PositiveSmallIntegerField(
        _("different ways of reaching them before a family may be called unreachable"), default=2
    )
    # The at-risk score's weights by reason (reason code → points); empty means the defaults.
    weights = models.JSONField(_("at-risk weights"), default=dict, blank=True)
    # A family is told the day their child is absent (attendance.nudges); a district may stop it.
    nudges_on = models.BooleanField(_("tell families the day their child is absent"), default=True)
    # Tier 1: a warm note when a child's attendance clearly improved or a month had no absence
    # (attendance.positive); a district may stop it.
    positive_notes_on = models.BooleanField(
        _("send families a note when their child's attendance improves"), default=True
    )
    no_improvement_weeks = models.PositiveSmallIntegerField(
        _("intensive support after this many weeks of support without improvement"), default=4
    )

    DEFAULT_EARLY_PACE = [2, 4, 6]

    class Meta:
        verbose_name_plural = _("attendance rules")

    def __str__(self) -> str:
        return f"{self.district}: attendance rules"

    @property
    def pace(self) -> list[int]:
        return list(self.early_pace or self.DEFAULT_EARLY_PACE)

    @property
    def year_starts(self) -> tuple[int, int]:
        return (self.school_year_starts_month, self.school_year_starts_day)


def rules_for(district: Any) -> "AttendanceRules":
    """The district's rules (a District or its id), or Attendance Works' defaults, unsaved, when it
    has set none."""
    district_id = getattr(district, "pk", district)
    found = AttendanceRules.objects.filter(district_id=district_id).first()
    return found or AttendanceRules(district_id=district_id)


class StudentAttendanceQuerySet(models.QuerySet["StudentAttendance"]):
    def chronic(self) -> "StudentAttendanceQuerySet":
        return self.filter(chronic=True)

    def in_tier(self, tier: int) -> "StudentAttendanceQuerySet":
        return self.filter(tier=tier)


class StudentAttendance(models.Model):
    """A student's attendance measures for one school year, so far, and the tier that follows.

    Kept up to date after each import (only the students whose days changed are recomputed)."""

    district = models.ForeignKey("people.District", on_delete=models.CASCADE, related_name="+")
    # No index of its own: the unique (student, school year) index serves lookups by student.
    student = models.ForeignKey(
        "people.Student", on_delete=models.CASCADE, related_name="attendance", db_index=False
    )
    school_year = models.PositiveSmallIntegerField(_("school year"))
    # The school the student is (last) enrolled at this year, for rollups by site.
    site = models.ForeignKey(
        "people.Site", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    as_of = models.DateField(_("as of"))
    days_enrolled = models.PositiveSmallIntegerField(_("days enrolled"), default=0)
    days_absent = models.DecimalField(
        _("days absent"), max_digits=5, decimal_places=2, default=Decimal("0")
    )
    days_unexcused = models.DecimalField(
        _("days absent without excuse"), max_digits=5, decimal_places=2, default=Decimal("0")
    )
    late_arrivals = models.PositiveSmallIntegerField(_("late arrivals"), default=0)
    # Share of enrolled days attended, 0–1; null before the first enrolled day.
    rate = models.DecimalField(
        _("attendance rate"), max_digits=5, decimal_places=4, null=True, blank=True
    )
    chronic = models.BooleanField(_("chronically absent"), default=False)
    chronic_last_year = models.BooleanField(_("chronically absent last year"), default=False)
    # Attendance rate over the last four weeks of school days, and the four weeks before.
    rate_last_4_weeks = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)
    rate_previous_4_weeks = models.DecimalField(
        max_digits=5, decimal_places=4, null=True, blank=True
    )
    consecutive_absences = models.PositiveSmallIntegerField(_("days absent in a row"), default=0)
    consecutive_unexcused = models.PositiveSmallIntegerField(
        _("unexcused days absent in a row"), default=0
    )
    last_absent_on = models.DateField(_("last absent"), null=True, blank=True)
    tier = models.PositiveSmallIntegerField(_("tier"), choices=Tier.choices, default=Tier.UNIVERSAL)
    # Why the student is in their tier: [{"code": "chronic", …numbers}, …]; words come from
    # attendance.tiers, never stored.
    tier_reasons = models.JSONField(default=list, blank=True)
    tier_since = models.DateField(_("in this tier since"), null=True, blank=True)
    # Since when the student has been in Tier 2 or above without a break ("no improvement after
    # Tier 2" is judged from it); null in Tier 1.
    support_since = models.DateField(_("in support since"), null=True, blank=True)
    # Days absent by the end of the school's first, second and third month (those begun so far),
    # as decimal strings, for the early-warning pace.
    early_absences = models.JSONField(default=list, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    objects = StudentAttendanceQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["student", "school_year"], name="student_attendance_once_per_year"
            )
        ]
        indexes = [
            models.Index(fields=["district", "school_year", "tier"], name="attendance_tier"),
            models.Index(fields=["site", "school_year", "chronic"], name="attendance_site_chronic"),
        ]

    def __str__(self) -> str:
        return f"{self.student} {self.school_year}"


class TierChange(models.Model):
    """A student entering or leaving a tier, with the reasons, as the data said on `on`."""

    district = models.ForeignKey("people.District", on_delete=models.CASCADE, related_name="+")
    student = models.ForeignKey(
        "people.Student", on_delete=models.CASCADE, related_name="tier_changes"
    )
    school_year = models.PositiveSmallIntegerField(_("school year"))
    from_tier = models.PositiveSmallIntegerField(
        _("from"), choices=Tier.choices, null=True, blank=True
    )
    to_tier = models.PositiveSmallIntegerField(_("to"), choices=Tier.choices)
    reasons = models.JSONField(default=list, blank=True)
    on = models.DateField(_("as of"))
    at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["student", "-at"], name="tier_change_student")]
        constraints = [
            models.CheckConstraint(
                condition=Q(from_tier__isnull=True) | ~Q(from_tier=models.F("to_tier")),
                name="tier_change_changes",
            )
        ]

    def __str__(self) -> str:
        return f"{self.student}: {self.from_tier} → {self.to_tier}"


class AttendanceNudge(models.Model):
    """The attendance message a household was sent about its children absent on `day`.

    At most one per household and school day, and one per household on the day it goes out
    (`sent_on`, the district's date), so that siblings are named in one message and a backlog of
    days never sends a family two texts in a day. A student belongs to one household, so this is
    also at most one per student a day."""

    district = models.ForeignKey("people.District", on_delete=models.CASCADE, related_name="+")
    household = models.ForeignKey(
        "people.Household", on_delete=models.CASCADE, related_name="attendance_nudges"
    )
    day = models.DateField(_("school day"))
    sent_on = models.DateField(_("sent on"))
    student_ids = models.JSONField(default=list)
    message = models.ForeignKey(
        "messaging.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["household", "day"], name="attendance_nudge_per_day"),
            models.UniqueConstraint(
                fields=["household", "sent_on"], name="attendance_nudge_per_sending_day"
            ),
        ]
        indexes = [models.Index(fields=["district", "day"], name="attendance_nudge_day")]

    def __str__(self) -> str:
        return f"{self.household} {local_date(self.day)}"


class PositiveNote(models.Model):
    """A warm note a household was sent because a child's attendance clearly improved or a month
    had no absence (attendance.positive). At most one per student and month (`month`: its first
    day, in the district's calendar), so a child is praised in words that stay rare."""

    class Reason(models.TextChoices):
        IMPROVED = "improved", _("attendance clearly improved over the last four weeks")
        PERFECT_MONTH = "perfect_month", _("no school day missed last month")

    district = models.ForeignKey("people.District", on_delete=models.CASCADE, related_name="+")
    student = models.ForeignKey(
        "people.Student", on_delete=models.CASCADE, related_name="attendance_positive_notes"
    )
    household = models.ForeignKey(
        "people.Household", on_delete=models.CASCADE, related_name="attendance_positive_notes"
    )
    month = models.DateField(_("month"))
    reasons = models.JSONField(default=list)
    sent_on = models.DateField(_("sent on"))
    message = models.ForeignKey(
        "messaging.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "month"], name="attendance_positive_note_per_month"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student} {local_date(self.month, 'MMMM y')}"


class UnreachableQuerySet(TodayWrites, models.QuerySet["Unreachable"]):
    def standing(self) -> "UnreachableQuerySet":
        """The marks still standing: a family reached since is not unreachable any more."""
        return self.filter(cleared_at__isnull=True)


class Unreachable(models.Model):
    """A family called unreachable, once the proof of outreach allowed it: the attempts that
    proved it are kept as they stood, so the claim can be checked later."""

    district = models.ForeignKey("people.District", on_delete=models.CASCADE, related_name="+")
    household = models.ForeignKey(
        "people.Household", on_delete=models.CASCADE, related_name="unreachable_marks"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(_("called unreachable"), default=timezone.now)
    note = models.CharField(_("note"), max_length=300, blank=True)
    # The attempts as they stood: [{"contact": id, "kind", "day", "result"}, …].
    attempts = models.JSONField(default=list)
    cleared_at = models.DateTimeField(_("reached again"), null=True, blank=True)

    objects = UnreachableQuerySet.as_manager()

    class Meta:
        ordering = ["-at"]
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(cleared_at__isnull=True),
                name="unreachable_once_standing",
            )
        ]

    def __str__(self) -> str:
        return f"{self.household}: {_('unreachable since')} {local_date(self.at)}"


class AtRiskScore(models.Model):
    """A student's place on the at-risk list: the score and the reasons that make it, stored so
    the list's first page is an index read however large the district. Words for the reasons come
    from attendance.atrisk, never stored."""

    district = models.ForeignKey("people.District", on_delete=models.CASCADE, related_name="+")
    student = models.OneToOneField(
        "people.Student", on_delete=models.CASCADE, related_name="at_risk"
    )
    household = models.ForeignKey(
        "people.Household", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    site = models.ForeignKey(
        "people.Site", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    tier = models.PositiveSmallIntegerField(_("tier"), choices=Tier.choices, default=Tier.UNIVERSAL)
    score = models.PositiveIntegerField(_("score"), default=0)
    # [{"code": "chronic", "points": 30, …numbers}, …], highest points first.
    reasons = models.JSONField(default=list, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    objects = TodayWrites.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["district", "-score", "student"], name="at_risk_rank"),
            models.Index(fields=["site", "-score"], name="at_risk_site_rank"),
        ]

    def __str__(self) -> str:
        return f"{self.student}: {self.score}"
