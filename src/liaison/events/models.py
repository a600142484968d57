"""Events, invitations and RSVPs, sent-markers, conference slots, check-in, committees."""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liaison.core.models import TrackedModel
from liaison.core.today_writes import TodayWrites
from liaison.core.validators import validate_language_tag
from liaison.events.choices import (
    Answer,
    AskStatus,
    EventKind,
    EventStatus,
    GroupKind,
    GroupRole,
    RsvpChannel,
    Seat,
)
from liaison.events.recurrence import describe


def _short_code() -> str:
    # Short enough to type in a text message; no 0/O/1/I to misread.
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(5))


def _token() -> str:
    return secrets.token_urlsafe(16)


class Group(TrackedModel):
    """A parent committee, council or family network."""

    district = models.ForeignKey(
        "people.District", on_delete=models.CASCADE, related_name="event_groups"
    )
    site = models.ForeignKey(
        "people.Site", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=GroupKind.choices)
    language = models.CharField(
        _("language of the group"), max_length=35, blank=True, validators=[validate_language_tag]
    )
    purpose = models.TextField(_("purpose"), blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("events:group", args=[self.pk])


class GroupMember(TrackedModel):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="members")
    guardian = models.ForeignKey(
        "people.Guardian", on_delete=models.CASCADE, related_name="event_group_memberships"
    )
    role = models.CharField(
        _("role"), max_length=16, choices=GroupRole.choices, default=GroupRole.MEMBER
    )
    since = models.DateField(_("since"), default=timezone.localdate)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "guardian"], name="group_member_unique")
        ]

    def __str__(self):
        return f"{self.guardian} — {self.get_role_display()}"


class GroupAsk(TrackedModel):
    """A decision or request the group asks of the school, and the school's answer."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="asks")
    meeting = models.ForeignKey(
        "Event", on_delete=models.SET_NULL, null=True, blank=True, related_name="asks"
    )
    text = models.TextField(_("what the group asks"))
    status = models.CharField(
        _("status"), max_length=16, choices=AskStatus.choices, default=AskStatus.ASKED
    )
    response = models.TextField(_("the school's answer"), blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.text[:60]


class EventQuerySet(models.QuerySet):
    def visible_to(self, user):
        from liaison.core.policy.events import event_filter

        return self.filter(event_filter(user))

    def upcoming(self):
        return self.filter(ends_at__gte=timezone.now()).order_by("starts_at")


class Event(TrackedModel):
    district = models.ForeignKey("people.District", on_delete=models.CASCADE, related_name="events")
    site = models.ForeignKey(
        "people.Site",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
        help_text=_("Leave empty for a district-wide event."),
    )
    group = models.ForeignKey(
        Group, on_delete=models.SET_NULL, null=True, blank=True, related_name="meetings"
    )
    series = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="occurrences"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=EventKind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    language = models.CharField(
        _("written in"), max_length=35, default="en", validators=[validate_language_tag]
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    recurrence = models.CharField(
        _("repeats"),
        max_length=200,
        blank=True,
        help_text=_("An RRULE such as FREQ=WEEKLY;COUNT=4 or FREQ=MONTHLY;UNTIL=20270601."),
    )
    place = models.CharField(_("place"), max_length=300, blank=True)
    video_url = models.URLField(_("video link"), blank=True)
    capacity = models.PositiveIntegerField(
        _("capacity (people)"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    interpretation = models.JSONField(
        _("interpretation offered in"), default=list, blank=True, help_text=_("Language tags.")
    )
    childcare_offered = models.BooleanField(_("childcare offered"), default=False)
    transport_offered = models.BooleanField(_("transport offered"), default=False)
    status = models.CharField(
        max_length=16, choices=EventStatus.choices, default=EventStatus.SCHEDULED
    )
    sequence = models.PositiveIntegerField(default=0)  # iCalendar SEQUENCE, bumped on change
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(max_length=8, unique=True, default=_short_code, editable=False)
    minutes = models.TextField(_("minutes"), blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["district", "starts_at"]),
            # insights reads what changed since its last run
            models.Index(fields=["updated_at"], name="event_updated"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="event_ends_after_start",
                violation_error_message=_("The event must end after it starts."),
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("events:event", args=[self.pk])

    @property
    def zone(self):
        import zoneinfo

        if self.site_id:
            return self.site.zone
        return zoneinfo.ZoneInfo(self.district.time_zone)

    @property
    def repeats(self) -> str:
        """How the event's series repeats, in the reader's words ("" when it does not): the rule
        is kept on the series' first event."""
        rule = self.recurrence or (self.series.recurrence if self.series_id else "")
        return describe(rule)

    @property
    def is_cancelled(self) -> bool:
        return self.status == EventStatus.CANCELLED

    def seats_taken(self) -> int:
        return self.invitations.filter(seat=Seat.CONFIRMED).aggregate(n=Sum("party_size"))["n"] or 0


class InvitationQuerySet(TodayWrites, models.QuerySet):
    def open(self):
        return self.filter(event__status=EventStatus.SCHEDULED, event__ends_at__gte=timezone.now())


class Invitation(TrackedModel):
    """One household invited to one event; it carries the family's answer and needs."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="invitations")
    household = models.ForeignKey(
        "people.Household",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="event_invitations",
    )
    guardian = models.ForeignKey(
        "people.Guardian", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    walk_in_name = models.CharField(_("name"), max_length=200, blank=True)
    answer = models.CharField(max_length=8, choices=Answer.choices, default=Answer.NONE, blank=True)
    seat = models.CharField(max_length=12, choices=Seat.choices, default=Seat.NONE, blank=True)
    party_size = models.PositiveSmallIntegerField(_("how many people"), default=1)
    interpreter_language = models.CharField(
        _("interpreter for"), max_length=35, blank=True, validators=[validate_language_tag]
    )
    childcare_ages = models.JSONField(
        _("children needing childcare (ages)"), default=list, blank=True
    )
    needs_transport = models.BooleanField(_("needs a ride"), default=False)
    channel = models.CharField(max_length=8, choices=RsvpChannel.choices, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    waitlisted_at = models.DateTimeField(null=True, blank=True)
    # Check-in: the QR token on the invitation, and the single-use nonce of the RSVP link.
    token = models.CharField(max_length=32, unique=True, default=_token, editable=False)
    link_nonce = models.CharField(max_length=32, default=_token, editable=False)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_in_count = models.PositiveSmallIntegerField(default=0)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["event", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "household"],
                condition=Q(household__isnull=False),
                name="one_invitation_per_household",
            ),
            models.CheckConstraint(
                condition=Q(party_size__gte=1), name="invitation_party_at_least_one"
            ),
        ]
        indexes = [
            models.Index(fields=["event", "seat"]),
            models.Index(fields=["household", "event"]),
            # insights reads what changed since its last run (check-ins use update())
            models.Index(fields=["updated_at"], name="invitation_updated"),
            models.Index(fields=["checked_in_at"], name="invitation_checked_in"),
        ]

    def __str__(self):
        return f"{self.display_name} → {self.event}"

    @property
    def display_name(self) -> str:
        if self.household_id:
            return self.household.name
        return self.walk_in_name

    def rsvp_initial(self) -> dict:
        """The answer so far, as the RSVP forms (staff's and the family's) start from it."""
        return {
            "answer": self.answer or None,
            "party_size": self.party_size,
            "interpreter_language": self.interpreter_language,
            "childcare_ages": ", ".join(str(a) for a in self.childcare_ages),
            "needs_transport": self.needs_transport,
        }


class Notice(models.Model):
    """The sent-marker: one row per (invitation, notice) — a reminder or change is sent once."""

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="notices")
    key = models.CharField(max_length=40)  # invite, reminder-1440, change-3, cancel, promoted ...
    sent_at = models.DateTimeField(default=timezone.now)
    recipients = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["invitation", "key"], name="notice_sent_once")
        ]

    def __str__(self):
        return f"{self.key} → {self.invitation_id}"


class ConferenceSlot(TrackedModel):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="slots")
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conference_slots"
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    household = models.ForeignKey(
        "people.Household",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="conference_slots",
    )
    booked_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["teacher", "starts_at"]
        constraints = [
            # No teacher is in two places at once, and a family holds at most one slot per
            # teacher per conference night.
            models.UniqueConstraint(fields=["teacher", "starts_at"], name="slot_teacher_time"),
            models.UniqueConstraint(
                fields=["event", "teacher", "household"],
                condition=Q(household__isnull=False),
                name="slot_one_per_family_per_teacher",
            ),
            models.UniqueConstraint(
                fields=["household", "starts_at"],
                condition=Q(household__isnull=False),
                name="slot_family_time",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="slot_ends_after_start"
            ),
        ]

    def __str__(self):
        return f"{self.teacher} {self.starts_at:%H:%M}"
