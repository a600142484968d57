"""Concerns and their history, confidential notes, mediation meetings, the contact log, reminders."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liaison.concerns.choices import (
    OPEN_STATUSES,
    WAITING_STATUSES,
    ClosedReason,
    ContactKind,
    ContactResult,
    ReminderKind,
    Satisfaction,
    Source,
    Status,
    Urgency,
    category_label,
)
from liaison.core.dates import local_date, local_datetime
from liaison.core.models import TrackedModel
from liaison.core.today_writes import TodayWrites
from liaison.core.validators import validate_language_tag

User = settings.AUTH_USER_MODEL


class ConcernCategory(models.Model):
    """A district's list of concern categories (seeded with the standard list, editable)."""

    district = models.ForeignKey(
        "people.District", on_delete=models.CASCADE, related_name="concern_categories"
    )
    code = models.SlugField(_("code"), max_length=40)
    label = models.CharField(_("label"), max_length=100)
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("in use"), default=True)
    # A concern of this kind is about a member of staff even when the family names nobody: it is
    # kept from teachers and interpreters and routed to the liaison team and the site leader.
    about_staff = models.BooleanField(
        _("about a member of staff"),
        default=False,
        help_text=_("Concerns of this category are kept from teachers and interpreters."),
    )
    # The district's triage table: what a concern of this kind is when a family raises it (staff
    # who record one choose its urgency themselves).
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    due_school_days = models.PositiveSmallIntegerField(
        _("due in (school days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text=_("Leave empty to use the urgency's service target."),
    )

    class Meta:
        ordering = ["order", "label"]
        verbose_name_plural = _("concern categories")
        constraints = [
            models.UniqueConstraint(fields=["district", "code"], name="concern_category_unique")
        ]

    def __str__(self):
        return self.display_label

    @property
    def display_label(self) -> str:
        return category_label(self.code, self.label)


class ServiceTarget(models.Model):
    """How long a district allows, per urgency, from a concern being raised to it being resolved."""

    district = models.ForeignKey(
        "people.District", on_delete=models.CASCADE, related_name="concern_targets"
    )
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices)
    hours = models.PositiveIntegerField(_("hours to resolve"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["district", "urgency"], name="service_target_unique"),
            models.CheckConstraint(condition=Q(hours__gte=1), name="service_target_positive"),
        ]

    def __str__(self):
        return f"{self.get_urgency_display()}: {self.hours} h"


class ConcernQuerySet(TodayWrites, models.QuerySet):
    def visible_to(self, user):
        from liaison.core.policy import concerns as concern_policy

        return self.filter(concern_policy.concern_filter(user))

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def assigned_to(self, user):
        return self.filter(assignee=user)

    def overdue(self, now=None):
        return self.open().filter(due_at__lt=now or timezone.now())

    def due_soon(self, now=None, hours=48):
        now = now or timezone.now()
        return self.open().filter(due_at__gte=now, due_at__lt=now + timezone.timedelta(hours=hours))

    def unassigned(self):
        return self.open().filter(assignee__isnull=True)

    def waiting(self):
        return self.filter(status__in=WAITING_STATUSES)


class Concern(TrackedModel):
    district = models.ForeignKey("people.District", on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(
        "people.Household", on_delete=models.PROTECT, related_name="concerns"
    )
    students = models.ManyToManyField("people.Student", blank=True, related_name="concerns")
    guardian = models.ForeignKey(
        "people.Guardian",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="concerns",
        verbose_name=_("raised by (family)"),
    )
    raised_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("raised by (staff)"),
    )
    category = models.ForeignKey(
        ConcernCategory,
        on_delete=models.PROTECT,
        related_name="concerns",
        verbose_name=_("category"),
    )
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    description = models.TextField(_("description (in the family's words)"))
    language = models.CharField(
        _("language of the description"),
        max_length=35,
        default="en",
        validators=[validate_language_tag],
    )
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    contact_preference = models.CharField(_("how to reach the family"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.NEW, db_index=True
    )
    assignee = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_concerns",
        verbose_name=_("assigned to"),
    )
    # The member of staff the concern is about (named by the family or by staff): never shown the
    # concern, in any page, list, export or notification (core/policy/concerns.py).
    subject_staff = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("about (member of staff)"),
    )
    due_at = models.DateTimeField(_("due"))
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=200, blank=True)
    closed_reason = models.CharField(
        _("closed without an outcome because"),
        max_length=16,
        choices=ClosedReason.choices,
        blank=True,
    )
    resolution_summary = models.TextField(_("resolution summary"), blank=True)
    satisfaction = models.CharField(
        _("family satisfied"), max_length=8, choices=Satisfaction.choices, blank=True
    )
    satisfaction_comment = models.TextField(_("family's comment"), blank=True)
    satisfaction_asked_at = models.DateTimeField(null=True, blank=True)
    satisfaction_answered_at = models.DateTimeField(null=True, blank=True)
    source_message_id = models.BigIntegerField(null=True, blank=True, unique=True)

    objects = ConcernQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["household", "-created_at"], name="concern_household_recent"),
            models.Index(fields=["assignee", "status"], name="concern_assignee_status"),
            models.Index(fields=["district", "status", "due_at"], name="concern_queue"),
            # insights reads what changed since its last run
            models.Index(fields=["updated_at"], name="concern_updated"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=Status.RESOLVED) | ~Q(resolution_summary=""),
                name="concern_resolved_has_summary",
                violation_error_message=_("Say how the concern was resolved."),
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.category} — {self.household}"

    def get_absolute_url(self):
        return reverse("concerns:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_about_staff(self) -> bool:
        return self.subject_staff_id is not None or self.category.about_staff


class ConcernChange(models.Model):
    """One line of a concern's history: who changed what, when. Written by the services only."""

    # The household whose kept pages show this row (core/kept.py: a save draws its version).
    kept_household = "concern.household_id"
    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    by_name = models.CharField(max_length=150, blank=True)  # the family, or a staff name kept
    action = models.CharField(max_length=32)
    field = models.CharField(max_length=40, blank=True)
    old = models.TextField(blank=True)
    new = models.TextField(blank=True)
    # What `new` says, as parts drawn in the reader's language when shown (see `part`): a raised
    # concern's category, urgency and source, a meeting's time, a follow-up's due day. `new` keeps
    # the writer's words beside them, for what reads the row without this model (the record's JSON).
    parts = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{local_datetime(self.at)} {self.actor_display} {self.action_display}"

    ACTIONS = {
        "raised": _("raised"),
        "assigned": _("assigned"),
        "reassigned": _("reassigned"),
        "status": _("status"),
        "reopened": _("reopened"),
        "changed": _("changed"),
        "outcome": _("outcome"),
        "resolution": _("resolution"),
        "note": _("note"),
        "contact": _("contact"),
        "meeting": _("meeting"),
        "meeting_changed": _("meeting changed"),
        "agreements": _("agreements"),
        "follow_up_action": _("follow-up action"),
        "satisfaction": _("satisfaction"),
        "satisfaction_asked": _("satisfaction asked"),
        "summary_sent": _("summary sent"),
    }
    FIELDS = {
        "assignee": _("assignee"),
        "status": _("status"),
        "category": _("category"),
        "urgency": _("urgency"),
        "students": _("children"),
        "outcome": _("outcome"),
        "closed_reason": _("reason for closing"),
        "resolution_summary": _("resolution summary"),
        "satisfaction": _("satisfaction"),
        "agreements": _("agreements"),
    }

    @property
    def actor_display(self) -> str:
        return self.by_name or str(_("System"))

    @property
    def action_display(self) -> str:
        """The action in the reader's language (stored as a code)."""
        return str(self.ACTIONS.get(self.action, self.action))

    @property
    def field_display(self) -> str:
        """The fields in the reader's language: ours, else the verbose name of a concern's or a
        meeting's field (a meeting's changes list its own field names)."""

        def name(field: str) -> str:
            if field in self.FIELDS:
                return str(self.FIELDS[field])
            for model in (MediationMeeting, Concern):
                try:
                    return str(model._meta.get_field(field).verbose_name)
                except FieldDoesNotExist:
                    continue
            return field

        return ", ".join(name(f) for f in self.field.split(", ") if f)

    # The fields whose old and new values may be stored as a choice's value (the demo's history,
    # rows written before the services stored words): shown by the choice's label.
    VALUES = {
        "status": Status,
        "urgency": Urgency,
        "closed_reason": ClosedReason,
        "satisfaction": Satisfaction,
    }

    def _value_display(self, value: str) -> str:
        choices = self.VALUES.get(self.field)
        if choices is not None and value in choices.values:
            return str(choices(value).label)
        return value

    @property
    def old_display(self) -> str:
        """The value before, in words: a stored status code ("waiting_family") by its label."""
        return self._value_display(self.old)

    @property
    def new_display(self) -> str:
        if self.parts:
            joint = " — " if self.action == "follow_up_action" else " · "
            return joint.join(filter(None, (_part_words(part) for part in self.parts)))
        return self._value_display(self.new)


def part(kind: str, value: Any) -> dict[str, Any]:
    """One part of what a change says, stored as data and put in words for each reader: "text"
    (as written), "urgency" and "source" (a choice's value), "category" ([code, the district's
    label]), "moment" (an ISO date and time), "day" (an ISO date), "note" (confidential or not)."""
    return {kind: value}


def _part_words(stored: dict[str, Any]) -> str:
    (kind, value), *_rest = stored.items()
    if kind == "urgency" and value in Urgency.values:
        return str(Urgency(value).label)
    if kind == "source" and value in Source.values:
        return str(Source(value).label)
    if kind == "category":
        code, label = value
        return category_label(code, label)
    if kind == "moment":
        return local_datetime(dt.datetime.fromisoformat(value), "short")
    if kind == "day":
        return local_date(dt.date.fromisoformat(value))
    if kind == "note":
        return str(_("confidential note") if value == "confidential" else _("note"))
    return str(value)


class ConcernNote(models.Model):
    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="notes")
    # Copied from the concern so the household timeline reads one index.
    household = models.ForeignKey("people.Household", on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    body = models.TextField(_("note"))
    restricted = models.BooleanField(
        _("confidential"),
        default=False,
        help_text=_("Only the assignee, site leaders and district admins can read it."),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["household", "-created_at"], name="note_household_recent")]

    def __str__(self):
        return f"Note {self.pk} on concern {self.concern_id}"


class MediationMeeting(TrackedModel):
    # The household whose kept pages show this row (core/kept.py: a save draws its version).
    kept_household = "concern.household_id"
    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="meetings")
    starts_at = models.DateTimeField(_("date and time"))
    place = models.CharField(_("place"), max_length=200)
    language = models.CharField(
        _("language of the meeting"),
        max_length=35,
        default="en",
        validators=[validate_language_tag],
    )
    interpreter = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("interpreter"),
    )
    guardians = models.ManyToManyField(
        "people.Guardian", blank=True, related_name="+", verbose_name=_("family participants")
    )
    staff = models.ManyToManyField(
        User, blank=True, related_name="mediation_meetings", verbose_name=_("staff participants")
    )
    agenda = models.TextField(_("agenda"), blank=True)
    agreements = models.TextField(_("agreements reached"), blank=True)
    summary_sent_at = models.DateTimeField(null=True, blank=True)
    summary_message_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at"]

    def __str__(self):
        return f"{_('Mediation meeting')} {local_datetime(self.starts_at)} — #{self.concern_id}"

    def get_absolute_url(self):
        return reverse("concerns:meeting", args=[self.pk])


class FollowUpAction(models.Model):
    meeting = models.ForeignKey(MediationMeeting, on_delete=models.CASCADE, related_name="actions")
    description = models.CharField(_("action"), max_length=300)
    owner = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("owner")
    )
    due_on = models.DateField(_("due"))
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self):
        return self.description


class Contact(TrackedModel):
    """One interaction with a family: a call, text, email, visit, meeting or walk-in."""

    objects = TodayWrites.as_manager()

    household = models.ForeignKey(
        "people.Household", on_delete=models.CASCADE, related_name="contacts"
    )
    guardian = models.ForeignKey(
        "people.Guardian",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("with"),
    )
    concern = models.ForeignKey(
        Concern,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("about concern"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ContactKind.choices)
    at = models.DateTimeField(_("when"), default=timezone.now)
    duration_minutes = models.PositiveSmallIntegerField(_("minutes"), null=True, blank=True)
    purpose = models.CharField(_("purpose"), max_length=200)
    outcome = models.TextField(_("outcome"), blank=True)
    # Whether the attempt reached the family; blank on entries logged before it was asked.
    result = models.CharField(_("result"), max_length=16, choices=ContactResult.choices, blank=True)
    language = models.CharField(
        _("language"), max_length=35, blank=True, validators=[validate_language_tag]
    )
    interpreter = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("interpreter"),
    )
    next_step = models.CharField(_("next step"), max_length=200, blank=True)
    follow_up_on = models.DateField(_("follow up on"), null=True, blank=True)
    by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["household", "-at"], name="contact_household_recent")]

    def __str__(self):
        return f"{self.get_kind_display()} {local_date(self.at)} — {self.household}"


class Reminder(models.Model):
    """A reminder owed to a member of staff. The row is the sent-marker: one per concern and due date."""

    kind = models.CharField(max_length=16, choices=ReminderKind.choices)
    staff = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    concern = models.ForeignKey(
        Concern, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    due_at = models.DateTimeField()
    channel = models.CharField(max_length=10, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["concern", "due_at"],
                condition=Q(kind=ReminderKind.OVERDUE),
                name="one_overdue_reminder_per_due_date",
            ),
            models.UniqueConstraint(
                fields=["contact"],
                condition=Q(kind=ReminderKind.FOLLOW_UP),
                name="one_follow_up_reminder_per_contact",
            ),
        ]
        indexes = [models.Index(fields=["sent_at", "due_at"], name="reminder_pending")]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.staff} ({local_date(self.due_at)})"
