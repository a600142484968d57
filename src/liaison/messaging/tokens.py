"""Signed tokens in links sent to families (one-click unsubscribe)."""

from django.core import signing

SALT = "liaison.messaging.unsubscribe"


def unsubscribe_token(channel: str, address: str) -> str:
    return signing.dumps([channel, address], salt=SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[str, str] | None:
    try:
        channel, address = signing.loads(token, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return channel, address
