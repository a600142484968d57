"""Enumerations of the concerns app, in the liaison's words."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    PORTAL = "portal", _("Family portal")
    PHONE = "phone", _("Phone call")
    MESSAGE = "message", _("Message")
    WALK_IN = "walk_in", _("Walk-in")
    TEACHER = "teacher", _("Teacher referral")
    STAFF = "staff", _("Staff referral")


class Urgency(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    HIGH = "high", _("High")
    NORMAL = "normal", _("Normal")
    LOW = "low", _("Low")


# Default service targets (hours until due) a district starts with.
DEFAULT_TARGET_HOURS = {
    Urgency.URGENT: 24,
    Urgency.HIGH: 72,
    Urgency.NORMAL: 7 * 24,
    Urgency.LOW: 14 * 24,
}


class Status(models.TextChoices):
    NEW = "new", _("New")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING_FAMILY = "waiting_family", _("Waiting on family")
    WAITING_SCHOOL = "waiting_school", _("Waiting on school")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = [
    Status.NEW,
    Status.ASSIGNED,
    Status.IN_PROGRESS,
    Status.WAITING_FAMILY,
    Status.WAITING_SCHOOL,
]
WAITING_STATUSES = [Status.WAITING_FAMILY, Status.WAITING_SCHOOL]

# The status machine: from each status, where a concern may go next.
TRANSITIONS = {
    Status.NEW: {Status.ASSIGNED, Status.CLOSED},
    Status.ASSIGNED: {
        Status.IN_PROGRESS,
        Status.WAITING_FAMILY,
        Status.WAITING_SCHOOL,
        Status.RESOLVED,
        Status.CLOSED,
    },
    Status.IN_PROGRESS: {
        Status.WAITING_FAMILY,
        Status.WAITING_SCHOOL,
        Status.RESOLVED,
        Status.CLOSED,
    },
    Status.WAITING_FAMILY: {
        Status.IN_PROGRESS,
        Status.WAITING_SCHOOL,
        Status.RESOLVED,
        Status.CLOSED,
    },
    Status.WAITING_SCHOOL: {
        Status.IN_PROGRESS,
        Status.WAITING_FAMILY,
        Status.RESOLVED,
        Status.CLOSED,
    },
    # Reopening goes back to work in progress.
    Status.RESOLVED: {Status.CLOSED, Status.IN_PROGRESS},
    Status.CLOSED: {Status.IN_PROGRESS},
}


class Satisfaction(models.TextChoices):
    YES = "yes", _("Yes, resolved to our satisfaction")
    PARTLY = "partly", _("Partly")
    NO = "no", _("No")


class ContactKind(models.TextChoices):
    CALL = "call", _("Phone call")
    TEXT = "text", _("Text message")
    EMAIL = "email", _("Email")
    HOME_VISIT = "home_visit", _("Home visit")
    MEETING = "meeting", _("Meeting")
    WALK_IN = "walk_in", _("Walk-in")


class ReminderKind(models.TextChoices):
    OVERDUE = "overdue", _("Concern overdue")
    FOLLOW_UP = "follow_up", _("Follow-up due")


# The district's starting list of categories (a district can edit it).
DEFAULT_CATEGORIES = [
    ("academic", _("Academic")),
    ("attendance", _("Attendance")),
    ("behaviour", _("Behaviour")),
    ("bullying_safety", _("Bullying or safety")),
    ("special_education", _("Special education")),
    ("health", _("Health")),
    ("basic_needs", _("Basic needs")),
    ("conflict_staff", _("Conflict with staff")),
    ("transport", _("Transport")),
    ("other", _("Other")),
]
