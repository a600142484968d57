"""Event operations: create and change events, invite, answer, waitlist, remind, slots, check-in.

Every operation that takes a seat locks the event row first (SELECT ... FOR UPDATE on PostgreSQL;
SQLite's IMMEDIATE transactions serialise writers), then counts confirmed seats: two answers
arriving at the same instant cannot both take the last seat.
"""

import datetime as dt
import logging
import re

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q, Sum
from django.tasks import task
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from liaison.core import live
from liaison.core.dates import local_date, local_time
from liaison.core.i18n import base_language
from liaison.events import notify
from liaison.events.choices import Answer, EventStatus, RsvpChannel, Seat
from liaison.events.models import ConferenceSlot, Event, Invitation
from liaison.language.wordings import wording_context
from liaison.people.models import Guardian, Household

log = logging.getLogger(__name__)

RSVP_SALT = "liaison.events.rsvp"
# The family's wording of a notice is built in their language by events.wording (registered with
# the language app); the staff's copy (subject and body below) stays in the event's language.
INVITATION_WORDING = "events.invitation"
NOTICE_WORDING = "events.notice"
FEED_SALT = "liaison.events.feed"
MAX_OCCURRENCES = 52


# --- events -------------------------------------------------------------------------------


def occurrences(*, starts_at: dt.datetime, rule: str, zone) -> list[dt.datetime]:
    """Start times of a recurring event (RFC 5545 RRULE subset), in wall-clock time of `zone`.

    A weekly 18:00 meeting stays at 18:00 across a daylight-saving change.
    """
    from dateutil.rrule import rrulestr

    rule = rule.strip().upper().removeprefix("RRULE:")
    if not rule:
        return [starts_at]
    parts = dict(p.split("=", 1) for p in rule.split(";") if "=" in p)
    if parts.get("FREQ") not in {"DAILY", "WEEKLY", "MONTHLY"}:
        raise ValidationError(_("Repeat daily, weekly or monthly."))
    if "COUNT" not in parts and "UNTIL" not in parts:
        raise ValidationError(_("Say when it stops: a last day or a number of times."))
    local = starts_at.astimezone(zone).replace(tzinfo=None)
    if "UNTIL" in parts and len(parts["UNTIL"]) == 8:
        # A date-only UNTIL includes that whole day.
        rule = rule.replace(f"UNTIL={parts['UNTIL']}", f"UNTIL={parts['UNTIL']}T235959")
    try:
        rrule = rrulestr(rule, dtstart=local, ignoretz=True)
    except (ValueError, TypeError) as exc:
        raise ValidationError(_("This repeat is not understood; choose its days again.")) from exc
    out = []
    for start in rrule:
        out.append(start.replace(tzinfo=zone))
        if len(out) > MAX_OCCURRENCES:
            raise ValidationError(
                _("At most %(n)d occurrences; shorten the series.") % {"n": MAX_OCCURRENCES}
            )
    return out


@transaction.atomic
def event_changed(event_id: int) -> None:
    """Open pages showing the event's answers and invited families refresh once the transaction
    commits (core/live.py: "event:<id>")."""
    live.changed(f"event:{event_id}")


def create_event(*, district, by=None, recurrence: str = "", **fields) -> list[Event]:
    """Create an event, and one row per occurrence when it repeats; returns them all."""
    event = Event(district=district, recurrence=recurrence, **fields)
    event.full_clean()
    starts = occurrences(starts_at=event.starts_at, rule=recurrence, zone=event.zone)
    length = event.ends_at - event.starts_at
    event.save()
    made = [event]
    for start in starts[1:]:
        copy = Event(
            district=district,
            series=event,
            **{k: v for k, v in fields.items() if k not in ("starts_at", "ends_at")},
            starts_at=start,
            ends_at=start + length,
        )
        copy.save()
        made.append(copy)
    for e in made:
        _schedule_reminders(e)
    return made


CHANGE_FIELDS = ("starts_at", "ends_at", "place", "video_url")


@transaction.atomic
def update_event(*, event: Event, by=None, **changes) -> Event:
    """Change an event; a change of time or place is a new SEQUENCE and a notice to invitees."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    material = any(k in CHANGE_FIELDS and getattr(event, k) != v for k, v in changes.items())
    for key, value in changes.items():
        setattr(event, key, value)
    event.full_clean()
    if material:
        event.sequence += 1
    event.save()
    event_changed(event.pk)
    if "capacity" in changes:
        _promote_waitlist(event)
    if material:
        seq = event.sequence
        transaction.on_commit(lambda: _enqueue(send_change_notices_task, event.pk, seq))
        _schedule_reminders(event)
    return event


@transaction.atomic
def cancel_event(*, event: Event, by=None) -> Event:
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.status != EventStatus.CANCELLED:
        event.status = EventStatus.CANCELLED
        event.sequence += 1
        event.save(update_fields=["status", "sequence"])
        event_changed(event.pk)
        transaction.on_commit(lambda: _enqueue(send_cancel_notices_task, event.pk))
    return event


def _enqueue(job, *args, run_after=None):
    """Queue one of the tasks at the end of this module (at `run_after`, when the backend can wait)."""
    if run_after is None:
        job.enqueue(*args)
    elif job.get_backend().supports_defer:
        job.using(run_after=run_after).enqueue(*args)
    else:
        # The immediate backend cannot wait: the event is saved and its reminders are not queued
        # (docs/events.md says how such an installation sends them).
        log.info("task backend cannot defer; %s not scheduled for %s", job.name, run_after)


def reminder_offsets() -> list[int]:
    return sorted(settings.EVENTS_REMINDER_MINUTES, reverse=True)


def _schedule_reminders(event: Event) -> None:
    """Wake the reminder task at each reminder time; running it early or twice is harmless."""
    now = timezone.now()
    for minutes in reminder_offsets():
        at = event.starts_at - dt.timedelta(minutes=minutes)
        if at > now:
            transaction.on_commit(lambda at=at: _enqueue(send_due_reminders_task, run_after=at))


# --- wording ------------------------------------------------------------------------------


def when_text(event: Event, language: str | None = None) -> str:
    """The date and times in the site's zone, worded in `language` (else the active one)."""
    local = event.starts_at.astimezone(event.zone)
    end = event.ends_at.astimezone(event.zone)
    language = language or translation.get_language()
    # core.dates writes CLDR's formats for each language (Django's have none for Somali or
    # Haitian Creole, which read "Monday 14 December 2026, 6 p.m." in English); the times are
    # naive in the event's zone so that the reader's zone does not move them.
    day = local_date(local.date(), "full", language)
    starts, ends = (local_time(t.time(), "short", language) for t in (local, end))
    return f"{day}, {starts}–{ends}"


def flyer_languages(event: Event) -> list[str]:
    """Languages worth printing a flyer in: the event's own, those interpreted, the invitees'."""
    from liaison.people.models import Guardian

    invited = (
        Guardian.objects.filter(household__event_invitations__event=event)
        .values_list("preferred_language", flat=True)
        .distinct()[:30]
    )
    seen = []
    for tag in [event.language, *(event.interpretation or []), *sorted(invited)]:
        if tag and tag not in seen:
            seen.append(tag)
    return seen[:12]


def where_text(event: Event) -> str:
    return event.place or event.video_url


def public_url(path: str) -> str:
    return settings.PUBLIC_URL + path


def _wording(event: Event, build):
    with translation.override(event.language):
        return build()


def _notice(event: Event, subject: str, body: str) -> tuple[str, str]:
    """A short notice's subject and body (wordings marked with gettext_noop) in the event's
    language, with its title, time and place filled in."""
    with translation.override(event.language):
        values = {"title": event.title, "when": when_text(event), "where": where_text(event)}
        return _(subject) % values, _(body) % values


# --- invitations --------------------------------------------------------------------------


@transaction.atomic
def invite_households(*, event: Event, households, by=None, send=True) -> list[Invitation]:
    """Invite households (idempotent); each new invitation is sent once, in the family's language."""
    if event.is_cancelled:
        raise ValidationError(_("This event is cancelled."))
    ids = [h.pk for h in households]
    existing = set(
        Invitation.objects.filter(event=event, household_id__in=ids).values_list(
            "household_id", flat=True
        )
    )
    new = [Invitation(event=event, household_id=pk) for pk in ids if pk not in existing]
    Invitation.objects.bulk_create(new)
    made = list(Invitation.objects.filter(event=event, household_id__in=set(ids) - existing))
    if made:
        event_changed(event.pk)
    if send and made:
        pks = [i.pk for i in made]
        transaction.on_commit(lambda: _enqueue(send_invitations_task, pks))
    return made


def open_invitations(household):
    """For the family portal: the household's invitations to events still to come, soonest first."""
    return (
        Invitation.objects.open()
        .filter(household=household)
        .select_related("event__site", "event__district")
        .order_by("event__starts_at")
    )


def rsvp_token(invitation: Invitation) -> str:
    return signing.dumps({"i": invitation.pk, "n": invitation.link_nonce}, salt=RSVP_SALT)


def rsvp_url(invitation: Invitation) -> str:
    return public_url(reverse("events:rsvp_link", args=[rsvp_token(invitation)]))


class LinkRefused(Exception):
    """The RSVP link is tampered with, expired, or already used."""


def invitation_from_token(token: str) -> Invitation:
    try:
        data = signing.loads(token, salt=RSVP_SALT, max_age=settings.EVENTS_RSVP_LINK_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise LinkRefused(_("This link has expired.")) from exc
    except signing.BadSignature as exc:
        raise LinkRefused(_("This link is not valid.")) from exc
    invitation = (
        Invitation.objects.select_related("event__site__district", "event__district", "household")
        .filter(pk=data.get("i"))
        .first()
    )
    if invitation is None or invitation.link_nonce != data.get("n"):
        raise LinkRefused(_("This link has already been used. Use the newest link we sent."))
    return invitation


def invitation_text(invitation: Invitation) -> tuple[str, str]:
    event = invitation.event

    def build():
        subject = _("You are invited: %(title)s") % {"title": event.title}
        lines = [
            event.title,
            when_text(event),
            where_text(event),
            "",
            event.description,
            "",
        ]
        offered = []
        if event.interpretation:
            offered.append(_("interpretation"))
        if event.childcare_offered:
            offered.append(_("childcare"))
        if event.transport_offered:
            offered.append(_("transport"))
        if offered:
            lines.append(_("We offer: %(what)s.") % {"what": ", ".join(str(o) for o in offered)})
        lines.append(_("Answer here: %(url)s") % {"url": rsvp_url(invitation)})
        lines.append(
            _("Or reply YES, NO or MAYBE with the code %(code)s (for example: YES %(code)s 2).")
            % {"code": event.code}
        )
        return subject, "\n".join(line for line in lines if line is not None)

    return _wording(event, build)


def send_invitations(invitation_ids, by=None) -> int:
    sent = 0
    for invitation in Invitation.objects.filter(pk__in=invitation_ids).select_related(
        "event__site__district", "event__district", "household"
    ):
        if invitation.event.is_cancelled:
            continue
        subject, body = invitation_text(invitation)
        sent += notify.send(
            invitation=invitation,
            key="invite",
            subject=subject,
            body=body,
            by=by,
            context=wording_context(INVITATION_WORDING, invitation=invitation.pk),
        )
    return sent


# --- answers and seats --------------------------------------------------------------------


def _taken(event: Event, *, excluding=None) -> int:
    qs = event.invitations.filter(seat=Seat.CONFIRMED)
    if excluding is not None:
        qs = qs.exclude(pk=excluding)
    return qs.aggregate(n=Sum("party_size"))["n"] or 0


def respond(
    *,
    invitation: Invitation,
    answer: str,
    party_size: int = 1,
    interpreter_language: str = "",
    childcare_ages=(),
    needs_transport: bool = False,
    channel: str = RsvpChannel.STAFF,
    by=None,
) -> Invitation:
    """Record a family's answer. A "yes" takes seats if there are enough, else joins the waitlist."""
    if answer not in (Answer.YES, Answer.NO, Answer.MAYBE):
        raise ValidationError(_("Answer yes, no or maybe."))
    if party_size < 1 or party_size > settings.EVENTS_MAX_PARTY:
        raise ValidationError(_("Between 1 and %(n)d people.") % {"n": settings.EVENTS_MAX_PARTY})
    _locked_retry(
        lambda: _respond(
            invitation,
            answer,
            party_size,
            interpreter_language,
            childcare_ages,
            needs_transport,
            channel,
        )
    )
    invitation.refresh_from_db()
    return invitation


def _locked_retry(fn, attempts: int = 50):
    """SQLite answers "locked" instead of waiting in some modes (shared cache); try again.

    PostgreSQL waits on the row lock itself and never gets here.
    """
    import random
    import time

    from django.db import OperationalError

    for attempt in range(attempts):
        try:
            return fn()
        except OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.01 + random.random() * 0.05)


def _respond(
    invitation, answer, party_size, interpreter_language, childcare_ages, needs_transport, channel
):
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=invitation.event_id)
        if event.is_cancelled:
            raise ValidationError(_("This event is cancelled."))
        inv = Invitation.objects.select_for_update().get(pk=invitation.pk)
        was_confirmed = inv.seat == Seat.CONFIRMED
        inv.answer = answer
        inv.party_size = party_size
        inv.interpreter_language = interpreter_language or ""
        inv.childcare_ages = sorted(int(a) for a in childcare_ages)
        inv.needs_transport = bool(needs_transport)
        inv.channel = channel
        inv.answered_at = timezone.now()
        inv.link_nonce = Invitation._meta.get_field("link_nonce").default()
        if answer == Answer.YES:
            if (
                event.capacity is None
                or _taken(event, excluding=inv.pk) + party_size <= event.capacity
            ):
                inv.seat = Seat.CONFIRMED
                inv.waitlisted_at = None
            else:
                if inv.seat != Seat.WAITLISTED:
                    inv.waitlisted_at = timezone.now()
                inv.seat = Seat.WAITLISTED
        else:
            inv.seat = Seat.NONE
            inv.waitlisted_at = None
        inv.save()
        if was_confirmed and inv.seat != Seat.CONFIRMED:
            _promote_waitlist(event)
        event_changed(event.pk)


def _promote_waitlist(event: Event) -> list[Invitation]:
    """Give freed seats to the waitlist in order (caller holds the event lock); tell each family."""
    if event.capacity is None:
        waiting = list(event.invitations.filter(seat=Seat.WAITLISTED))
    else:
        free = event.capacity - _taken(event)
        waiting = []
        for inv in event.invitations.filter(seat=Seat.WAITLISTED).order_by("waitlisted_at", "pk"):
            if free <= 0:
                break
            if inv.party_size <= free:
                waiting.append(inv)
                free -= inv.party_size
    if waiting:
        Invitation.objects.filter(pk__in=[i.pk for i in waiting]).update(
            seat=Seat.CONFIRMED, waitlisted_at=None
        )
        pks = [i.pk for i in waiting]
        transaction.on_commit(lambda: _enqueue(send_promotions_task, pks))
    return waiting


def send_promotions(invitation_ids) -> int:
    sent = 0
    for inv in Invitation.objects.filter(pk__in=invitation_ids).select_related(
        "event__district", "event__site", "household"
    ):
        event = inv.event

        subject, body = _notice(
            event,
            gettext_noop("A seat is yours: %(title)s"),
            gettext_noop("A place opened up and it is yours. %(title)s, %(when)s, %(where)s."),
        )
        sent += notify.send(
            invitation=inv,
            key="promoted",
            subject=subject,
            body=body,
            context=wording_context(NOTICE_WORDING, event=event.pk, notice="promoted"),
        )
    return sent


# --- RSVP by text message ------------------------------------------------------------------

# The keywords a family may reply with, by language; all are accepted from anyone.
KEYWORDS = {
    Answer.YES: {
        *(
            "YES",
            "Y",
            "SI",
            "SÍ",
            "OUI",
            "SIM",
            "WI",
            "HAA",
            "CO",
            "CÓ",
            "نعم",
            "是",
            "ДА",
            "네",
            "예",
        ),
    },
    Answer.NO: {
        *("NO", "N", "NON", "NÃO", "NAO", "MAYA", "KHONG", "KHÔNG", "لا", "不", "НЕТ", "아니요"),
    },
    Answer.MAYBE: {
        "MAYBE",
        "QUIZAS",
        "QUIZÁS",
        "TALVEZ",
        "PEUT-ÊTRE",
        "PEUTETRE",
        "PETET",
        "PETÈT",
        "LAGA YAABEE",
        "CÓ THỂ",
        "CO THE",
        "ربما",
        "也许",
        "МОЖЕТ",
        "아마",
    },
}
_TOKEN = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*", re.UNICODE)


def parse_reply(text: str):
    """('yes'|'no'|'maybe', code or '', party size or None) from "SI ABCDE 3", or None."""
    words = _TOKEN.findall(text.upper())
    if not words:
        return None
    answer = None
    for size in (3, 2, 1):  # multi-word keywords first ("TAL VEZ", "CÓ THỂ")
        phrase = " ".join(words[:size])
        for key, options in KEYWORDS.items():
            if phrase in options or phrase.replace(" ", "") in options:
                answer, rest = key, words[size:]
                break
        if answer:
            break
    if answer is None:
        return None
    code, party = "", None
    for word in rest:
        if word.isdigit() and party is None:
            party = int(word)
        elif len(word) == 5 and not code:
            code = word
        else:
            return None  # more than a keyword: a message for a person, not us
    return answer, code, party


KEYWORDS[Answer.MAYBE] |= {"TAL VEZ"}


def handle_sms_reply(guardian, text: str, message=None) -> bool:
    """Inbound SMS hook: record an RSVP when the text is a keyword; False lets messaging handle it.

    The event is the one whose code is in the text, else the household's latest open invitation.
    """
    parsed = parse_reply(text)
    if parsed is None:
        return False
    answer, code, party = parsed
    invitations = Invitation.objects.open().filter(household_id=guardian.household_id)
    if code:
        invitation = invitations.filter(event__code=code).first()
    else:
        invitation = invitations.order_by("-created_at", "-pk").first()
    if invitation is None:
        return False
    respond(
        invitation=invitation,
        answer=answer,
        party_size=party or invitation.party_size,
        interpreter_language=invitation.interpreter_language,
        childcare_ages=invitation.childcare_ages,
        needs_transport=invitation.needs_transport,
        channel=RsvpChannel.SMS,
    )
    return True


# --- reminders, changes, cancellations ----------------------------------------------------


def send_due_reminders(now: dt.datetime | None = None) -> int:
    """Send each reminder that is due and not yet sent. Safe to run any number of times."""
    now = now or timezone.now()
    offsets = reminder_offsets()
    sent = 0
    horizon = now + dt.timedelta(minutes=max(offsets))
    invitations = (
        Invitation.objects.filter(
            event__status=EventStatus.SCHEDULED,
            event__starts_at__gt=now,
            event__starts_at__lte=horizon,
            answer__in=[Answer.YES, Answer.MAYBE],
        )
        .exclude(seat=Seat.WAITLISTED)
        .select_related("event__district", "event__site", "household")
        .prefetch_related("notices")
    )
    for inv in invitations:
        event = inv.event
        due = [m for m in offsets if event.starts_at - dt.timedelta(minutes=m) <= now]
        if not due:
            continue
        nearest = min(due)  # a late start sends only the nearest reminder, not a burst
        key = f"reminder-{nearest}"
        if any(n.key == key for n in inv.notices.all()):
            continue

        subject, body = _notice(
            event,
            gettext_noop("Reminder: %(title)s"),
            gettext_noop("See you at %(title)s, %(when)s, %(where)s."),
        )
        sent += notify.send(
            invitation=inv,
            key=key,
            subject=subject,
            body=body,
            kind="reminder",
            context=wording_context(NOTICE_WORDING, event=event.pk, notice="reminder"),
        )
    return sent


def _everyone_invited(event):
    return event.invitations.exclude(household=None).select_related(
        "event__district", "event__site", "household"
    )


def send_change_notices(event_id: int, sequence: int) -> int:
    event = Event.objects.select_related("district", "site").get(pk=event_id)
    if event.sequence != sequence or event.is_cancelled:
        return 0  # a newer change (or the cancellation) sends its own notice

    subject, body = _notice(
        event,
        gettext_noop("Changed: %(title)s"),
        gettext_noop("%(title)s has changed. New time and place: %(when)s, %(where)s."),
    )
    return sum(
        notify.send(
            invitation=inv,
            key=f"change-{sequence}",
            subject=subject,
            body=body,
            context=wording_context(NOTICE_WORDING, event=event.pk, notice="changed"),
        )
        for inv in _everyone_invited(event).exclude(answer=Answer.NO)
    )


def send_cancel_notices(event_id: int) -> int:
    event = Event.objects.select_related("district", "site").get(pk=event_id)

    subject, body = _notice(
        event,
        gettext_noop("Cancelled: %(title)s"),
        gettext_noop("%(title)s on %(when)s is cancelled. We are sorry."),
    )
    return sum(
        notify.send(
            invitation=inv,
            key="cancel",
            subject=subject,
            body=body,
            urgent=True,
            context=wording_context(NOTICE_WORDING, event=event.pk, notice="cancelled"),
        )
        for inv in _everyone_invited(event)
    )


# --- check-in -----------------------------------------------------------------------------


class NotFound(Exception):
    pass


def check_in(*, event: Event, token: str = "", invitation=None, count=None, by=None) -> Invitation:
    """Mark a family as arrived, by the QR token on their invitation or by the invitation itself."""
    token = (token or "").strip()
    if invitation is None:
        if token.upper().startswith("LIAISON-CHECKIN:"):
            token = token.split(":", 1)[1]
        invitation = Invitation.objects.filter(event=event, token=token).first()
        if invitation is None:
            raise NotFound(_("No invitation to this event has that code."))
    if invitation.event_id != event.pk:
        raise NotFound(_("That invitation is for another event."))
    people = count or (invitation.party_size if invitation.answer == Answer.YES else 1)
    with transaction.atomic():
        updated = Invitation.objects.filter(pk=invitation.pk, checked_in_at__isnull=True).update(
            checked_in_at=timezone.now(), checked_in_count=people, checked_in_by=by
        )
        if updated:
            event_changed(event.pk)
    invitation.refresh_from_db()
    invitation.just_checked_in = bool(updated)
    return invitation


@transaction.atomic
def add_walk_in(*, event: Event, name: str = "", household=None, party_size: int = 1, by=None):
    """Someone who came without an invitation (or whose household had none)."""
    if household is not None:
        invitation, _created = Invitation.objects.get_or_create(event=event, household=household)
    else:
        if not name.strip():
            raise ValidationError(_("Write the name of the person who came."))
        invitation = Invitation.objects.create(event=event, walk_in_name=name.strip())
    Invitation.objects.filter(pk=invitation.pk, checked_in_at__isnull=True).update(
        checked_in_at=timezone.now(),
        checked_in_count=party_size,
        checked_in_by=by,
    )
    event_changed(event.pk)
    invitation.refresh_from_db()
    return invitation


@transaction.atomic
def match_walk_in(*, walk_in: Invitation, household, by=None) -> Invitation:
    """Say which family a walk-in was, so the visit counts on its timeline and in engagement.

    A family that had been invited keeps its invitation, which takes the check-in; the walk-in
    row, whose only content was the name typed at the door, is then removed. Otherwise the
    walk-in row becomes the family's.
    """
    walk_in = Invitation.objects.select_for_update().get(pk=walk_in.pk)
    if walk_in.household_id is not None:
        raise ValidationError(_("This walk-in is already matched to a family."))
    event_changed(walk_in.event_id)
    existing = (
        Invitation.objects.select_for_update()
        .filter(event_id=walk_in.event_id, household=household)
        .first()
    )
    if existing is None:
        walk_in.household = household
        walk_in.guardian = household.guardians.order_by("pk").first()
        walk_in.updated_by = by
        walk_in.save(update_fields=["household", "guardian", "updated_by", "updated_at"])
        return walk_in
    if existing.checked_in_at is None:
        existing.checked_in_at = walk_in.checked_in_at
        existing.checked_in_count = walk_in.checked_in_count
        existing.checked_in_by = walk_in.checked_in_by
    else:
        existing.checked_in_count += walk_in.checked_in_count
    existing.updated_by = by
    existing.save()
    walk_in.delete()
    return existing


# The kiosk is used by families, so its name search must not list the invited: a few letters
# find at most a handful of households, shown by their name and the guardians' initials only.
KIOSK_MIN_QUERY = 3
KIOSK_MAX_FOUND = 5


def kiosk_matches(*, event: Event, query: str) -> list[tuple[Invitation, str]]:
    """Invited households whose name, or a guardian's name, starts with `query`, each with the
    only label the kiosk shows: "Castillo household — M., J."."""
    query = (query or "").strip()[:60]
    if len(query) < KIOSK_MIN_QUERY:
        return []
    shown = Guardian.objects.filter(is_active=True, contact_restricted=False)
    households = Household.objects.filter(
        Q(name__istartswith=query)
        | Q(
            guardians__in=shown.filter(
                Q(family_name__istartswith=query) | Q(given_name__istartswith=query)
            )
        )
    )
    invitations = (
        event.invitations.filter(household__in=households)
        .select_related("household")
        .prefetch_related(
            Prefetch("household__guardians", queryset=shown.order_by("pk"), to_attr="shown")
        )
        .order_by("household__name", "pk")[:KIOSK_MAX_FOUND]
    )
    found = []
    for invitation in invitations:
        initials = ", ".join(
            f"{g.given_name.strip()[:1].upper()}."
            for g in invitation.household.shown
            if g.given_name.strip()
        )
        name = invitation.household.name
        found.append((invitation, f"{name} — {initials}" if initials else name))
    return found


def qr_payload(invitation: Invitation) -> str:
    return f"LIAISON-CHECKIN:{invitation.token}"


# --- conference slots ---------------------------------------------------------------------


@transaction.atomic
def publish_slots(
    *, event: Event, teacher, first: dt.datetime, last: dt.datetime, minutes: int, by=None
) -> list[ConferenceSlot]:
    """Slots of `minutes` from `first` until `last`; a time the teacher already has is skipped."""
    if minutes < 5 or minutes > 120:
        raise ValidationError(_("A slot lasts between 5 and 120 minutes."))
    if last <= first:
        raise ValidationError(_("The last slot must end after the first starts."))
    made, at, step = [], first, dt.timedelta(minutes=minutes)
    taken = set(
        ConferenceSlot.objects.filter(
            teacher=teacher, starts_at__gte=first, starts_at__lt=last
        ).values_list("starts_at", flat=True)
    )
    while at + step <= last:
        if at not in taken:
            made.append(
                ConferenceSlot(event=event, teacher=teacher, starts_at=at, ends_at=at + step)
            )
        at += step
    ConferenceSlot.objects.bulk_create(made)
    return made


class SlotTaken(Exception):
    pass


def book_slot(*, slot: ConferenceSlot, household, by=None) -> ConferenceSlot:
    """Take a free slot. The conditional update makes a race impossible; constraints stop a family
    holding two slots at one time or two with one teacher."""
    try:
        with transaction.atomic():
            got = ConferenceSlot.objects.filter(pk=slot.pk, household__isnull=True).update(
                household=household, booked_at=timezone.now()
            )
    except IntegrityError as exc:
        raise SlotTaken(
            _("This family already has a conference at that time or with that teacher.")
        ) from exc
    if not got:
        raise SlotTaken(_("Someone has just taken this slot. Choose another."))
    slot.refresh_from_db()
    return slot


def reschedule_slot(*, old: ConferenceSlot, new: ConferenceSlot, by=None) -> ConferenceSlot:
    """Move a family from one slot to another, or leave them where they were."""
    household = old.household
    if household is None:
        raise SlotTaken(_("That slot is not booked."))
    try:
        with transaction.atomic():
            ConferenceSlot.objects.filter(pk=old.pk).update(household=None, booked_at=None)
            got = ConferenceSlot.objects.filter(pk=new.pk, household__isnull=True).update(
                household=household, booked_at=timezone.now()
            )
            if not got:
                raise SlotTaken(_("Someone has just taken this slot. Choose another."))
    except IntegrityError as exc:
        raise SlotTaken(
            _("This family already has a conference at that time or with that teacher.")
        ) from exc
    new.refresh_from_db()
    return new


# --- counts for the liaison ---------------------------------------------------------------


def live_counts(event: Event) -> dict:
    """Answers and needs, e.g. "6 need a Somali interpreter"; one query."""
    from liaison.core.validators import language_name

    rows = list(
        event.invitations.values_list(
            "answer",
            "seat",
            "party_size",
            "interpreter_language",
            "childcare_ages",
            "needs_transport",
            "checked_in_count",
        )
    )
    counts = {
        "invited": 0,
        "yes": 0,
        "no": 0,
        "maybe": 0,
        "none": 0,
        "people": 0,
        "waitlisted": 0,
        "checked_in": 0,
        "childcare": 0,
        "childcare_ages": [],
        "transport": 0,
        "interpreters": {},
    }
    for answer, seat, party, interp, ages, transport, checked in rows:
        counts["checked_in"] += checked
        counts["invited"] += 1
        counts[answer or "none"] += 1
        coming = answer in (Answer.YES, Answer.MAYBE) and seat != Seat.WAITLISTED
        if seat == Seat.WAITLISTED:
            counts["waitlisted"] += party
        if answer == Answer.YES and seat == Seat.CONFIRMED:
            counts["people"] += party
        if not coming:
            continue
        if interp:
            counts["interpreters"][interp] = counts["interpreters"].get(interp, 0) + party
        if ages:
            counts["childcare"] += len(ages)
            counts["childcare_ages"] += ages
        if transport:
            counts["transport"] += 1
    counts["childcare_ages"].sort()
    counts["interpreter_lines"] = [
        {"language": tag, "name": language_name(tag), "people": n}
        for tag, n in sorted(counts["interpreters"].items(), key=lambda kv: -kv[1])
    ]
    counts["seats_left"] = (
        None if event.capacity is None else max(0, event.capacity - counts["people"])
    )
    return counts


# --- calendar feeds -----------------------------------------------------------------------


def feed_token(kind: str, pk: int) -> str:
    return signing.dumps({"k": kind, "p": pk}, salt=FEED_SALT)


def feed_target(token: str):
    try:
        data = signing.loads(token, salt=FEED_SALT)
    except signing.BadSignature:
        return None, None
    return data.get("k"), data.get("p")


# --- audience ------------------------------------------------------------------------------


def audience(*, event: Event, user, audience: str, language: str = ""):
    """Households to invite, always within what this person may see."""
    from liaison.people.models import Household

    qs = Household.objects.visible_to(user).filter(district=event.district, is_active=True)
    if audience == "site" and event.site_id:
        qs = qs.filter(
            students__enrolments__site_id=event.site_id, students__enrolments__is_active=True
        )
    elif audience == "caseload":
        qs = qs.in_caseload_of(user)
    elif audience == "group" and event.group_id:
        qs = qs.filter(guardians__event_group_memberships__group_id=event.group_id)
    else:
        return []
    if language:
        base = base_language(language)
        qs = qs.filter(guardians__preferred_language__istartswith=base)
    return list(qs.distinct())


def invitees_audience(*, district, user, param):
    """For messaging's audience builder: the guardians invited to an event (param: its id)."""
    from liaison.people.models import Guardian

    event = Event.objects.visible_to(user).filter(district=district, pk=param).first()
    if event is None or not str(param).isdigit():
        return Guardian.objects.none()
    return Guardian.objects.reachable().filter(household__event_invitations__event=event)


# --- background entry points ------------------------------------------------------------------
# Defined beside the operations they run (pretix's services pattern), so that this module enqueues
# them without importing a tasks module that imports it back.


@task()
def send_invitations_task(invitation_ids):
    return send_invitations(invitation_ids)


@task()
def send_promotions_task(invitation_ids):
    return send_promotions(invitation_ids)


@task()
def send_due_reminders_task():
    return send_due_reminders()


@task()
def send_change_notices_task(event_id, sequence):
    return send_change_notices(event_id, sequence)


@task()
def send_cancel_notices_task(event_id):
    return send_cancel_notices(event_id)
