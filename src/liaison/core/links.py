"""Signed links for families and staff: a purpose, an expiry, and optionally a single use.

    token = links.make("rsvp", {"invitation": 42}, single_use=True)
    value = links.read("rsvp", token, max_age=timedelta(days=14))  # raises links.BadLink

A token signed for one purpose is refused for another (the purpose is the signing salt); a
tampered token, an expired one and a single-use one presented twice raise BadLink (subclasses
Tampered, Expired, AlreadyUsed). Single-use tokens are remembered, hashed, in the model that
register_store() was given: audit.UsedLink, registered by the audit app (core imports no app).
"""

import datetime as dt
import hashlib
import secrets

from django.core import signing
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction

# The model remembering used single-use tokens (fields: digest, unique; purpose): set once, by the
# audit app's AppConfig.ready().
_store = None


def register_store(model) -> None:
    global _store
    _store = model


class BadLink(Exception):
    """The link cannot be used; say so plainly and offer a fresh one."""


class Tampered(BadLink):
    pass


class Expired(BadLink):
    pass


class AlreadyUsed(BadLink):
    pass


def _salt(purpose: str) -> str:
    return f"liaison.links.{purpose}"


def make(purpose: str, value, *, single_use: bool = False) -> str:
    payload = {"v": value}
    if single_use:
        payload["n"] = secrets.token_urlsafe(12)
    return signing.dumps(payload, salt=_salt(purpose), compress=True)


def read(purpose: str, token: str, *, max_age: dt.timedelta | int, consume: bool = True):
    """The value signed into `token`, if it is genuine, for `purpose`, and younger than max_age.

    A single-use token is marked used here (unless consume=False, e.g. to show a confirmation
    page before the POST that consumes it)."""
    try:
        payload = signing.loads(token, salt=_salt(purpose), max_age=max_age)
    except signing.SignatureExpired as error:
        raise Expired(str(error)) from error
    except (signing.BadSignature, ValueError, TypeError) as error:
        raise Tampered(str(error)) from error
    if not isinstance(payload, dict) or "v" not in payload:
        raise Tampered("malformed payload")
    if "n" in payload:
        if _store is None:
            raise ImproperlyConfigured("single-use links need a store: is liaison.audit installed?")
        digest = hashlib.sha256(token.encode()).hexdigest()
        if _store.objects.filter(digest=digest).exists():
            raise AlreadyUsed("this link was already used")
        if consume:
            try:
                with transaction.atomic():
                    _store.objects.create(digest=digest, purpose=purpose[:100])
            except IntegrityError as error:  # used at the same moment by another request
                raise AlreadyUsed("this link was already used") from error
    return payload["v"]
