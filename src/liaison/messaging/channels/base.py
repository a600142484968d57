"""The channel interface and the outcomes a channel can report."""

from contextlib import contextmanager
from dataclasses import dataclass, field


class TemporaryFailure(Exception):
    """Nothing reached the provider, or it asked us to try later: retry with backoff."""


class ChannelUnavailable(TemporaryFailure):
    """The channel itself is not answering (connection refused, a timeout before anything went out,
    a 5xx from the gateway, a 4xx "try later" from the mail server): nothing is wrong with this
    recipient. The channel pauses; its deliveries wait without spending their attempts."""


class PermanentFailure(Exception):
    """The provider refused for good. `unreachable` marks the address unusable from now on."""

    def __init__(self, reason: str, *, unreachable: bool = False, opted_out: bool = False):
        super().__init__(reason)
        self.unreachable = unreachable
        self.opted_out = opted_out


class Uncertain(Exception):
    """The provider may have it (a timeout after the request went out): reconcile, never resend blindly."""


class NotHeld(Exception):
    """The row was taken over by another worker (our lease ran out) before it went out: not sent,
    and no outcome of ours is written."""


@dataclass
class Outgoing:
    delivery_id: int
    to: str
    subject: str
    body: str
    idempotency_key: str
    reply_to: str = ""
    unsubscribe_url: str = ""  # set on announcements: List-Unsubscribe (RFC 8058)
    unsubscribe_mailto: str = ""
    status_callback: str = ""
    attachments: list = field(default_factory=list)  # (name, bytes, content_type)
    # Set by the drain for channels that mark each hand-over (email): `begin()` commits "sending"
    # just before the message itself goes out and says whether we still hold the row;
    # `accepted(provider_id)` commits "sent" as soon as the provider took it.
    handover: object = None


class ChannelBackend:
    # True when handing over is instant and final (portal, console): the row becomes "delivered".
    delivers_immediately = False
    # True when send() may run in several threads at once (one connection per thread).
    concurrent = False
    # True when the backend calls `outgoing.handover.begin()` right before the message goes out (the
    # SMTP DATA command): rows stay "leased" until then, so a killed worker's untouched rows are
    # simply retried, and only the one in flight is uncertain.
    marks_each_handover = False

    def __init__(self, name: str):
        self.name = name

    @contextmanager
    def session(self):
        yield self

    def send(self, outgoing: Outgoing) -> str:
        raise NotImplementedError

    def reconcile(self, delivery, outgoing: Outgoing | None) -> tuple[str, str]:
        """After a worker died mid-hand-over: ("sent", provider_id), ("not_sent", "") or ("unknown", "")."""
        return "unknown", ""

    def close(self) -> None:
        pass
