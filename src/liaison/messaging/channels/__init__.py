"""Channels behind one small interface: each hands one rendered delivery to its provider.

    backend = channels.get("sms")
    with backend.session():              # one connection for a batch
        provider_id = backend.send(outgoing)   # or raises TemporaryFailure (ChannelUnavailable) / PermanentFailure / Uncertain
    backend.reconcile(delivery, outgoing)      # after a worker died in "sending": ("sent", id) / ("not_sent", "") / ("unknown", "")

Settings: MESSAGING_CHANNELS maps a channel name to a backend class (tests and the demo can use
"console" for every channel).
"""

from django.conf import settings
from django.utils.module_loading import import_string

from liaison.messaging.channels.base import (
    ChannelBackend,
    ChannelUnavailable,
    NotHeld,
    Outgoing,
    PermanentFailure,
    TemporaryFailure,
    Uncertain,
)

DEFAULT_BACKENDS = {
    "sms": "liaison.messaging.channels.sms.TwilioSMS",
    "email": "liaison.messaging.channels.email.DjangoEmail",
    # Mail to staff (reminders) always goes through Django's mailers, as it did before it joined
    # the outbox: MAILERS decide console or SMTP, whatever families' channels are set to.
    "staff-email": "liaison.messaging.channels.email.DjangoEmail",
    "portal": "liaison.messaging.channels.portal.Portal",
    "console": "liaison.messaging.channels.console.Console",
}

_cache: dict[str, ChannelBackend] = {}


def get(name: str) -> ChannelBackend:
    configured = {**DEFAULT_BACKENDS, **getattr(settings, "MESSAGING_CHANNELS", {})}
    path = configured.get(name) or configured["console"]
    key = f"{name}:{path}"
    if key not in _cache:
        _cache[key] = import_string(path)(name)
    return _cache[key]


def reset() -> None:
    """Forget the backend instances (after settings change, e.g. in tests)."""
    for backend in _cache.values():
        backend.close()
    _cache.clear()


__all__ = [
    "ChannelBackend",
    "ChannelUnavailable",
    "NotHeld",
    "Outgoing",
    "PermanentFailure",
    "TemporaryFailure",
    "Uncertain",
    "get",
    "reset",
]
