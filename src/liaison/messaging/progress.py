"""An announcement's status in words, followed from its deliveries: queued → sending → sent."""

from dataclasses import dataclass
from typing import Any

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from liaison.messaging.choices import DeliveryState, MessageState

WAITING = (DeliveryState.QUEUED, DeliveryState.LEASED, DeliveryState.SENDING)
SENT = (DeliveryState.SENT, DeliveryState.DELIVERED)
NOT_SENT = (DeliveryState.SUPPRESSED, DeliveryState.CANCELLED)


@dataclass(frozen=True)
class Progress:
    key: str  # preparing, scheduled, queued, sending, sent, cancelled: a CSS hook, never shown
    words: str


def counts_by_state(by_state: dict[str, int]) -> dict[str, int]:
    """{"waiting", "sent", "failed", "not_sent"} from deliveries counted by state."""
    return {
        "waiting": sum(by_state.get(s, 0) for s in WAITING),
        "sent": sum(by_state.get(s, 0) for s in SENT),
        "failed": by_state.get(DeliveryState.FAILED, 0),
        "not_sent": sum(by_state.get(s, 0) for s in NOT_SENT),
    }


def announcement_progress(
    message: Any, *, waiting: int, sent: int, failed: int, not_sent: int = 0
) -> Progress:
    """Where an announcement is, in words with its counts: "Queued — 120 waiting", "Sending —
    40 of 120 sent", "Sent — 118 sent, 2 failed"."""
    if message.state == MessageState.CANCELLED:
        return Progress("cancelled", _("Cancelled"))
    started = sent + failed
    if message.send_at and message.send_at > timezone.now() and not started:
        when = formats.date_format(timezone.localtime(message.send_at), "DATETIME_FORMAT")
        return Progress("scheduled", _("Scheduled for %(when)s") % {"when": when})
    if message.state == MessageState.PREPARING and not (waiting or started):
        return Progress("preparing", _("Preparing"))
    if waiting and not started:
        return Progress("queued", _("Queued — %(n)d waiting") % {"n": waiting})
    if waiting:
        return Progress(
            "sending",
            _("Sending — %(sent)d of %(total)d sent") % {"sent": sent, "total": waiting + started},
        )
    if started or not_sent:
        words = _("Sent — %(sent)d sent, %(failed)d failed") % {"sent": sent, "failed": failed}
        if not_sent:
            words += " " + _("(%(n)d not sent: opted out or unreachable)") % {"n": not_sent}
        return Progress("sent", words)
    return Progress("queued", _("Queued"))
