"""Draining the outbox: claim due deliveries under a lease, hand each to its channel once, record the outcome.

States: queued → leased (a worker holds it; nothing handed over yet) → sending (written and committed
just before the hand-over) → sent/delivered, or back to queued with backoff, or failed.
- A worker killed while a row is "leased" loses nothing: the lease expires and another claims it.
- A row found in "sending" with an expired lease may or may not be at the provider: it is reconciled
  (the channel asks the provider), never simply sent again. Reconciling runs on its own schedule
  (the scheduler's `delivery-reconcile` sweep, and each round of `liaison deliver`), not at the
  start of every drain.
- A lease must outlast the hand-over it covers, or a reconcile would ask the provider about a row
  a live worker is still handing over, hear "not there yet", put it back to "queued", and the
  text would go twice (`make loadtest` on a loaded machine: 1,348 rows queued whose texts had
  reached the gateway). So turning a batch "sending" renews its lease from that moment and returns
  only the rows the worker still holds (one another worker took over is not handed over), and no
  hand-over starts in the last third of the lease: rows not started by then go back to "queued"
  untried. Keep the channels' timeouts (LIAISON_SMS_TIMEOUT) under a third of the lease, so that
  every call has ended before a reconcile may look.
- A drain stops claiming after LIAISON_DELIVERY_DRAIN_SECONDS and queues the next one, so a
  queue's job timeout (RQ's 180 s) never kills it halfway through a batch.
- The claim is one statement: on PostgreSQL `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED)`
  returning the rows with their guardians' fields; on SQLite the same UPDATE inside an IMMEDIATE
  transaction, which holds the single write lock.
- A batch is handed over whole and its outcomes recorded in one transaction after it: a worker
  killed in between leaves those rows "sending", so they are reconciled, never sent a second time.
  Email is the exception (SMTP has no idempotency key, so "reconcile" means "ask a person"): each
  email's row turns "sending" just before its DATA command and "sent" as soon as the server takes
  it, so only the one email in flight when a worker dies is uncertain; the rest are retried.
- A channel that does not answer (outages.py) pauses: its rows wait without spending attempts and
  fail only after the district's horizon; only an answer about the recipient fails one delivery.
- Opt-outs, contact restrictions and quiet hours are checked again at hand-over time, so they hold
  for rows queued before they changed.
"""

import datetime as dt
import functools
import logging
import os
import random
import socket
import threading
import time
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.tasks import task
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import pgettext

from liaison.core import kept, live
from liaison.core.db import MANY_HOUSEHOLDS, bulk_cursor
from liaison.messaging import channels, outages, registry, staff
from liaison.messaging.choices import (
    Channel,
    DeliveryState,
    FailureReason,
    MessageKind,
    SuppressionReason,
)
from liaison.messaging.models import Delivery, Message, Suppression
from liaison.messaging.outbox import (
    ensure_renderings,
    quiet_channels,
    quiet_hours,
    quiet_until,
    zone,
)

log = logging.getLogger(__name__)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def lease_seconds() -> int:
    return int(getattr(settings, "MESSAGING_LEASE_SECONDS", 60))


def drain_seconds() -> float:
    return float(getattr(settings, "MESSAGING_DRAIN_SECONDS", 60))


def backoff(attempts: int) -> dt.timedelta:
    """Exponential backoff with full jitter between half and the whole step, capped."""
    base = float(settings.MESSAGING_RETRY_BASE_SECONDS)
    cap = float(settings.MESSAGING_RETRY_MAX_SECONDS)
    step = min(cap, base * (2 ** max(0, attempts - 1)))
    return dt.timedelta(seconds=random.uniform(step / 2, step))


# --- claiming ------------------------------------------------------------------------------------


def claim(owner: str, *, limit: int = 100, now=None) -> list[int]:
    """Lease up to `limit` due deliveries for `owner`. Safe with any number of concurrent workers."""
    return [row.pk for row in _claim_rows(owner, limit=limit, now=now)]


def _claim_rows(owner: str, *, limit: int, now=None) -> list["_Claimed"]:
    """claim(), returning each row with what the hand-over reads (no second query to load them).

    Expired leases come first, then queued rows in due order. Each kind is its own index range
    (`delivery_state_lease`, `delivery_due`) read in order and stopped at `limit`: one condition
    with an OR could use neither index's order, so every claim sorted all due rows (a 100,000-text
    burst sorted 100,000 rows for each batch of 500).
    """
    from liaison.people.models import Guardian

    now = now or timezone.now()
    until = now + dt.timedelta(seconds=lease_seconds())
    table = Delivery._meta.db_table
    postgres = connection.vendor == "postgresql"
    skip_locked = "FOR UPDATE SKIP LOCKED" if postgres else ""
    # PostgreSQL returns the rows with their guardians' fields; SQLite's RETURNING may not name
    # another table, so there the rows are read by id afterwards.
    guardians = (
        f"FROM {Guardian._meta.db_table} AS g WHERE g.id = d.guardian_id AND"
        if postgres
        else "WHERE"
    )
    sql = f"""
        UPDATE {table} AS d
        SET state = %s, lease_owner = %s, lease_until = %s, updated_at = %s
        {guardians} d.id IN (
            SELECT id FROM (
                SELECT id FROM (
                    SELECT id FROM {table} WHERE state = %s AND lease_until < %s
                    ORDER BY lease_until LIMIT %s {skip_locked}
                ) AS expired
                UNION ALL
                SELECT id FROM (
                    SELECT id FROM {table} WHERE state = %s AND next_attempt_at <= %s
                    ORDER BY next_attempt_at LIMIT %s {skip_locked}
                ) AS due
            ) AS claimable
            LIMIT %s
        )
        RETURNING {_Claimed.COLUMNS if postgres else "id"}
    """  # noqa: S608 - table names from the models, values bound
    params = [
        DeliveryState.LEASED,
        owner,
        until,
        now,
        DeliveryState.LEASED,
        now,
        limit,
        DeliveryState.QUEUED,
        now,
        limit,
        limit,
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        if postgres:
            # Right after a burst is queued the table's statistics still say "a few due rows", and
            # the planner would fetch and sort them all rather than walk the index in order.
            cursor.execute(
                "SELECT set_config('enable_sort', 'off', true),"
                " set_config('enable_bitmapscan', 'off', true)"
            )
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not postgres:
        return _load(owner, [row[0] for row in rows])
    return sorted((_Claimed(row) for row in rows), key=lambda row: row.pk)


def _load(owner: str, ids: list[int]) -> list["_Claimed"]:
    if not ids:
        return []
    return [
        _Claimed(values)
        for values in Delivery.objects.filter(
            pk__in=ids, lease_owner=owner, state=DeliveryState.LEASED
        )
        .order_by("pk")
        .values_list(*_Claimed.FIELDS)
    ]


def _mark_sending(pks: list[int], owner: str, *, keep_leased=()) -> tuple[set[int], float]:
    """Commit "sending" for rows we still hold, before any of them is handed over, and renew their
    lease from now. Returns the ids still held (a row whose lease ran out while the batch was being
    prepared may be another worker's now: it is not ours to hand over) and the time.monotonic() at
    which the batch must stop starting hand-overs (two thirds into the renewed lease).

    Rows in `keep_leased` (channels that mark each hand-over themselves) stay "leased", their lease
    renewed the same way."""
    started = time.monotonic()
    now = timezone.now()
    until = now + dt.timedelta(seconds=lease_seconds())
    keep = set(keep_leased)
    held = _hold([pk for pk in pks if pk not in keep], owner, DeliveryState.SENDING, until, now)
    held |= _hold([pk for pk in pks if pk in keep], owner, DeliveryState.LEASED, until, now)
    return held, started + lease_seconds() * 2 / 3


def _hold(pks: list[int], owner: str, state: str, until, now) -> set[int]:
    """Set `state` and a fresh lease on the rows of `pks` we hold as "leased"; the ids it set."""
    if not pks:
        return set()
    table = connection.ops.quote_name(Delivery._meta.db_table)
    if connection.vendor == "postgresql":
        # One array parameter: an IN list of 500 bind parameters is parsed on both sides every time.
        which, ids = "id = ANY(%s)", [pks]
    else:
        which, ids = f"id IN ({', '.join(['%s'] * len(pks))})", list(pks)
        adapt = connection.ops.adapt_datetimefield_value
        until, now = adapt(until), adapt(now)
    sql = (
        f"UPDATE {table} SET state = %s, lease_until = %s, updated_at = %s "  # noqa: S608
        f"WHERE {which} AND lease_owner = %s AND state = %s RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [state, until, now, *ids, owner, DeliveryState.LEASED])
        return {row[0] for row in cursor.fetchall()}


# --- composing what a channel sends ----------------------------------------------------------------


@functools.cache
def _status_path() -> str:
    return reverse("messaging:sms_status")


def _public(path: str) -> str:
    return settings.PUBLIC_URL + path


def reply_address(message: Message) -> str:
    if message.conversation_id is None:
        return ""
    token = message.conversation.reply_token
    return f"{settings.MESSAGING_REPLY_LOCALPART}+{token}@{settings.MESSAGING_EMAIL_DOMAIN}"


def signature(message: Message) -> str:
    """A member of staff's own thread signs its texts and emails with their name (and job title):
    the family must know which teacher wrote, since their answer goes back to that person. Once
    per message, not per delivery."""
    if not hasattr(message, "_signature"):
        staff = message.conversation.staff if message.conversation_id else None
        if staff is None:
            message._signature = ""
        else:
            name = staff.get_full_name() or staff.get_username()
            message._signature = f"— {name}, {staff.title}" if staff.title else f"— {name}"
    return message._signature


def _link_purpose(message: Message) -> str:
    return message.kind if message.kind != MessageKind.CONVERSATION else "conversation"


def _carries_link(message: Message) -> bool:
    """A consent confirmation or HELP answer carries no portal link: it answers a text (a number
    that just opted out gets that one sentence and nothing else)."""
    return message.notice_kind != "consent"


_ASK = object()


def email_subject(message: Message, language: str) -> str:
    """An email without a subject of its own says who writes, in the family's language (not
    "Message from your school" in English): the staff member of a one-to-one thread, else the
    district."""
    school = message.district.name
    staff = message.conversation.staff if message.conversation_id else None
    with translation.override(language or "en"):
        if staff is not None:
            name = staff.get_full_name() or staff.get_username()
            return pgettext("family", "Message from %(name)s, %(school)s") % {
                "name": name,
                "school": school,
            }
        return pgettext("family", "Message from %(school)s") % {"school": school}


# Spaces a page needs and a text does not: CLDR puts a narrow no-break space before "PM" ("6:00 PM"
# in English event times) and no-break spaces in numbers and dates of other languages. One of them
# makes a text UCS-2 (70 characters a part instead of GSM-7's 160), so that an English invitation
# cost two or three parts instead of one.
_TEXT_SPACES = str.maketrans(dict.fromkeys("\u00a0\u2007\u2009\u202f", " "))


def sms_text(body: str) -> str:
    """The body as texted: the typographic spaces above become plain ones."""
    return body.translate(_TEXT_SPACES)


def compose(delivery, rendering, *, link=_ASK) -> channels.Outgoing:
    """What a channel sends for one delivery (a Delivery, or a claimed row in a batch).

    `link` is the guardian's portal link when the caller asked for a whole batch at once (None:
    no link); by default it is asked for here.
    """
    from liaison.messaging.tokens import unsubscribe_code, unsubscribe_token

    message = delivery.message
    body = rendering.body if rendering else message.body
    subject = rendering.subject if rendering else message.subject
    if rendering and rendering.note:
        body = f"{rendering.note}\n\n{body}"
    if not _carries_link(message):
        link = None
    elif link is _ASK:
        link = registry.portal_links([delivery.guardian_id], _link_purpose(message), message).get(
            delivery.guardian_id
        )
    if delivery.channel == Channel.EMAIL and not subject.strip():
        subject = email_subject(message, delivery.language)
    if delivery.channel in (Channel.SMS, Channel.EMAIL):
        if signed := signature(message):
            body = f"{body}\n{signed}"
        if link:
            body = f"{body}\n\n{link}"
    out = channels.Outgoing(
        delivery_id=delivery.pk,
        to=delivery.address,
        subject=subject,
        body=body,
        idempotency_key=f"liaison-delivery-{delivery.pk}",
        reply_to=reply_address(message) if delivery.channel == Channel.EMAIL else "",
    )
    if delivery.channel == Channel.SMS:
        out.body = sms_text(body)
        out.status_callback = _public(_status_path())
    if delivery.channel == Channel.EMAIL and message.kind == MessageKind.ANNOUNCEMENT:
        token = unsubscribe_token(delivery.channel, delivery.address)
        out.unsubscribe_url = _public(reverse("messaging:unsubscribe", args=[token]))
        code = unsubscribe_code(delivery.pk)
        out.unsubscribe_mailto = f"{settings.MESSAGING_REPLY_LOCALPART}+unsubscribe-{code}@{settings.MESSAGING_EMAIL_DOMAIN}"
    if delivery.channel == Channel.EMAIL:
        if not hasattr(message, "_attachments"):
            message._attachments = list(message.attachments.all())  # once per message, not per row
        for attachment in message._attachments:
            try:
                with attachment.file.open("rb") as fh:
                    out.attachments.append((attachment.name, fh.read(), attachment.content_type))
            except OSError:
                log.warning("attachment %s is missing", attachment.pk)
    return out


# --- processing a claimed batch ------------------------------------------------------------------


def _household_zones(batch) -> dict[int, str]:
    """Each household's zone name (its site's, else its district's), in one query."""
    from liaison.people.models import Household

    rows = Household.objects.filter(
        pk__in={d.household_id_copy for d in batch if not d.urgent}
    ).values_list("pk", "site__time_zone", "district__time_zone")
    return {pk: site_tz or district_tz for pk, site_tz, district_tz in rows}


class _Claimed:
    """A claimed delivery as the hand-over reads it: a tuple's worth of fields, not a model instance
    (the guardian's three fields the checks need ride along from the same query)."""

    FIELDS = (
        "pk",
        "message_id",
        "guardian_id",
        "household_id_copy",
        "channel",
        "address",
        "language",
        "urgent",
        "attempts",
        "created_at",
        "guardian__contact_restricted",
        "guardian__is_active",
        "guardian__time_zone",
    )
    # The same, as the claim's RETURNING list (d: the delivery, g: its guardian).
    COLUMNS = (
        "d.id, d.message_id, d.guardian_id, d.household_id, d.channel, d.address, d.language, "
        "d.urgent, d.attempts, d.created_at, g.contact_restricted, g.is_active, g.time_zone"
    )
    __slots__ = (
        "address",
        "attempts",
        "channel",
        "contact_restricted",
        "created_at",
        "guardian_id",
        "household_id_copy",
        "is_active",
        "language",
        "message",
        "message_id",
        "pk",
        "time_zone",
        "urgent",
    )

    def __init__(self, values):
        (
            self.pk,
            self.message_id,
            self.guardian_id,
            self.household_id_copy,
            self.channel,
            self.address,
            self.language,
            self.urgent,
            self.attempts,
            self.created_at,
            self.contact_restricted,
            self.is_active,
            self.time_zone,
        ) = values


def _finish(pk, owner, **fields) -> int:
    """Write an outcome, only while we still hold the row (a lease taken over by another worker wins)."""
    fields["updated_at"] = timezone.now()
    return Delivery.objects.filter(pk=pk, lease_owner=owner).update(**fields)


def _settle(owner: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Set `columns` on many rows at once and release them: rows are (pk, *values in column order).

    Only rows we still hold are written (a lease taken over by a reconcile wins). PostgreSQL: one
    `UPDATE … FROM unnest(…)` a call, one binary array parameter per column; SQLite: executemany,
    which prepares the statement once and loops in C.
    """
    if not rows:
        return
    q = connection.ops.quote_name
    table = q(Delivery._meta.db_table)
    now = timezone.now()
    if connection.vendor == "postgresql":
        names = ("id", *columns)
        arrays = ", ".join(f"%b::{t}[]" for t in _column_types(names))
        sets = ", ".join(f"{q(c)} = v.{q(c)}" for c in columns)
        sql = (
            f"UPDATE {table} AS d SET {sets}, lease_owner = '', updated_at = %s "  # noqa: S608
            f"FROM unnest({arrays}) AS v({', '.join(q(c) for c in names)}) "
            "WHERE d.id = v.id AND d.lease_owner = %s"
        )
        with bulk_cursor() as cursor:
            cursor.execute(sql, [now, *(list(c) for c in zip(*rows, strict=True)), owner])
        return
    adapt = connection.ops.adapt_datetimefield_value
    now = adapt(now)
    rows = [tuple(adapt(v) if isinstance(v, dt.datetime) else v for v in row) for row in rows]
    sets = ", ".join(f"{q(c)} = %s" for c in columns)
    sql = (
        f"UPDATE {table} SET {sets}, lease_owner = '', updated_at = %s "  # noqa: S608
        "WHERE id = %s AND lease_owner = %s"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(*values, now, pk, owner) for pk, *values in rows])


@functools.cache
def _column_types(columns: tuple[str, ...]) -> tuple[str, ...]:
    by_column = {f.column: f for f in Delivery._meta.concrete_fields}
    return tuple(by_column[c].db_type(connection) for c in columns)


def process(ids: list[int], owner: str) -> dict:
    """Hand every leased delivery in `ids` to its channel. Returns counts by outcome."""
    return _process(_load(owner, ids), owner)


COUNTS = ("sent", "retry", "failed", "suppressed", "held")


def deliveries_changed(rows: Iterable[tuple[int, int | None]]) -> None:
    """Deliveries' states were written without a model's save (set-based statements): the kept
    pages of their families (core/kept.py; the household page lists its latest deliveries) are
    drawn anew. `rows`: (district id, household id) of each; a household of None, or more than
    MANY_HOUSEHOLDS families in a district (a batch of an announcement), draws every household
    of that district: one version, not one a family."""
    by_district: dict[int, set[int]] = {}
    everyone: set[int] = set()
    for district_id, household_id in rows:
        if household_id is None:
            everyone.add(district_id)
        else:
            by_district.setdefault(district_id, set()).add(household_id)
    everyone |= {d for d, households in by_district.items() if len(households) > MANY_HOUSEHOLDS}
    for district_id in everyone:
        kept.changed(district_id, table=Delivery._meta.label)
        by_district.pop(district_id, None)
    for district_id, households in by_district.items():
        kept.changed(district_id, table=Delivery._meta.label, households=sorted(households))


def _process(batch: list[_Claimed], owner: str) -> dict:
    counts = _handle(batch, owner)
    # Whatever the batch wrote (sent, failed, waiting, suppressed) shows on its families' pages.
    deliveries_changed(
        (d.message.district_id, d.household_id_copy) for d in batch if hasattr(d, "message")
    )
    return counts


def _handle(batch: list[_Claimed], owner: str) -> dict:
    counts = dict.fromkeys(COUNTS, 0)
    if not batch:
        return counts
    now = timezone.now()
    # A batch is usually one message to many guardians: load each message once, not per row.
    messages = Message.objects.select_related("district", "conversation__staff").in_bulk(
        {d.message_id for d in batch}
    )
    for d in batch:
        d.message = messages[d.message_id]
    # The guardians' own choices (portal): kinds they refused, their own quiet hours.
    choices = registry.family_choices({d.guardian_id for d in batch})
    own_hours = any(getattr(c, "quiet_hours_start", None) for c in choices.values())
    zones = _household_zones(batch) if quiet_channels() or own_hours else {}
    blocked = set(
        Suppression.objects.filter(
            Q(channel=Channel.SMS, address__in=[d.address for d in batch if d.channel == "sms"])
            | Q(
                channel=Channel.EMAIL,
                address__in=[d.address for d in batch if d.channel == "email"],
            )
        ).values_list("channel", "address")
    )
    quiet = quiet_channels()
    renderings: dict[int, dict] = {}
    ready, suppressed, held = [], [], []
    for d in batch:
        if d.contact_restricted or not d.is_active:
            suppressed.append((d, "contact restriction" if d.contact_restricted else "inactive"))
            continue
        if (d.channel, d.address) in blocked and d.message.notice_kind != "consent":
            suppressed.append((d, "opted out or unreachable on this channel"))
            continue
        choice = choices.get(d.guardian_id)
        # Urgent notices (a closure, a safety alert) pass the family's kind opt-outs, as they pass
        # quiet hours; a STOP or a bounce (the suppression list above) still stops them.
        if (
            d.channel != Channel.PORTAL
            and not d.urgent
            and not registry.family_accepts(
                choice, kind=d.message.kind, notice_kind=d.message.notice_kind
            )
        ):
            # The message still shows in the portal; only the text or email is not sent.
            suppressed.append((d, "the family asked not to get this kind of message"))
            continue
        if (d.channel in quiet or d.channel == Channel.SMS) and not d.urgent:
            tz = zone(d.time_zone or zones.get(d.household_id_copy, ""))
            until = None
            if d.channel in quiet:
                until = quiet_until(now, tz, *quiet_hours(d.message.district))
            own_start = getattr(choice, "quiet_hours_start", None)
            own_end = getattr(choice, "quiet_hours_end", None)
            if own_start is not None and own_end is not None:
                own = quiet_until(now, tz, own_start, own_end)
                until = max(until, own) if until and own else until or own
            if until:
                held.append((d, until))
                continue
        ready.append(d)
    # Render each message's languages once for the whole batch (usually already stored).
    by_message: dict[int, set] = {}
    for d in ready:
        by_message.setdefault(d.message_id, set()).add(d.language)
    delayed: dict[int, int] = {}
    for message_id, languages in by_message.items():
        have, retry_after = ensure_renderings(messages[message_id], languages)
        renderings[message_id] = have
        if retry_after:
            delayed[message_id] = retry_after
    waiting = [
        (d.pk, now + dt.timedelta(seconds=delayed[d.message_id]))
        for d in ready
        if d.message_id in delayed and d.language not in renderings[d.message_id]
    ]
    with transaction.atomic():
        _settle(
            owner,
            ("state", "error"),
            [(d.pk, DeliveryState.SUPPRESSED, reason) for d, reason in suppressed],
        )
        _settle(
            owner,
            ("state", "next_attempt_at"),
            [(d.pk, DeliveryState.QUEUED, until) for d, until in held],
        )
        _settle(
            owner,
            ("state", "next_attempt_at", "error"),
            [(pk, DeliveryState.QUEUED, at, "waiting for translation") for pk, at in waiting],
        )
    counts["suppressed"] = len(suppressed)
    counts["held"] = len(held) + len(waiting)
    ready = [d for d in ready if d.language in renderings.get(d.message_id, {})]
    # Channels in an outage: their rows wait (or, past the district's horizon, fail) untouched.
    health = outages.failing()
    if health:
        ready, resting = _hold_for_outages(ready, health, now)
        _record([], resting, owner)
        for _d, kind, _f in resting:
            counts[kind] += 1
    if not ready:
        return counts
    backends = {name: channels.get(name) for name in {d.channel for d in ready}}
    # Commit "sending" before any hand-over: from here a lost worker means reconcile, not resend.
    # Channels that mark each hand-over themselves (email, just before DATA) keep theirs "leased".
    held, deadline = _mark_sending(
        [d.pk for d in ready],
        owner,
        keep_leased=[d.pk for d in ready if backends[d.channel].marks_each_handover],
    )
    ready = [d for d in ready if d.pk in held]
    # Portal links for a whole message's texts and emails at once (signing is per guardian).
    linked: dict[int, list] = {}
    for d in ready:
        if d.channel in (Channel.SMS, Channel.EMAIL) and _carries_link(messages[d.message_id]):
            linked.setdefault(d.message_id, []).append(d.guardian_id)
    links = {
        message_id: registry.portal_links(
            guardian_ids, _link_purpose(messages[message_id]), messages[message_id]
        )
        for message_id, guardian_ids in linked.items()
    }
    sent, outcomes = [], []
    by_channel: dict[str, list] = {}
    for d in ready:
        by_channel.setdefault(d.channel, []).append(d)
    recovered = set()
    for channel_name, rows in by_channel.items():
        backend = backends[channel_name]
        state = DeliveryState.DELIVERED if backend.delivers_immediately else DeliveryState.SENT
        # Compose here (it may read the database); only the provider calls run in threads.
        work = []
        for d in rows:
            rendering = renderings[d.message_id].get(d.language)
            try:
                link = links.get(d.message_id, {}).get(d.guardian_id)
                work.append((d, rendering, compose(d, rendering, link=link)))
            except Exception as exc:  # a message we cannot even compose fails with its reason
                log.exception("could not compose delivery %s", d.pk)
                outcomes.append(
                    (
                        d,
                        "failed",
                        dict(
                            attempts=d.attempts + 1,
                            error=str(exc)[:500],
                            failure=FailureReason.UNPREPARED,
                        ),
                    )
                )
        if backend.marks_each_handover:
            for d, _rendering, out in work:
                out.handover = _Handover(d.pk, owner, state, d.attempts + 1)
        # A channel coming out of a pause is probed with one row before the rest follow.
        probe = any(
            (d.message.district_id, outages.health_channel(channel_name)) in health
            for d, _r, _o in work
        )
        results = _hand_over(backend, [out for _d, _r, out in work], probe=probe, deadline=deadline)
        at = timezone.now()
        paused, why = _note_outage(channel_name, [d for d, _r, _o in work], results, at)
        for (d, rendering, _out), (kind, value) in zip(work, results, strict=True):
            if kind == "NotStarted":
                # Never handed over (the lease was running short): queued again, no attempt spent.
                outcomes.append(
                    (d, "retry", dict(attempts=d.attempts, error="", next_attempt_at=at))
                )
                continue
            if kind in ("ChannelUnavailable", "Skipped"):
                # The row that met the outage was tried (an attempt); the ones after it were not.
                tried = 1 if kind == "ChannelUnavailable" else 0
                outcomes.append(_wait(d, paused[d.message.district_id], why, at, tried=tried))
                continue
            if kind == "sent":
                if (d.message.district_id, outages.health_channel(d.channel)) in health:
                    recovered.add((d.message.district_id, outages.health_channel(d.channel)))
                sent.append(
                    (
                        d.pk,
                        state,
                        d.attempts + 1,
                        value[:100],
                        at,
                        at if backend.delivers_immediately else None,
                        bool(rendering and rendering.needs_follow_up),
                        "",
                    )
                )
            else:
                outcomes.append(_outcome(d, kind, value, owner))
    outcomes = [o for o in outcomes if o is not None]
    _record(sent, outcomes, owner)
    # Threads open on a staff screen show each delivery's state (announcements have no thread).
    live.changed(*{f"thread:{m.conversation_id}" for m in messages.values() if m.conversation_id})
    if recovered:
        outages.record_recovery(recovered)
    counts["sent"] += len(sent)
    for _d, kind, _f in outcomes:
        counts[kind] += 1
    return counts


def _send_one(backend, out):
    try:
        provider_id = backend.send(out)
    except channels.NotHeld as exc:
        return "NotHeld", exc
    except (channels.TemporaryFailure, channels.PermanentFailure, channels.Uncertain) as exc:
        return type(exc).__name__, exc
    except Exception as exc:  # an unexpected error in a channel is a temporary failure
        log.exception("channel %s failed", backend.name)
        return "TemporaryFailure", channels.TemporaryFailure(str(exc))
    if out.handover is not None:
        out.handover.accepted(provider_id)
    return "sent", provider_id


# Kinds of result that mean the channel itself is not answering: the rest of the batch waits.
CHANNEL_DOWN = ("ChannelUnavailable", "Uncertain")


def _send_all(backend, outs, stop=None, deadline=None) -> list:
    """Send one after another; once the channel is down (here or in a sibling thread), the rest
    are "Skipped": a refused connection is not tried 500 times, nor a timeout waited out 500 times.
    Past `deadline` (time.monotonic()) the rest are "NotStarted": the lease is running short."""
    results = []
    for out in outs:
        if stop is not None and stop.is_set():
            results.append(("Skipped", None))
            continue
        if deadline is not None and time.monotonic() >= deadline:
            results.append(("NotStarted", None))
            continue
        result = _send_one(backend, out)
        if result[0] in CHANNEL_DOWN and stop is not None:
            stop.set()
        results.append(result)
    return results


class _Handover:
    """Per-delivery marks for channels that call them (email): "sending" committed just before the
    message goes out, "sent" committed as soon as the provider took it. Each is one UPDATE of one
    row, only while we hold it; next to an SMTP transaction's four round trips they cost little."""

    __slots__ = ("attempts", "model", "owner", "pk", "state")

    def __init__(self, pk, owner, state, attempts, model=Delivery):
        self.pk, self.owner, self.state, self.attempts = pk, owner, state, attempts
        self.model = model

    def begin(self) -> bool:
        return bool(
            self.model.objects.filter(
                pk=self.pk, lease_owner=self.owner, state=DeliveryState.LEASED
            ).update(state=DeliveryState.SENDING, updated_at=timezone.now())
        )

    def accepted(self, provider_id: str) -> None:
        now = timezone.now()
        self.model.objects.filter(
            pk=self.pk, lease_owner=self.owner, state=DeliveryState.SENDING
        ).update(
            state=self.state,
            attempts=self.attempts,
            provider_id=provider_id[:100],
            sent_at=now,
            updated_at=now,
        )


def _hold_for_outages(ready, health, now):
    """Split `ready` into rows to hand over and outcomes for rows of a paused channel."""
    go, resting = [], []
    for d in ready:
        h = health.get((d.message.district_id, outages.health_channel(d.channel)))
        if h is None or h.paused_until is None or h.paused_until <= now:
            go.append(d)  # not paused (or the pause is over: this batch probes the channel)
            continue
        resting.append(_wait(d, h.paused_until, outages.waiting_text(d.channel, h), now))
    return go, resting


def _wait(d, until, error, now, *, tried=0):
    """A row whose channel is down: back to the queue until the pause ends, failed once the
    district's horizon has passed since it was queued. Never failed for running out of attempts:
    those count answers about the message or its recipient, and an outage is neither."""
    district = d.message.district
    if now - d.created_at > outages.horizon(district):
        return (
            d,
            "failed",
            dict(
                attempts=d.attempts + tried,
                error=outages.gave_up_text(d.channel, district),
                failure=FailureReason.OUTAGE,
            ),
        )
    return (
        d,
        "retry",
        dict(attempts=d.attempts + tried, error=error[:500], next_attempt_at=until),
    )


def _note_outage(channel_name, rows, results, now) -> tuple[dict, str]:
    """Record an outage for the districts in this hand-over when the channel was down; returns
    paused_until per district (empty when the channel answered) and what the waiting rows say."""
    down = next((value for kind, value in results if kind in CHANNEL_DOWN), None)
    if down is None:
        return {}, ""
    paused = outages.record_outage(
        {d.message.district_id for d in rows}, outages.health_channel(channel_name), str(down), now
    )
    return paused, outages.waiting_text(channel_name, None, str(down))


_pool = None


def _hand_over(backend, outs, *, probe: bool = False, deadline: float | None = None) -> list:
    """Provider calls, concurrently for channels that allow it (each thread keeps its connection).

    Each thread takes every n-th row and sends them one after another: one task per thread, not
    one per row, which cost a future, a lock and a wake-up a text. No call starts after `deadline`.
    """
    global _pool
    threads = int(getattr(settings, "MESSAGING_SEND_THREADS", 1))
    stop = threading.Event()
    if threads <= 1 or len(outs) < 2 or not backend.concurrent:
        return _send_all(backend, outs, stop, deadline)
    if probe:
        first = _send_all(backend, outs[:1], stop, deadline)
        if stop.is_set():
            return first + [("Skipped", None)] * (len(outs) - 1)
        return first + _hand_over(backend, outs[1:], deadline=deadline)
    if _pool is None:
        from concurrent.futures import ThreadPoolExecutor

        _pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="deliver")
    n = min(threads, len(outs))
    futures = [_pool.submit(_send_all, backend, outs[i::n], stop, deadline) for i in range(n)]
    results = [None] * len(outs)
    for i, future in enumerate(futures):
        results[i::n] = future.result()
    return results


def _outcome(d, kind, value, owner):
    """A failed or uncertain hand-over: (d, "retry" | "failed", fields), or None when left to reconcile."""
    attempts = d.attempts + 1
    if kind == "TemporaryFailure":
        if attempts >= settings.MESSAGING_MAX_ATTEMPTS:
            failure = FailureReason.RETRIES
            return (d, "failed", dict(attempts=attempts, error=str(value)[:500], failure=failure))
        return (
            d,
            "retry",
            dict(
                attempts=attempts,
                error=str(value)[:500],
                next_attempt_at=timezone.now() + backoff(attempts),
            ),
        )
    if kind == "PermanentFailure":
        if value.unreachable or value.opted_out:
            mark_unreachable(
                channel=d.channel,
                address=d.address,
                reason=SuppressionReason.OPT_OUT
                if value.opted_out
                else (
                    SuppressionReason.BOUNCE
                    if d.channel == Channel.EMAIL
                    else SuppressionReason.REJECTED
                ),
                detail=str(value)[:300],
            )
        if value.opted_out:
            failure = FailureReason.OPTED_OUT
        elif value.unreachable:
            failure = (
                FailureReason.BOUNCED
                if d.channel == Channel.EMAIL
                else FailureReason.INVALID_NUMBER
            )
        else:
            failure = FailureReason.REFUSED
        return (d, "failed", dict(attempts=attempts, error=str(value)[:500], failure=failure))
    if kind == "NotHeld":  # another worker took the row over: its outcome is theirs to write
        return None
    # Uncertain: leave it in "sending"; the reconciler asks the provider once the lease runs out.
    log.warning("delivery %s uncertain: %s", d.pk, value)
    _finish(d.pk, owner, attempts=attempts, error=str(value)[:500])
    return None


SENT_COLUMNS = (
    "state",
    "attempts",
    "provider_id",
    "sent_at",
    "delivered_at",
    "needs_follow_up",
    "error",
)


def _record(sent, outcomes, owner) -> None:
    """Write every outcome of the batch in one transaction (provider ids before any retry happens).

    `sent` rows come ready for SENT_COLUMNS. A handful of set-based statements, not one per row:
    sent rows in one, retries in one, failures in one.
    """
    if not sent and not outcomes:
        return
    retry, failed = [], []
    for d, kind, f in outcomes:
        if kind == "retry":
            retry.append(
                (d.pk, DeliveryState.QUEUED, f["attempts"], f["error"], f["next_attempt_at"])
            )
        elif kind == "failed":
            failed.append(
                (d.pk, DeliveryState.FAILED, f["attempts"], f["error"], f.get("failure", ""))
            )
    with transaction.atomic():
        _settle(owner, SENT_COLUMNS, sent)
        _settle(owner, ("state", "attempts", "error", "next_attempt_at"), retry)
        _settle(owner, ("state", "attempts", "error", "failure"), failed)


def mark_unreachable(*, channel: str, address: str, reason: str, detail: str = "") -> Suppression:
    """Stop using an address on a channel, and stop what is already queued for it."""
    suppression, _ = Suppression.objects.get_or_create(
        channel=channel, address=address, defaults={"reason": reason, "detail": detail}
    )
    stopped = Delivery.objects.filter(
        channel=channel, address=address, state=DeliveryState.QUEUED
    ).exclude(message__notice_kind="consent")
    shown = list(stopped.values_list("message__district_id", "household_id_copy").distinct())
    stopped.update(
        state=DeliveryState.SUPPRESSED,
        error=str(suppression.get_reason_display()),
        updated_at=timezone.now(),
    )
    deliveries_changed(shown)
    return suppression


# --- reconciling rows a dead worker left in "sending" --------------------------------------------


def reconcile_interrupted(*, now=None, limit: int = 500, seconds: float | None = None) -> int:
    """Settle up to `limit` rows left "sending" past their lease (the worker died, or stopped):
    "sent" when the provider has the message, "queued" again when it has not, "failed" as
    uncertain when it cannot tell. Stops after `seconds` (each row is a question to the provider).
    Returns how many rows it settled."""
    now = now or timezone.now()
    started = time.monotonic()
    stale = list(
        Delivery.objects.filter(state=DeliveryState.SENDING, lease_until__lt=now)
        .select_related("message__district", "message__conversation__staff", "guardian")
        .order_by("pk")[:limit]
    )
    done = 0
    for d in stale:
        if seconds is not None and time.monotonic() - started >= seconds:
            break
        have, _ = ensure_renderings(d.message, [d.language])
        try:
            out = compose(d, have.get(d.language))
        except Exception:  # composing is only for matching; never block the reconcile
            out = None
        verdict, provider_id = channels.get(d.channel).reconcile(d, out)
        base = Delivery.objects.filter(pk=d.pk, state=DeliveryState.SENDING, lease_until__lt=now)
        if verdict == "sent":
            done += base.update(
                state=DeliveryState.SENT,
                provider_id=provider_id,
                sent_at=now,
                lease_owner="",
                updated_at=now,
            )
        elif verdict == "not_sent":
            done += base.update(
                state=DeliveryState.QUEUED, next_attempt_at=now, lease_owner="", updated_at=now
            )
        else:
            done += base.update(
                state=DeliveryState.FAILED,
                failure=FailureReason.UNCERTAIN,
                error="The worker stopped while handing this to the provider; it may have arrived. "
                "Check with the family before retrying.",
                lease_owner="",
                updated_at=now,
            )
    deliveries_changed((d.message.district_id, d.household_id_copy) for d in stale)
    return done


# --- the loop ------------------------------------------------------------------------------------


def drain(
    *,
    owner: str | None = None,
    batch_size: int = 100,
    max_batches: int | None = None,
    seconds: float | None = None,
) -> int:
    """Deliver what is due now, for at most `seconds` (LIAISON_DELIVERY_DRAIN_SECONDS; 0: until
    nothing is due), then return how many rows were handled.

    The budget is checked before each claim: a batch under way is finished (its hand-over ends
    within two thirds of the lease), and deliver_due queues the next drain for what is left, so a
    queue's job timeout never stops a drain halfway. Rows a dead worker left "sending" are not
    looked at here: reconcile_interrupted runs on its own schedule (reconcile_due)."""
    owner = owner or worker_name()
    budget = drain_seconds() if seconds is None else seconds
    started = time.monotonic()
    total = 0
    batches = 0
    # Staff notices (reminders) share the worker, the channels and their outages.
    total += staff.drain(owner, limit=batch_size)
    outages.alert_urgent_waiting()
    while max_batches is None or batches < max_batches:
        if budget and time.monotonic() - started >= budget:
            break
        rows = _claim_rows(owner, limit=batch_size)
        if not rows:
            break
        counts = _process(rows, owner)
        total += sum(counts.values())
        batches += 1
    return total


def next_due_at():
    """When a drain next has something to do: a queued row falls due or a "leased" one's lease
    runs out (a "sending" one's is the reconcile's business, not a drain's)."""
    due = (Delivery.objects.next_due_at(leases=[DeliveryState.LEASED]), staff.next_due_at())
    return min([t for t in due if t is not None], default=None)


def reconcile_due(*, enqueue: bool = True) -> int:
    """The scheduler's `delivery-reconcile` sweep (and each round of `liaison deliver`): settle
    rows dead workers left "sending", families' and staff's, and queue a drain when some were
    settled (some may be "queued" again). On its own schedule, so that neither a drain's budget
    nor a queue's job timeout decides when a text is reconciled."""
    done = reconcile_interrupted(seconds=drain_seconds() or None)
    done += staff.reconcile_interrupted()
    if done and enqueue:
        enqueue_delivery()
    return done


# --- the background entry point ----------------------------------------------------------------
# Defined beside the loop it runs (pretix's services pattern): whoever writes rows queues it from
# here, and no tasks module imports this one back. The delivery table is the truth: a drain task
# that is lost (queue flushed, Redis restarted) costs nothing but time, since the next send, the
# next scheduled drain or `liaison deliver` picks the rows up.


@task()
def deliver_due() -> int:
    """Deliver what is due, then schedule the next run for the next due row (retries, quiet hours)."""
    handled = drain()
    upcoming = next_due_at()
    if upcoming is not None:
        enqueue_delivery(at=max(upcoming, timezone.now() + dt.timedelta(seconds=1)))
    return handled


def enqueue_delivery(at=None) -> None:
    """Ask a worker to drain the outbox now (or at `at`). Never fails the caller."""
    try:
        if at is None or at <= timezone.now():
            deliver_due.enqueue()
        elif deliver_due.get_backend().supports_defer:
            deliver_due.using(run_after=at).enqueue()
        # else (the immediate backend): `liaison deliver` or the next send picks the rows up.
    except Exception:  # a queue that is down must not undo a send: the table still holds the rows
        log.exception("could not enqueue the delivery task")


def drain_if_due() -> bool:
    """The scheduler's sweep: queue a drain when a row is due (a lease run out included). A drain
    task dies with its worker (SIGKILL, a machine restarted) and the next run it would have queued
    dies with it; the rows then waited for the next send (`make loadtest` left 8,200 of an
    announcement queued after killing a worker). True when it queued one."""
    upcoming = next_due_at()
    if upcoming is None or upcoming > timezone.now():
        return False
    enqueue_delivery()
    return True


def enqueue_delivery_on_commit() -> None:
    transaction.on_commit(enqueue_delivery)
