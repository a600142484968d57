"""The channel interface and the outcomes a channel can report."""

from contextlib import contextmanager
from dataclasses import dataclass, field


class TemporaryFailure(Exception):
    """Nothing reached the provider, or it asked us to try later: retry with backoff."""


class PermanentFailure(Exception):
    """The provider refused for good. `unreachable` marks the address unusable from now on."""

    def __init__(self, reason: str, *, unreachable: bool = False, opted_out: bool = False):
        super().__init__(reason)
        self.unreachable = unreachable
        self.opted_out = opted_out


class Uncertain(Exception):
    """The provider may have it (a timeout after the request went out): reconcile, never resend blindly."""


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


class ChannelBackend:
    # True when handing over is instant and final (portal, console): the row becomes "delivered".
    delivers_immediately = False

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
