"""Family sign-in without a password: codes by SMS, links by email, deep links, remembered devices."""

import datetime as dt
import hashlib
import logging
import secrets
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from liaison.core.i18n import base_language
from liaison.core.validators import normalize_phone
from liaison.people.models import Guardian
from liaison.portal.choices import DeepLinkPurpose, SignInChannel, ThrottleKind
from liaison.portal.models import (
    FamilyPreference,
    RememberedDevice,
    SignInChallenge,
    SignInThrottle,
    ThreadSeen,
)

log = logging.getLogger(__name__)

CODE_LENGTH = 6


class SignInLocked(Exception):
    """Too many wrong codes for this number or from this address: tries are refused for a while."""


class Throttled(Exception):
    """Too many codes or links asked for this number/address or from this IP in the last hour."""


@dataclass(frozen=True)
class Destination:
    channel: str  # SignInChannel
    value: str  # E.164 number or lower-cased email address

    @property
    def key(self) -> str:
        return destination_key(self.channel, self.value)


def parse_destination(raw: str) -> Destination:
    """The number or address a family typed, normalised; ValidationError when it is neither."""
    raw = (raw or "").strip()
    if "@" in raw:
        from django.core.validators import validate_email

        validate_email(raw)
        return Destination(SignInChannel.EMAIL, raw.lower())
    return Destination(SignInChannel.SMS, normalize_phone(raw))


def destination_key(channel: str, value: str) -> str:
    """A keyed hash of a number or address, so throttles and challenges hold no contact details."""
    return salted_hmac(
        "liaison.portal.destination", f"{channel}:{value}", algorithm="sha256"
    ).hexdigest()


def ip_key(ip: str) -> str:
    return (
        "ip:"
        + salted_hmac("liaison.portal.ip", ip or "unknown", algorithm="sha256").hexdigest()[:60]
    )


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hash_code(code: str, salt: str | None = None) -> str:
    """A salted, keyed hash of a code (HMAC-SHA256 with the secret key).

    A six-digit code lives minutes and allows a handful of tries, so a slow password hash buys
    nothing; keying by SECRET_KEY means a copy of the table alone cannot be searched for codes.
    """
    salt = salt or secrets.token_hex(8)
    mac = salted_hmac("liaison.portal.code", f"{salt}:{code}", algorithm="sha256").hexdigest()
    return f"{salt}${mac}"


def code_matches(code: str, stored: str) -> bool:
    salt, _sep, _mac = stored.partition("$")
    return bool(code) and bool(salt) and constant_time_compare(hash_code(code, salt), stored)


# --- who may sign in ---------------------------------------------------------------------------


def eligible_guardians():
    """Guardians who may use the portal: active, under no contact restriction, household active."""
    return Guardian.objects.reachable().filter(household__is_active=True)


def guardian_for(destination: Destination) -> Guardian | None:
    """The one guardian a number/address on file belongs to; None if unknown or ambiguous.

    Two guardians of one household may share a phone: the first is signed in (they see the same
    household). A number shared across households signs nobody in.
    """
    if destination.channel == SignInChannel.SMS:
        match = Q(phone=destination.value) | Q(alt_phone=destination.value)
    else:
        match = Q(email__iexact=destination.value) | Q(alt_email__iexact=destination.value)
    found = list(eligible_guardians().filter(match).order_by("pk")[:10])
    if not found or len({g.household_id for g in found}) > 1:
        return None
    return found[0]


def active_guardian(guardian_id) -> Guardian | None:
    if not guardian_id:
        return None
    return (
        eligible_guardians()
        .select_related("household", "household__district", "household__site")
        .filter(pk=guardian_id)
        .first()
    )


# --- throttling --------------------------------------------------------------------------------


def _count(kind: str, key: str, since: dt.datetime) -> int:
    return SignInThrottle.objects.filter(kind=kind, key=key, at__gte=since).count()


def is_locked(*, destination: Destination | None, ip: str) -> bool:
    since = timezone.now() - dt.timedelta(minutes=settings.LIAISON_PORTAL_LOCKOUT_MINUTES)
    if destination is not None and (
        _count(ThrottleKind.FAILURE, destination.key, since) >= settings.LIAISON_PORTAL_MAX_FAILURES
    ):
        return True
    return (
        _count(ThrottleKind.FAILURE, ip_key(ip), since) >= settings.LIAISON_PORTAL_IP_MAX_FAILURES
    )


def _record(kind: str, *keys: str) -> None:
    now = timezone.now()
    SignInThrottle.objects.bulk_create([SignInThrottle(kind=kind, key=k, at=now) for k in keys])


def forget_old_throttles(*, older_than_hours: int = 24) -> int:
    cutoff = timezone.now() - dt.timedelta(hours=older_than_hours)
    return SignInThrottle.objects.filter(at__lt=cutoff).delete()[0]


# --- asking for a code or link -----------------------------------------------------------------


def request_sign_in(*, destination: Destination, ip: str, next_path: str = "") -> None:
    """Send a code (SMS) or link (email) if the number/address is on file; the same answer either way.

    Raises Throttled when this number/address or IP asked too often in the last hour; that is
    counted for unknown numbers too, so it tells nothing about who is on file.
    """
    hour_ago = timezone.now() - dt.timedelta(hours=1)
    with transaction.atomic():
        if (
            _count(ThrottleKind.REQUEST, destination.key, hour_ago)
            >= settings.LIAISON_PORTAL_REQUESTS_PER_HOUR
            or _count(ThrottleKind.REQUEST, ip_key(ip), hour_ago)
            >= settings.LIAISON_PORTAL_IP_REQUESTS_PER_HOUR
        ):
            raise Throttled
        _record(ThrottleKind.REQUEST, destination.key, ip_key(ip))
        guardian = guardian_for(destination)
        if guardian is None:
            return
        now = timezone.now()
        # A new code replaces any earlier one still waiting.
        SignInChallenge.objects.live().filter(destination_key=destination.key).update(used_at=now)
        if destination.channel == SignInChannel.SMS:
            code = f"{secrets.randbelow(10**CODE_LENGTH):0{CODE_LENGTH}d}"
            challenge = SignInChallenge.objects.create(
                guardian=guardian,
                channel=destination.channel,
                destination_key=destination.key,
                secret_hash=hash_code(code),
                next_path=next_path,
                expires_at=now + dt.timedelta(minutes=settings.LIAISON_PORTAL_CODE_MINUTES),
            )
            transaction.on_commit(
                lambda: _send_code(guardian, destination.value, code, challenge.pk)
            )
        else:
            token = secrets.token_urlsafe(32)
            SignInChallenge.objects.create(
                guardian=guardian,
                channel=destination.channel,
                destination_key=destination.key,
                secret_hash="",
                token_digest=_digest(token),
                next_path=next_path,
                expires_at=now + dt.timedelta(minutes=settings.LIAISON_PORTAL_LINK_MINUTES),
            )
            transaction.on_commit(lambda: _send_link(guardian, destination.value, token))


def _send_code(guardian: Guardian, phone: str, code: str, challenge_id: int) -> None:
    """Text the code through messaging's SMS channel (the same gateway as every other text)."""
    from liaison.messaging import channels

    with translation.override(portal_language(guardian.preferred_language)):
        body = _(
            "%(code)s is your school family portal code. It expires in %(minutes)s minutes."
        ) % {"code": code, "minutes": settings.LIAISON_PORTAL_CODE_MINUTES}
    backend = channels.get("sms")
    outgoing = channels.Outgoing(
        delivery_id=0,
        to=phone,
        subject="",
        body=body,
        idempotency_key=f"liaison-portal-code-{challenge_id}",
    )
    try:
        with backend.session():
            backend.send(outgoing)
    except (channels.TemporaryFailure, channels.PermanentFailure, channels.Uncertain, OSError):
        log.warning("portal: the sign-in code for guardian %s could not be sent", guardian.pk)


def _send_link(guardian: Guardian, email: str, token: str) -> None:
    url = settings.PUBLIC_URL + reverse("portal:link", args=[token])
    with translation.override(portal_language(guardian.preferred_language)):
        subject = _("Your link to the school family portal")
        body = _(
            "Hello %(name)s,\n\nOpen this link to sign in to the school family portal:\n%(url)s\n\n"
            "It works once, for %(minutes)s minutes. If you did not ask for it, ignore this email."
        ) % {
            "name": guardian.full_name,
            "url": url,
            "minutes": settings.LIAISON_PORTAL_LINK_MINUTES,
        }
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email])
    except OSError:
        log.exception("portal: the sign-in link for guardian %s could not be sent", guardian.pk)


# --- answering ---------------------------------------------------------------------------------


def verify_code(*, destination: Destination, code: str, ip: str) -> SignInChallenge | None:
    """The challenge a right code redeems (now used up), or None. SignInLocked after too many misses."""
    if is_locked(destination=destination, ip=ip):
        raise SignInLocked
    code = (code or "").strip().replace(" ", "")
    with transaction.atomic():
        for challenge in SignInChallenge.objects.live().filter(
            destination_key=destination.key, channel=SignInChannel.SMS
        ):
            if code_matches(code, challenge.secret_hash):
                # Single use even when two answers race: only one update finds it unused.
                spent = SignInChallenge.objects.filter(
                    pk=challenge.pk, used_at__isnull=True
                ).update(used_at=timezone.now())
                if spent and active_guardian(challenge.guardian_id) is not None:
                    return challenge
                return None
        _record(ThrottleKind.FAILURE, destination.key, ip_key(ip))
    return None


def redeem_link(*, token: str, ip: str) -> SignInChallenge | None:
    if is_locked(destination=None, ip=ip):
        raise SignInLocked
    with transaction.atomic():
        challenge = (
            SignInChallenge.objects.live()
            .filter(token_digest=_digest(token or ""), channel=SignInChannel.EMAIL)
            .first()
        )
        if challenge is None or not token:
            _record(ThrottleKind.FAILURE, ip_key(ip))
            return None
        if not SignInChallenge.objects.filter(pk=challenge.pk, used_at__isnull=True).update(
            used_at=timezone.now()
        ):
            return None
    return challenge if active_guardian(challenge.guardian_id) is not None else None


# --- remembered devices ------------------------------------------------------------------------


def remember_device(*, guardian: Guardian) -> tuple[str, dt.datetime]:
    """A new device token (for the cookie) and when it stops working."""
    token = secrets.token_urlsafe(32)
    expires = timezone.now() + dt.timedelta(days=settings.LIAISON_PORTAL_REMEMBER_DAYS)
    RememberedDevice.objects.create(
        guardian=guardian, token_digest=_digest(token), expires_at=expires
    )
    return token, expires


def guardian_for_device(token: str) -> Guardian | None:
    if not token:
        return None
    device = RememberedDevice.objects.filter(
        token_digest=_digest(token), expires_at__gt=timezone.now()
    ).first()
    if device is None:
        return None
    guardian = active_guardian(device.guardian_id)
    if guardian is not None:
        RememberedDevice.objects.filter(pk=device.pk).update(last_used_at=timezone.now())
    return guardian


def forget_device(token: str) -> None:
    if token:
        RememberedDevice.objects.filter(token_digest=_digest(token)).delete()


# --- deep links from messages ------------------------------------------------------------------


def _deep_salt(purpose: str) -> str:
    return f"liaison.portal.deep.{purpose}"


def deep_link_url(*, guardian: Guardian, purpose: str, target_id: int) -> str:
    """A link for a message that signs this guardian straight into one thread or invitation."""
    return deep_link_urls(guardian_ids=[guardian.pk], purpose=purpose, target_id=target_id)[
        guardian.pk
    ]


def deep_link_urls(*, guardian_ids, purpose: str, target_id: int) -> dict[int, str]:
    """deep_link_url() for many guardians at once (a batch of texts): {guardian_id: url}.

    Each token is exactly what `signing.dumps({"g": …, "t": …}, salt=…, compress=True)` gives
    (open_deep_link reads it with signing.loads), but the HMAC key is derived and the URL reversed
    once for the batch instead of once per guardian: signing a link per text was a large share of
    a delivery worker's time.
    """
    purpose = DeepLinkPurpose(purpose)
    signer = signing.TimestampSigner(salt=_deep_salt(purpose))
    stamp = signer.timestamp()
    mac = salted_hmac(signer.salt + "signer", b"", signer.key, algorithm=signer.algorithm)
    head, tail = (
        settings.PUBLIC_URL + reverse("portal:deep_link", args=[purpose.value, "TOKEN"])
    ).rsplit("TOKEN", 1)
    target_id = int(target_id)
    urls = {}
    for guardian_id in guardian_ids:
        data = b'{"g":%d,"t":%d}' % (guardian_id, target_id)  # JSONSerializer's compact form
        compressed = zlib.compress(data)
        if len(compressed) < len(data) - 1:  # never for a payload this small; kept for fidelity
            value = "." + signing.b64_encode(compressed).decode()
        else:
            value = signing.b64_encode(data).decode()
        value = f"{value}:{stamp}"
        digest = mac.copy()
        digest.update(value.encode())
        urls[guardian_id] = f"{head}{value}:{signing.b64_encode(digest.digest()).decode()}{tail}"
    return urls


def open_deep_link(*, purpose: str, token: str) -> tuple[Guardian, int] | None:
    """The guardian and target a deep link names, if it is genuine, unexpired and for this purpose."""
    if purpose not in DeepLinkPurpose.values:
        return None
    try:
        data = signing.loads(
            token,
            salt=_deep_salt(purpose),
            max_age=dt.timedelta(days=settings.LIAISON_PORTAL_DEEP_LINK_DAYS),
        )
    except signing.BadSignature:
        return None
    guardian = active_guardian(data.get("g"))
    if guardian is None:
        return None
    return guardian, int(data["t"])


DEEP_LINK_VIEWS = {
    DeepLinkPurpose.THREAD: "portal:conversation",
    DeepLinkPurpose.MESSAGE: "portal:announcement",
    DeepLinkPurpose.INVITATION: "portal:event",
}


def deep_link_target(purpose: str, target_id: int) -> str:
    try:
        return reverse(DEEP_LINK_VIEWS[DeepLinkPurpose(purpose)], args=[target_id])
    except (NoReverseMatch, KeyError, ValueError):
        return reverse("portal:home")


# --- language and preferences ------------------------------------------------------------------


def portal_language(tag: str) -> str:
    """The portal language (a Django code in LANGUAGES) closest to a BCP 47 tag; English if none."""
    codes = {code for code, _name in settings.LANGUAGES}
    tag = (tag or "").replace("_", "-").lower()
    if tag in codes:
        return tag
    if tag.startswith("zh"):
        return "zh-hans" if "zh-hans" in codes else settings.LANGUAGE_CODE
    base = base_language(tag)
    return base if base in codes else settings.LANGUAGE_CODE


def threads_seen_at(guardian: Guardian) -> dict[int, object]:
    """When this guardian last opened each of their threads: {conversation id: time}."""
    return dict(
        ThreadSeen.objects.filter(guardian=guardian).values_list("conversation_id", "seen_at")
    )


def mark_thread_seen(*, guardian: Guardian, conversation) -> None:
    ThreadSeen.objects.update_or_create(
        guardian=guardian, conversation=conversation, defaults={"seen_at": timezone.now()}
    )


def portal_links_for(guardian_ids, purpose: str, message) -> dict[int, str]:
    """Messaging's link builder: deep links that open this message's thread or notice, by guardian."""
    if purpose == "conversation" and message.conversation_id:
        return deep_link_urls(
            guardian_ids=guardian_ids,
            purpose=DeepLinkPurpose.THREAD,
            target_id=message.conversation_id,
        )
    if purpose == "notice" and message.related_type == "events.invitation" and message.related_id:
        return deep_link_urls(
            guardian_ids=guardian_ids,
            purpose=DeepLinkPurpose.INVITATION,
            target_id=int(message.related_id),
        )
    if purpose in ("notice", "announcement"):
        return deep_link_urls(
            guardian_ids=guardian_ids, purpose=DeepLinkPurpose.MESSAGE, target_id=message.pk
        )
    return {}


def preference_for(guardian: Guardian) -> FamilyPreference:
    pref = FamilyPreference.objects.filter(guardian=guardian).first()
    return pref or FamilyPreference(guardian=guardian)


def family_choices(guardian_ids) -> dict[int, FamilyPreference]:
    """Each guardian's portal choices (quiet hours, opt-outs) for senders to honour, by guardian id.

    Guardians who never chose have no entry: send as usual.
    """
    return {p.guardian_id: p for p in FamilyPreference.objects.filter(guardian_id__in=guardian_ids)}


def family_accepts(pref: FamilyPreference | None, *, kind: str, notice_kind: str = "") -> bool:
    """Whether a guardian's opt-outs let a message of this kind through (conversations always do)."""
    if pref is None or kind == "conversation":
        return True
    if kind == "announcement":
        return not pref.opt_out_announcements
    if notice_kind.startswith("event") or "invitation" in notice_kind:
        return not pref.opt_out_events
    if "reminder" in notice_kind:
        return not pref.opt_out_reminders
    return True


def update_preferences(
    *,
    guardian: Guardian,
    language: str,
    channels: list[str],
    quiet_hours_start: dt.time | None,
    quiet_hours_end: dt.time | None,
    opt_out_announcements: bool,
    opt_out_events: bool,
    opt_out_reminders: bool,
) -> FamilyPreference:
    """Save what a guardian chose: language and channel order on their record, the rest here."""
    if (quiet_hours_start is None) != (quiet_hours_end is None):
        raise ValidationError(_("Give both the start and the end of your quiet hours."))
    with transaction.atomic():
        guardian.preferred_language = language
        guardian.preferred_channels = list(channels)
        guardian.save(update_fields=["preferred_language", "preferred_channels"])
        pref, _created = FamilyPreference.objects.update_or_create(
            guardian=guardian,
            defaults={
                "quiet_hours_start": quiet_hours_start,
                "quiet_hours_end": quiet_hours_end,
                "opt_out_announcements": opt_out_announcements,
                "opt_out_events": opt_out_events,
                "opt_out_reminders": opt_out_reminders,
                "updated_at": timezone.now(),
            },
        )
    return pref
