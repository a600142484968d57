"""Enumerations of the roster app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RunKind(models.TextChoices):
    ONEROSTER = "oneroster", _("OneRoster 1.2 CSV")
    HOUSEHOLDS = "households", _("Households CSV")


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Finished")
    REFUSED = "refused", _("Refused")
    FAILED = "failed", _("Failed")


class Severity(models.TextChoices):
    REJECTED = "rejected", _("Row rejected")
    WARNING = "warning", _("Kept with a warning")
