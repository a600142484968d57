"""Enumerations of the events app."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# Defined with the access policy that reads them (core imports no app); kept importable here.
from liaison.core.policy.roles import EventKind as EventKind


class EventStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CANCELLED = "cancelled", _("Cancelled")


class Answer(models.TextChoices):
    """What the family said."""

    NONE = "", _("No answer yet")
    YES = "yes", _("Yes")
    NO = "no", _("No")
    MAYBE = "maybe", _("Maybe")


class Seat(models.TextChoices):
    """Where a "yes" stands against the capacity."""

    NONE = "", _("—")
    CONFIRMED = "confirmed", _("Confirmed")
    WAITLISTED = "waitlisted", _("Waitlisted")


class RsvpChannel(models.TextChoices):
    STAFF = "staff", _("Staff")
    LINK = "link", _("Link")
    SMS = "sms", _("Text message")
    PORTAL = "portal", _("Family portal")
    KIOSK = "kiosk", _("At the door")


class GroupKind(models.TextChoices):
    ELAC = "elac", _("English learner advisory committee")
    SEPAC = "sepac", _("Special education parent council")
    PTA = "pta", _("PTA / PTO")
    COUNCIL = "council", _("School site council")
    NETWORK = "network", _("Family network")
    OTHER = "other", _("Other committee")


class GroupRole(models.TextChoices):
    CHAIR = "chair", _("Chair")
    VICE_CHAIR = "vice_chair", _("Vice-chair")
    SECRETARY = "secretary", _("Secretary")
    MEMBER = "member", _("Member")


class AskStatus(models.TextChoices):
    ASKED = "asked", _("Asked of the school")
    ANSWERED = "answered", _("Answered")
    AGREED = "agreed", _("Agreed")
    DECLINED = "declined", _("Declined")


class Repeat(models.TextChoices):
    """How often an event repeats, as the event form asks it (stored as an RRULE)."""

    NEVER = "", _("Does not repeat")
    DAILY = "DAILY", _("Daily")
    WEEKLY = "WEEKLY", _("Weekly")
    MONTHLY = "MONTHLY", _("Monthly")
