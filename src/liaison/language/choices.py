"""Enumerations of the language app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EngineKind(models.TextChoices):
    NONE = "none", _("None (approved translations only)")
    ARGOS = "argos", _("Argos Translate (offline, on this server)")
    APERTIUM = "apertium", _("Apertium (offline, on this server: English and Spanish)")
    LIBRETRANSLATE = "libretranslate", _("LibreTranslate (self-hosted server)")
    AZURE = "azure", _("Azure AI Translator (cloud)")
    GOOGLE = "google", _("Google Cloud Translation (cloud)")
    DEEPL = "deepl", _("DeepL (cloud)")


class MemoryStatus(models.TextChoices):
    APPROVED = "approved", _("Approved")
    MACHINE = "machine", _("Machine translated")


class TranslationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft (counted as machine translation)")
    APPROVED = "approved", _("Approved")


class InterpreterKind(models.TextChoices):
    STAFF = "staff", _("Staff")
    CONTRACTED = "contracted", _("Contracted")


class InterpretingMode(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("Phone")
    VIDEO = "video", _("Video")


class RequestStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    ASSIGNED = "assigned", _("Assigned")
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = "cancelled", _("Cancelled")
    DONE = "done", _("Done")


class RequestPurpose(models.TextChoices):
    MEETING = "meeting", _("Meeting")
    EVENT = "event", _("Event")
    CONCERN = "concern", _("Concern")
    OTHER = "other", _("Other")
