"""Enumerations of the family portal."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SignInChannel(models.TextChoices):
    SMS = "sms", _("Text message")
    EMAIL = "email", _("Email")


class ThrottleKind(models.TextChoices):
    REQUEST = "request", _("Code or link requested")
    FAILURE = "failure", _("Wrong code")


class DeepLinkPurpose(models.TextChoices):
    THREAD = "thread", _("Conversation")
    MESSAGE = "message", _("Message")
    INVITATION = "invitation", _("Invitation")
