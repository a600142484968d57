"""Enumerations of the insights app."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# Defined with the access policy that reads them (core imports no app); kept importable here.
from liaison.core.policy.roles import Dimension as Dimension
from liaison.core.policy.roles import Scope as Scope


class ContactKind(models.TextChoices):
    FAMILY_REPLY = "family_reply", _("Family wrote")
    CALL = "call", _("Call")
    VISIT = "visit", _("Home visit")
    MEETING = "meeting", _("Meeting")
    WALK_IN = "walk_in", _("Walk-in")
    EVENT_ATTENDED = "event_attended", _("Came to an event")
    OTHER = "other", _("Other contact")
