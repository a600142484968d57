"""Enumerations of the insights app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ContactKind(models.TextChoices):
    FAMILY_REPLY = "family_reply", _("Family wrote")
    CALL = "call", _("Call")
    VISIT = "visit", _("Home visit")
    MEETING = "meeting", _("Meeting")
    WALK_IN = "walk_in", _("Walk-in")
    EVENT_ATTENDED = "event_attended", _("Came to an event")
    OTHER = "other", _("Other contact")


class Scope(models.TextChoices):
    DISTRICT = "district", _("District")
    SITE = "site", _("Site")
    CASELOAD = "caseload", _("Caseload")


class Dimension(models.TextChoices):
    ALL = "all", _("All households")
    SITE = "site", _("Site")
    LANGUAGE = "language", _("Language")
    PROGRAMME = "programme", _("Programme")
    GRADE = "grade", _("Grade")
    CHANNEL = "channel", _("Channel")
    CATEGORY = "category", _("Category")
    OUTCOME = "outcome", _("Outcome")
    LIAISON = "liaison", _("Liaison's caseload")
