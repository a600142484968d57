"""Writing the outbox: one delivery row per guardian × channel, each language rendered once.

Small sends (a household, an event's invitees) write their rows in the same transaction as the
message. Large announcements write the message first (state "preparing") and then the rows in short
batches, each its own transaction, so that on SQLite an interactive write never waits long behind
them; the unique key message × guardian × channel makes a re-run (a crash, a retried task) write
only what is missing.
"""

import datetime as dt
import logging
import time
import zoneinfo
from functools import lru_cache

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from liaison.language.rendering import TranslationDelayed, render_message
from liaison.messaging.choices import Channel, DeliveryState, MessageState
from liaison.messaging.models import Delivery, Message, Rendering, Suppression

log = logging.getLogger(__name__)

GUARDIAN_FIELDS = (
    "id",
    "household_id",
    "phone",
    "email",
    "preferred_channels",
    "preferred_language",
    "time_zone",
    "contact_restricted",
    "is_active",
    "household__site__time_zone",
    "household__district__time_zone",
)


@lru_cache(maxsize=256)
def zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def quiet_hours(district) -> tuple[dt.time, dt.time]:
    start = getattr(district, "quiet_hours_start", None) or dt.time(20, 0)
    end = getattr(district, "quiet_hours_end", None) or dt.time(8, 0)
    return start, end


def quiet_until(now: dt.datetime, tz: zoneinfo.ZoneInfo, start: dt.time, end: dt.time):
    """The end of the quiet period `now` falls in (in the recipient's zone), or None when it is not quiet."""
    if start == end:
        return None
    local = now.astimezone(tz)
    t = local.time()
    if start > end:  # over midnight, e.g. 20:00-08:00
        quiet = t >= start or t < end
        day = local.date() + (dt.timedelta(days=1) if t >= start else dt.timedelta())
    else:
        quiet = start <= t < end
        day = local.date()
    if not quiet:
        return None
    return dt.datetime.combine(day, end, tzinfo=tz).astimezone(dt.UTC)


def quiet_channels() -> set[str]:
    return set(getattr(settings, "MESSAGING_QUIET_HOURS_CHANNELS", ["sms"]))


def choose_channel(preferred, phone, email, blocked_sms, blocked_email) -> tuple[str, str]:
    """The guardian's first channel we may use, with its address; the portal is always there."""
    usable = {
        Channel.SMS: phone if phone and phone not in blocked_sms else "",
        Channel.EMAIL: email.lower() if email and email.lower() not in blocked_email else "",
        Channel.PORTAL: "portal",
    }
    order = [c for c in (preferred or []) if c in usable] or [
        Channel.SMS,
        Channel.EMAIL,
        Channel.PORTAL,
    ]
    for channel in [*order, Channel.PORTAL]:
        if usable.get(channel):
            return channel, ("" if channel == Channel.PORTAL else usable[channel])
    return Channel.PORTAL, ""


def blocked_addresses(phones, emails) -> tuple[set, set]:
    sms, email = set(), set()
    phones = [p for p in phones if p]
    emails = [e.lower() for e in emails if e]
    for chunk in _chunks(phones, 900):
        sms.update(
            Suppression.objects.filter(channel=Channel.SMS, address__in=chunk).values_list(
                "address", flat=True
            )
        )
    for chunk in _chunks(emails, 900):
        email.update(
            Suppression.objects.filter(channel=Channel.EMAIL, address__in=chunk).values_list(
                "address", flat=True
            )
        )
    return sms, email


def _chunks(seq, size):
    seq = list(seq)
    for i in range(0, len(seq), size):
        yield seq[i : i + size]


# --- rendering ---------------------------------------------------------------------------------


def ensure_renderings(message: Message, languages) -> tuple[dict, int | None]:
    """Each language's text, made at most once per message. Returns (renderings, retry_after or None)."""
    languages = sorted({lang or "en" for lang in languages})
    have = {r.language: r for r in message.renderings.filter(language__in=languages)}
    missing = [lang for lang in languages if lang not in have]
    if not missing:
        return have, None
    try:
        made = render_message(
            district=message.district,
            subject=message.subject,
            body=message.body,
            source_language=message.source_language,
            target_languages=missing,
            template=message.template or None,
            context=message.context or None,
        )
    except TranslationDelayed as delayed:
        log.info("translation delayed for message %s: %s", message.pk, delayed)
        return have, max(1, int(delayed.retry_after))
    rows = [
        Rendering(
            message=message,
            language=lang,
            subject=r.subject,
            body=r.body,
            method=r.method,
            needs_follow_up=r.needs_follow_up,
            note=r.note,
        )
        for lang, r in made.items()
        if lang in missing
    ]
    Rendering.objects.bulk_create(rows, ignore_conflicts=True)
    have.update({r.language: r for r in message.renderings.filter(language__in=missing)})
    return have, None


# --- writing rows ------------------------------------------------------------------------------


def build_rows(
    message: Message, guardian_rows, *, renderings, delayed_until, now
) -> list[Delivery]:
    """Delivery objects for one batch of guardian value rows (restricted and inactive ones skipped)."""
    start, end = quiet_hours(message.district)
    quiet = quiet_channels()
    first_at = max(now, message.send_at) if message.send_at else now
    if delayed_until:
        first_at = max(first_at, delayed_until)
    rows = [g for g in guardian_rows if not g[7] and g[8]]
    blocked_sms, blocked_email = blocked_addresses([g[2] for g in rows], [g[3] for g in rows])
    out = []
    for gid, hid, phone, email, prefs, lang, tz, _r, _a, site_tz, district_tz in rows:
        channel, address = choose_channel(prefs, phone, email, blocked_sms, blocked_email)
        at = first_at
        if channel in quiet and not message.urgent:
            held = quiet_until(at, zone(tz or site_tz or district_tz), start, end)
            if held:
                at = held
        rendering = renderings.get(lang or "en")
        out.append(
            Delivery(
                message_id=message.pk,
                guardian_id=gid,
                household_id_copy=hid,
                channel=channel,
                address=address,
                language=lang or "en",
                state=DeliveryState.QUEUED,
                next_attempt_at=at,
                urgent=message.urgent,
                needs_follow_up=bool(rendering and rendering.needs_follow_up),
                created_at=now,
                updated_at=now,
            )
        )
    return out


def write_deliveries(message: Message, guardians, *, batched: bool) -> int:
    """Write the rows for `guardians` (a Guardian queryset). Returns how many rows now exist."""
    now = timezone.now()
    languages = set(guardians.values_list("preferred_language", flat=True).distinct())
    renderings, retry_after = ensure_renderings(message, languages)
    delayed_until = now + dt.timedelta(seconds=retry_after) if retry_after else None
    batch = int(getattr(settings, "MESSAGING_FANOUT_BATCH", 2000))
    ids = guardians.order_by("pk").values_list(*GUARDIAN_FIELDS)
    written = 0
    pause = float(getattr(settings, "MESSAGING_FANOUT_PAUSE", 0.02))
    buffer = []

    def flush():
        nonlocal written
        rows = build_rows(
            message, buffer, renderings=renderings, delayed_until=delayed_until, now=now
        )
        if batched:
            with transaction.atomic():
                Delivery.objects.bulk_create(rows, ignore_conflicts=True)
            if connection.vendor == "sqlite" and pause:
                # Let an interactive writer waiting on SQLite's single write lock go first.
                time.sleep(pause)
        else:
            Delivery.objects.bulk_create(rows, ignore_conflicts=True)
        written += len(rows)
        buffer.clear()

    # Keyset pagination: never hold a cursor open across the short write transactions.
    last = 0
    while True:
        chunk = list(ids.filter(pk__gt=last)[:batch])
        if not chunk:
            break
        last = chunk[-1][0]
        buffer.extend(chunk)
        flush()
    return written


def finish_preparing(message: Message) -> None:
    count = Delivery.objects.filter(message=message).count()
    Message.objects.filter(pk=message.pk).update(state=MessageState.QUEUED, recipient_count=count)
    message.state = MessageState.QUEUED
    message.recipient_count = count
