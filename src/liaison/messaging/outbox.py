"""Writing the outbox: one delivery row per guardian × channel, each language rendered once.

Small sends (a household, an event's invitees) write their rows in the same transaction as the
message. Large announcements write the message first (state "preparing") and then the rows in short
batches, each its own transaction, so that on SQLite an interactive write never waits long behind
them; the unique key message × guardian × channel makes a re-run (a crash, a retried task) write
only what is missing.
"""

import contextlib
import datetime as dt
import json
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
from liaison.people.models import Guardian

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


def all_blocked_addresses(limit: int = 100_000) -> tuple[set, set] | None:
    """Every suppressed SMS number and email, when there are few enough to hold (one query)."""
    rows = list(Suppression.objects.values_list("channel", "address")[: limit + 1])
    if len(rows) > limit:
        return None
    sms = {a for c, a in rows if c == Channel.SMS}
    return sms, {a for c, a in rows if c == Channel.EMAIL}


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


INSERT_COLUMNS = (
    "message_id",
    "guardian_id",
    "household_id",
    "channel",
    "address",
    "language",
    "state",
    "next_attempt_at",
    "attempts",
    "lease_owner",
    "provider_id",
    "error",
    "needs_follow_up",
    "urgent",
    "created_at",
    "updated_at",
)


def build_rows(
    message: Message, guardian_rows, *, renderings, delayed_until, now, blocked=None
) -> list[tuple]:
    """Delivery rows (tuples in INSERT_COLUMNS order) for one batch of guardian value rows.

    Restricted and inactive guardians get no row. Tuples rather than model instances: an
    announcement writes hundreds of thousands of rows and instances cost ten times more.
    """
    start, end = quiet_hours(message.district)
    quiet = quiet_channels()
    first_at = max(now, message.send_at) if message.send_at else now
    if delayed_until:
        first_at = max(first_at, delayed_until)
    adapt = connection.ops.adapt_datetimefield_value
    now_db = adapt(now)
    first_db = adapt(first_at)
    held_db: dict = {}
    rows = [g for g in guardian_rows if not g[7] and g[8]]
    if blocked is None:
        blocked = blocked_addresses([g[2] for g in rows], [g[3] for g in rows])
    blocked_sms, blocked_email = blocked
    follow_up = {lang: bool(r.needs_follow_up) for lang, r in renderings.items()}
    out = []
    for gid, hid, phone, email, prefs, lang, tz, _r, _a, site_tz, district_tz in rows:
        channel, address = choose_channel(prefs, phone, email, blocked_sms, blocked_email)
        at = first_db
        if channel in quiet and not message.urgent:
            held = quiet_until(first_at, zone(tz or site_tz or district_tz), start, end)
            if held:
                at = held_db.get(held) or held_db.setdefault(held, adapt(held))
        lang = lang or "en"
        out.append(
            (
                message.pk,
                gid,
                hid,
                channel,
                address,
                lang,
                DeliveryState.QUEUED,
                at,
                0,
                "",
                "",
                "",
                follow_up.get(lang, False),
                message.urgent,
                now_db,
                now_db,
            )
        )
    return out


@lru_cache(maxsize=1024)
def _channels(raw: str) -> tuple:
    return tuple(json.loads(raw or "[]"))


@contextlib.contextmanager
def bulk_cursor():
    """A cursor for the few statements that carry thousands of values in one parameter.

    PostgreSQL: a psycopg cursor with server-side binding on Django's own connection (so inside its
    transaction), so that arrays travel in binary, dumped in C. Django's cursors bind on the client,
    which quotes every array element in Python: that quoting was half the time of an announcement.
    It bypasses Django's query logging (and assertNumQueries). SQLite: Django's cursor.
    """
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    import psycopg

    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        yield cursor


def guardian_rows(ids) -> list[tuple]:
    """GUARDIAN_FIELDS for these guardians, in one plain query (the ORM costs more than the insert)."""
    from liaison.people.models import District, Household, Site

    q = connection.ops.quote_name
    g, h = q(Guardian._meta.db_table), q(Household._meta.db_table)
    s, d = q(Site._meta.db_table), q(District._meta.db_table)
    ids = list(ids)
    if connection.vendor == "postgresql":
        where, params = "g.id = ANY(%b)", [ids]
    else:
        where, params = f"g.id IN ({', '.join(['%s'] * len(ids))})", ids
    sql = (
        f"SELECT g.id, g.household_id, g.phone, g.email, g.preferred_channels, "  # noqa: S608
        f"g.preferred_language, g.time_zone, g.contact_restricted, g.is_active, "
        f"s.time_zone, d.time_zone FROM {g} g JOIN {h} h ON h.id = g.household_id "
        f"LEFT JOIN {s} s ON s.id = h.site_id JOIN {d} d ON d.id = h.district_id "
        f"WHERE {where}"
    )
    with bulk_cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [
        (
            r[0], r[1], r[2], r[3],
            _channels(r[4]) if isinstance(r[4], str) else tuple(r[4] or ()),
            r[5], r[6], bool(r[7]), bool(r[8]), r[9], r[10],
        )
        for r in rows
    ]  # fmt: skip


def insert_rows(rows: list[tuple]) -> None:
    """INSERT … ON CONFLICT DO NOTHING: the unique key message × guardian × channel decides."""
    if not rows:
        return
    table = connection.ops.quote_name(Delivery._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in INSERT_COLUMNS)
    marks = "(" + ", ".join(["%s"] * len(INSERT_COLUMNS)) + ")"
    if connection.vendor == "postgresql":
        # One array per column, unnested on the server: a single set-based statement with 16
        # parameters, sent in binary (a multi-row VALUES list made psycopg parse 16,000 bound
        # parameters a batch; executemany still executes once per row).
        arrays = ", ".join(f"%b::{t}[]" for t in _column_types())
        sql = (
            f"INSERT INTO {table} ({columns}) SELECT * FROM unnest({arrays}) ON CONFLICT DO NOTHING"  # noqa: S608
        )
        with bulk_cursor() as cursor:
            cursor.execute(sql, [list(column) for column in zip(*rows, strict=True)])
        return
    # SQLite: executemany runs in C and keeps under the bound-parameter limit.
    sql = f"INSERT INTO {table} ({columns}) VALUES {marks} ON CONFLICT DO NOTHING"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


@lru_cache(maxsize=1)
def _column_types() -> tuple:
    """The database type of each INSERT_COLUMNS column (foreign keys: their target's type)."""
    by_column = {f.column: f for f in Delivery._meta.concrete_fields}
    types = []
    for column in INSERT_COLUMNS:
        field = by_column[column]
        target = field.target_field if field.is_relation else None
        types.append(
            target.rel_db_type(connection) if target is not None else field.db_type(connection)
        )
    return tuple(types)


def write_deliveries(message: Message, guardians, *, batched: bool) -> int:
    """Write the rows for `guardians` (a Guardian queryset). Returns how many rows now exist."""
    now = timezone.now()
    languages = set(guardians.values_list("preferred_language", flat=True).distinct())
    renderings, retry_after = ensure_renderings(message, languages)
    delayed_until = now + dt.timedelta(seconds=retry_after) if retry_after else None
    # SQLite has one writer: short batches let interactive writes in. PostgreSQL locks rows only.
    batch = int(getattr(settings, "MESSAGING_FANOUT_BATCH", 0)) or (
        2500 if connection.vendor == "sqlite" else 5000
    )
    written = 0
    pause = float(getattr(settings, "MESSAGING_FANOUT_PAUSE", 0.02))
    buffer = []
    blocked = all_blocked_addresses()

    def flush():
        nonlocal written
        rows = build_rows(
            message,
            buffer,
            renderings=renderings,
            delayed_until=delayed_until,
            now=now,
            blocked=blocked,
        )
        if batched:
            with transaction.atomic():
                insert_rows(rows)
            if connection.vendor == "sqlite" and pause:
                # Let an interactive writer waiting on SQLite's single write lock go first.
                time.sleep(pause)
        else:
            insert_rows(rows)
        written += len(rows)
        buffer.clear()

    # The ids first (one cheap query), then each batch's rows by primary key: no cursor is held
    # open across the short write transactions, and no batch re-runs the audience's filters.
    all_ids = list(guardians.order_by("pk").values_list("pk", flat=True))
    for i in range(0, len(all_ids), batch):
        buffer.extend(guardian_rows(all_ids[i : i + batch]))
        flush()
    return written


def finish_preparing(message: Message) -> None:
    count = Delivery.objects.filter(message=message).count()
    Message.objects.filter(pk=message.pk).update(state=MessageState.QUEUED, recipient_count=count)
    message.state = MessageState.QUEUED
    message.recipient_count = count
