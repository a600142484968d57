"""Enumerations of the audit app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LegalBasis(models.TextChoices):
    """Why a disclosure outside the school was allowed (FERPA 34 CFR 99.31 / 99.30)."""

    PARENT_REQUEST = "parent_request", _("Parent or eligible student's request (99.10)")
    CONSENT = "consent", _("Written consent of the parent (99.30)")
    SCHOOL_OFFICIAL = (
        "school_official",
        _("School official with a legitimate interest (99.31(a)(1))"),
    )
    DIRECTORY = "directory", _("Directory information (99.31(a)(11))")
    HEALTH_SAFETY = "health_safety", _("Health or safety emergency (99.31(a)(10))")
    SUBPOENA = "subpoena", _("Court order or subpoena (99.31(a)(9))")
    STUDIES = "studies", _("Studies for the school (99.31(a)(6))")
    OTHER = "other", _("Other basis (described)")


class DisclosureChannel(models.TextChoices):
    EXPORT = "export", _("Export")
    REFERRAL = "referral", _("Referral")
    API = "api", _("API client")
    RECORD_REQUEST = "record_request", _("Family's record on request")
    OTHER = "other", _("Other")


class ErasureCause(models.TextChoices):
    REQUEST = "request", _("Erasure on request")
    RETENTION = "retention", _("Retention policy")
