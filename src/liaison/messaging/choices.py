"""Enumerations of the messaging app, in the liaison's words."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Direction(models.TextChoices):
    OUT = "out", _("To the family")
    IN = "in", _("From the family")


class MessageKind(models.TextChoices):
    CONVERSATION = "conversation", _("Conversation")
    NOTICE = "notice", _("Notice")
    ANNOUNCEMENT = "announcement", _("Announcement")


class MessageState(models.TextChoices):
    # An announcement is written first and fanned out to deliveries in short batches.
    PREPARING = "preparing", _("Preparing")
    SCHEDULED = "scheduled", _("Scheduled")
    QUEUED = "queued", _("Queued")
    RECEIVED = "received", _("Received")
    CANCELLED = "cancelled", _("Cancelled")


class DeliveryState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    LEASED = "leased", _("Being sent")  # claimed by a worker, not yet handed to the provider
    SENDING = (
        "sending",
        _("Handing to provider"),
    )  # handed over (or about to be): never resent blindly
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    SUPPRESSED = "suppressed", _("Not sent")  # opted out, restricted, unreachable
    CANCELLED = "cancelled", _("Cancelled")


OPEN_DELIVERY_STATES = [DeliveryState.QUEUED, DeliveryState.LEASED, DeliveryState.SENDING]
DONE_DELIVERY_STATES = [
    DeliveryState.SENT,
    DeliveryState.DELIVERED,
    DeliveryState.FAILED,
    DeliveryState.SUPPRESSED,
    DeliveryState.CANCELLED,
]


class FailureReason(models.TextChoices):
    """Why a delivery failed, as the announcement page groups them."""

    BOUNCED = "bounced", _("The email address does not exist (it bounced)")
    INVALID_NUMBER = "invalid_number", _("The number cannot receive texts")
    OPTED_OUT = "opted_out", _("The family opted out of this channel")
    REFUSED = "refused", _("The provider refused the message")
    OUTAGE = "outage", _("The channel did not answer within the district's waiting time")
    UNCERTAIN = "uncertain", _("It may have arrived: sending stopped while it was handed over")
    RETRIES = "retries", _("Every attempt was turned away")
    UNPREPARED = "unprepared", _("The message could not be prepared")


class Channel(models.TextChoices):
    SMS = "sms", _("Text message")
    EMAIL = "email", _("Email")
    PORTAL = "portal", _("Family portal")
    CONSOLE = "console", _("Console (demo)")


class SuppressionReason(models.TextChoices):
    OPT_OUT = "opt_out", _("Opted out")
    BOUNCE = "bounce", _("Hard bounce")
    REJECTED = "rejected", _("Carrier rejected the number")
    COMPLAINT = "complaint", _("Marked as spam")


class ConversationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class NoticeKind(models.TextChoices):
    """What a one-way notice is about (free text is allowed too: apps may pass their own)."""

    EVENT_INVITATION = "event_invitation", _("Event invitation")
    EVENT_REMINDER = "event_reminder", _("Event reminder")
    EVENT_CHANGE = "event_change", _("Event change")
    CONCERN_SATISFACTION = "concern_satisfaction", _("Concern follow-up question")
    MEDIATION_SUMMARY = "mediation_summary", _("Mediation summary")
    REFERRAL = "referral", _("Referral details")
    SYSTEM = "system", _("System reply")
    OTHER = "other", _("Other")
