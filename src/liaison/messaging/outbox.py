"""Writing the outbox: one delivery row per guardian × channel, each language rendered once.

Small sends (a household, an event's invitees) write their rows in the same transaction as the
message. Large announcements write the message first (state "preparing") and then the rows in short
batches, each its own transaction, so that on SQLite an interactive write never waits long behind
them; the unique key message × guardian × channel makes a re-run (a crash, a retried task) write
only what is missing.
"""

import datetime as dt
import json
import logging
import time
import zoneinfo
from functools import lru_cache

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from liaison.core.db import bulk_cursor, insert_rows, rows_where_in
from liaison.language.rendering import TranslationDelayed, render_message, render_worded_messages
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
    sms: set[str] = set()
    email: set[str] = set()
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


# A language held for a human translator (the sender asked for it) is asked again this often: it
# is sent as soon as someone approves a translation of the message into it.
HUMAN_TRANSLATION_RETRY = 15 * 60
HOLD_UNTRANSLATED = "hold_untranslated"  # the message's context key that asks for it


def ensure_renderings(
    message: Message, languages, *, report_holds: bool = True
) -> tuple[dict, int | None]:
    """Each language's text, made at most once per message. Returns (renderings, retry_after or None).

    A language the sender held for a human translator gets no rendering until one is approved;
    retry_after then says when to ask again (report_holds=False: the caller does not wait for it).
    """
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
            hold_untranslated=bool((message.context or {}).get(HOLD_UNTRANSLATED)),
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
    held = [lang for lang in missing if lang not in made]
    return have, HUMAN_TRANSLATION_RETRY if held and report_holds else None


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


@lru_cache(maxsize=1024)
def _channels(raw: str) -> tuple:
    return tuple(json.loads(raw or "[]") or ())


def _tables():
    from liaison.people.models import District, Household, Site

    q = connection.ops.quote_name
    return tuple(
        q(m._meta.db_table) for m in (Guardian, Household, Site, District, Suppression, Delivery)
    )


def _ids_clause(ids) -> tuple[str, list]:
    if connection.vendor == "postgresql":
        return "g.id = ANY(%s)", [list(ids)]
    return f"g.id IN ({', '.join(['%s'] * len(ids))})", list(ids)


def _message_join(message_of: dict[int, int]) -> tuple[str, list]:
    """A join naming each guardian's own message (many notices written together)."""
    if connection.vendor == "postgresql":
        sql = "JOIN unnest(%s::bigint[], %s::bigint[]) AS m(guardian_id, message_id) "
        return sql + "ON m.guardian_id = g.id ", [list(message_of), list(message_of.values())]
    rows = ", ".join(["(%s, %s)"] * len(message_of))
    params = [value for pair in message_of.items() for value in pair]
    # SQLite names a VALUES list's columns column1, column2 …
    return (
        f"JOIN (SELECT column1 AS guardian_id, column2 AS message_id FROM (VALUES {rows})) m "  # noqa: S608
        "ON m.guardian_id = g.id ",
        params,
    )


def insert_batch(
    message: Message,
    ids,
    *,
    renderings,
    delayed_until,
    now,
    message_of: dict[int, int] | None = None,
) -> int:
    """Write the rows for these guardian ids in two statements, whatever their number.

    message_of (guardian id → message id): each guardian gets their own message (notices written
    together, one per household: send_notices); `message` then stands for them all (its district,
    send_at and urgency are theirs) and `ids` are message_of's keys.

    Restricted and inactive guardians get no row; INSERT … SELECT … ON CONFLICT DO NOTHING lets the
    unique key message × guardian × channel decide. No guardian passes through Python: the first
    statement lists the batch's distinct channel preferences and time zones, Python decides the
    channel (choose_channel, for each preference and each answer to "is the phone / the email
    usable") and the end of quiet hours once per zone, and the second statement applies those
    decisions on the server as CASE expressions. Returns how many guardians the batch reached.
    """
    if not ids:
        return 0
    pg = connection.vendor == "postgresql"
    g, h, s, d, sup, table = _tables()
    where, id_params = _ids_clause(ids)
    prefs_sql = "g.preferred_channels::text" if pg else "g.preferred_channels"
    zone_sql = (
        "COALESCE(NULLIF(g.time_zone, ''), NULLIF(s.time_zone, ''), NULLIF(d.time_zone, ''), '')"
    )
    joins = (
        f"FROM {g} g JOIN {h} h ON h.id = g.household_id LEFT JOIN {s} s ON s.id = h.site_id "
        f"JOIN {d} d ON d.id = h.district_id"
    )
    eligible = f"WHERE {where} AND NOT g.contact_restricted AND g.is_active"
    source = f"{joins} {eligible}"
    with bulk_cursor() as cursor:
        cursor.execute(
            f"SELECT {prefs_sql}, {zone_sql}, COUNT(*) {source} GROUP BY 1, 2",
            id_params,
        )
        groups = cursor.fetchall()
    if not groups:
        return 0
    adapt = (lambda v: v) if pg else connection.ops.adapt_datetimefield_value
    params: list = []

    # The channel: the same rule as choose_channel, decided once per distinct preference.
    def decide(raw, sms_ok, email_ok):
        prefs = _channels(raw) if isinstance(raw, str) else tuple(raw or ())
        return choose_channel(prefs, "p" if sms_ok else "", "e" if email_ok else "", (), ())[0]

    def choice_sql(raw):
        branches = [
            (decide(raw, True, True), "b.so AND b.eo"),
            (decide(raw, True, False), "b.so"),
            (decide(raw, False, True), "b.eo"),
        ]
        whens = " ".join(f"WHEN {cond} THEN '{ch}'" for ch, cond in branches)
        return f"CASE {whens} ELSE '{decide(raw, False, False)}' END"

    prefs_seen = sorted({raw for raw, _z, _n in groups if raw is not None})
    channel_sql = "CASE b.prefs " if prefs_seen else ""
    for raw in prefs_seen:
        channel_sql += f"WHEN %s THEN {choice_sql(raw)} "
        params.append(raw)
    channel_sql += (f"ELSE {choice_sql(None)} END") if prefs_seen else choice_sql(None)
    # Quiet hours: the end of the quiet period once per zone, not once per guardian.
    first_at = max(now, message.send_at) if message.send_at else now
    if delayed_until:
        first_at = max(first_at, delayed_until)
    quiet = sorted(c for c in quiet_channels() if c in Channel.values)
    held = {}
    if quiet and not message.urgent:
        start, end = quiet_hours(message.district)
        for zname in {z for _p, z, _n in groups}:
            until = quiet_until(first_at, zone(zname), start, end)
            if until:
                held[zname] = until
    at_params: list = []
    if held:
        inner = " ".join("WHEN %s THEN %s" for _ in held)
        at_sql = (
            f"CASE WHEN c.channel IN ({', '.join(repr(c) for c in quiet)}) "
            f"THEN CASE c.zone {inner} ELSE %s END ELSE %s END"
        )
        for zname, until in held.items():
            at_params += [zname, adapt(until)]
        at_params += [adapt(first_at), adapt(first_at)]
    else:
        at_sql = "%s"
        at_params = [adapt(first_at)]
    follow = sorted(lang for lang, r in renderings.items() if r.needs_follow_up)
    follow_sql = f"c.lang IN ({', '.join(['%s'] * len(follow))})" if follow else "FALSE"
    if message_of:
        message_sql, message_params = "c.message_id", []
        join_sql, join_params = _message_join(message_of)
        pick_sql = ", m.message_id"
    else:
        message_sql, message_params = "%s", [message.pk]
        join_sql, join_params, pick_sql = "", [], ""
    columns = ", ".join(connection.ops.quote_name(c) for c in INSERT_COLUMNS)
    # Unicode-aware on both (SQLite's own LOWER folds ASCII only: see MessagingConfig.ready).
    lower = "LOWER" if connection.vendor == "postgresql" else "liaison_lower"
    now_db = adapt(now)
    sql = (
        f"INSERT INTO {table} ({columns}) "  # noqa: S608
        f"SELECT {message_sql}, c.id, c.household_id, c.channel, "
        "CASE c.channel WHEN 'sms' THEN c.phone WHEN 'email' THEN c.email ELSE '' END, "
        f"c.lang, '{DeliveryState.QUEUED}', {at_sql}, 0, '', '', '', {follow_sql}, %s, %s, %s "
        f"FROM (SELECT b.*, {channel_sql} AS channel FROM ("
        "SELECT g.id, g.household_id, COALESCE(g.phone, '') AS phone, "
        f"{lower}(COALESCE(g.email, '')) AS email, "
        "COALESCE(NULLIF(g.preferred_language, ''), 'en') AS lang, "
        f"{zone_sql} AS zone, {prefs_sql} AS prefs, "
        "(COALESCE(g.phone, '') <> '' AND xs.id IS NULL) AS so, "
        f"(COALESCE(g.email, '') <> '' AND xe.id IS NULL) AS eo{pick_sql} "
        # At most one suppression per channel and address (its unique key): joins, not subqueries,
        # so the planner hashes them once instead of probing per row and per CASE branch.
        f"{joins} LEFT JOIN {sup} xs ON xs.channel = 'sms' AND xs.address = g.phone "
        f"LEFT JOIN {sup} xe ON xe.channel = 'email' AND xe.address = {lower}(g.email) "
        f"{join_sql}{eligible}) b) c WHERE TRUE ON CONFLICT DO NOTHING"
    )
    # Placeholders in the order they appear in the statement.
    all_params = [
        *message_params,
        *at_params,
        *follow,
        message.urgent,
        now_db,
        now_db,
        *params,
        *join_params,
        *id_params,
    ]
    with transaction.atomic(), bulk_cursor() as cursor:
        if pg:
            # The CASE expressions make the planner's estimate cross the JIT threshold, and
            # compiling took seconds for a statement that runs in a few hundred milliseconds.
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, all_params)
    return sum(n for _p, _z, n in groups)


def write_deliveries(message: Message, guardians, *, batched: bool) -> int:
    """Write the rows for `guardians` (a Guardian queryset). Returns how many guardians they reach."""
    now = timezone.now()
    languages = set(guardians.values_list("preferred_language", flat=True).distinct())
    renderings, retry_after = ensure_renderings(message, languages, report_holds=False)
    delayed_until = now + dt.timedelta(seconds=retry_after) if retry_after else None
    # SQLite has one writer: short batches let interactive writes in. PostgreSQL locks rows only.
    batch = int(getattr(settings, "MESSAGING_FANOUT_BATCH", 0)) or (
        2500 if connection.vendor == "sqlite" else 10000
    )
    pause = float(getattr(settings, "MESSAGING_FANOUT_PAUSE", 0.02))
    written = 0
    # The ids first (one cheap query), then each batch by primary key: no cursor is held open
    # across the short write transactions, and no batch re-runs the audience's filters.
    all_ids = list(guardians.order_by("pk").values_list("pk", flat=True))
    for i in range(0, len(all_ids), batch):
        ids = all_ids[i : i + batch]
        if not batched:
            written += insert_batch(
                message, ids, renderings=renderings, delayed_until=delayed_until, now=now
            )
            continue
        with transaction.atomic():
            written += insert_batch(
                message, ids, renderings=renderings, delayed_until=delayed_until, now=now
            )
        if connection.vendor == "sqlite" and pause:
            # Let an interactive writer waiting on SQLite's single write lock go first.
            time.sleep(pause)
    return written


def write_worded_notices(template: Message, notices: list) -> int:
    """The renderings and deliveries of many notices the system words itself, one per household
    (a day's attendance nudges), in a handful of statements whatever their number.

    notices: objects with message_id, subject, body, context, send_at and guardian_ids, all from
    `template`'s district, source language and urgency. Each is worded in its guardians' languages
    (render_worded_messages, recorded in one write); then the notices that share a send time and
    the languages flagged for follow-up have their deliveries written together by insert_batch,
    each guardian's row pointing at their own household's message. Returns how many guardians the
    rows reach."""
    if not notices:
        return 0
    now = timezone.now()
    everyone = sorted({g for n in notices for g in n.guardian_ids})
    language_of = dict(rows_where_in(Guardian, ["id", "preferred_language"], "id", everyone))
    languages = [sorted({language_of.get(g) or "en" for g in n.guardian_ids}) for n in notices]
    made = render_worded_messages(
        district=template.district,
        messages=[
            (n.subject, n.body, template.source_language, n.context, langs)
            for n, langs in zip(notices, languages, strict=True)
        ],
    )
    insert_rows(
        Rendering,
        ["message_id", "language", "subject", "body", "method", "needs_follow_up", "note"],
        [
            (n.message_id, lang, r.subject, r.body, r.method, r.needs_follow_up, r.note)
            for n, out in zip(notices, made, strict=True)
            for lang, r in out.items()
        ],
    )
    groups: dict[tuple, dict] = {}
    for n, out in zip(notices, made, strict=True):
        follow = {lang: r for lang, r in out.items() if r.needs_follow_up}
        key = (n.send_at, tuple(sorted(follow)))
        group = groups.setdefault(key, {"send_at": n.send_at, "renderings": follow, "of": {}})
        group["of"].update({g: n.message_id for g in n.guardian_ids})
    batch = int(getattr(settings, "MESSAGING_FANOUT_BATCH", 0)) or (
        2500 if connection.vendor == "sqlite" else 10000
    )
    written = 0
    for group in groups.values():
        # The group's stand-in: insert_batch reads its district, send time and urgency.
        like = Message(district=template.district, send_at=group["send_at"], urgent=template.urgent)
        message_of = group["of"]
        for ids in _chunks(sorted(message_of), batch):
            written += insert_batch(
                like,
                ids,
                renderings=group["renderings"],
                delayed_until=None,
                now=now,
                message_of={g: message_of[g] for g in ids},
            )
    return written


def finish_preparing(message: Message) -> None:
    count = Delivery.objects.filter(message=message).count()
    Message.objects.filter(pk=message.pk).update(state=MessageState.QUEUED, recipient_count=count)
    message.state = MessageState.QUEUED
    message.recipient_count = count
