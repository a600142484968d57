"""Signed tokens in links sent to families (one-click unsubscribe)."""

import hmac
import re

from django.core import signing
from django.utils.crypto import salted_hmac

SALT = "liaison.messaging.unsubscribe"
# The mailto half of List-Unsubscribe carries a short code instead of the signed token: an email
# local part holds at most 64 characters (RFC 5321) and no colon, and some mail servers fold its
# case, so the code is lower-case letters and digits only: the delivery's id in base 36, then 20
# hex digits of an HMAC over it (80 bits).
CODE_SALT = "liaison.messaging.unsubscribe-code"
_CODE = re.compile(r"^([0-9a-z]{1,13})-([0-9a-f]{20})$")


def unsubscribe_token(channel: str, address: str) -> str:
    return signing.dumps([channel, address], salt=SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[str, str] | None:
    try:
        channel, address = signing.loads(token, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return channel, address


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if not n:
            return out


def _code_mac(key: str) -> str:
    return salted_hmac(CODE_SALT, key, algorithm="sha256").hexdigest()[:20]


def unsubscribe_code(delivery_id: int) -> str:
    """The mailto unsubscribe code of one email delivery ("2s-…"): it names the delivery, whose
    channel and address are opted out when mail arrives for it."""
    key = _base36(delivery_id)
    return f"{key}-{_code_mac(key)}"


def read_unsubscribe_code(code: str) -> int | None:
    """The delivery id a code names, or None when it is not one of ours (or was tampered with)."""
    m = _CODE.match((code or "").lower())
    if not m or not hmac.compare_digest(m.group(2), _code_mac(m.group(1))):
        return None
    return int(m.group(1), 36)
