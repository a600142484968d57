"""A school year of the demo district's history, relative to today, so its reports read like a district's.

Each household gets a story: when the school last heard from it (a call, a reply, a visit, an
event it came to) and the contacts before that. About a quarter of households have not been
reached in 60 days, most of them Spanish- and Haitian Creole-speaking families and families of
Eastside High School, as districts see; many of those were last seen at back-to-school night.
Concerns, referrals, unmet needs, events with RSVPs and check-ins, conversations, announcements
and interpreter requests are spread over the last twelve months.

Most history rows are bulk-written directly in their final state (a call logged months ago, a
message delivered in March): replaying thousands of rows through the services one by one would
take the build past its two minutes and stamp every row "now". Where the product writes a history
row beside the record, the demo writes it too (a concern's "raised" and status changes). The
announcements go through the messaging services (send, fan-out through the outbox), then their
deliveries are moved to the states the provider would have reported, dated when they were sent.
"""

import datetime as dt
import random
import uuid
import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from liaison.concerns.choices import (
    DEFAULT_TARGET_HOURS,
    ContactKind,
    Satisfaction,
    Source,
    Urgency,
)
from liaison.concerns.choices import Status as ConcernStatus
from liaison.concerns.models import Concern, ConcernCategory, ConcernChange, Contact, part
from liaison.demo.phrases import ANNOUNCED, PHRASES, said_in
from liaison.events.choices import Answer, EventKind
from liaison.events.models import Event, Invitation
from liaison.insights.models import AtRiskRules
from liaison.language.choices import (
    InterpretingMode,
    MemoryStatus,
    RequestPurpose,
    RequestStatus,
)
from liaison.language.models import InterpreterRequest, TranslationMemory, text_hash
from liaison.language.rendering import APPROVED
from liaison.messaging import services as messaging
from liaison.messaging.audiences import Audience
from liaison.messaging.choices import (
    Channel,
    ConversationStatus,
    DeliveryState,
    Direction,
    MessageKind,
    MessageState,
)
from liaison.messaging.models import Conversation, Delivery, Message, Rendering
from liaison.people.models import District, Guardian, Household, Site, User
from liaison.resources.choices import ReferralStatus
from liaison.resources.models import Referral, Service, UnmetNeed

Staff = dict[str, User]
Sites = dict[str, Site]
At = Callable[[float], dt.datetime]

# The district's at-risk rule: no two-way contact in a school term (a quarter of families go
# 60 days unreached; the list is for those the school has not heard from since the term began).
AT_RISK_NO_CONTACT_DAYS = 120
YEAR = 365

# Chance that a household has not been reached in 60 days: higher for two languages and one site.
BASE_UNREACHED = 0.09
UNREACHED_BY_LANGUAGE = {"es": 0.38, "ht": 0.5}
UNREACHED_AT_SITE = {"eastside": 0.2}

# Unreached households: when the school last heard from them (days ago), or never.
UNREACHED_SPREAD = [((61, 89), 0.14), ((90, 119), 0.68), ((120, 330), 0.11), (None, 0.07)]
REACHED_SPREAD = [((0, 29), 0.62), ((30, 59), 0.38)]

# How the last two-way contact happened.
LAST_CONTACT_KIND = [
    ("call", 0.40),
    ("reply", 0.30),
    ("home_visit", 0.07),
    ("meeting", 0.08),
    ("walk_in", 0.07),
    ("event", 0.08),
]
EARLIER_CONTACT_KIND = [("call", 0.6), ("home_visit", 0.15), ("walk_in", 0.25)]
# Past events: (days ago, site key or None for the district, kind, title, share who come).
PAST_EVENTS = [
    (300, "riverside", EventKind.WORKSHOP, "Math games for families", 0.16),
    (262, None, EventKind.MEETING, "Kindergarten and middle school registration night", 0.14),
    (230, "eastside", EventKind.WORKSHOP, "Applying for college and financial aid", 0.12),
    (200, "lincoln", EventKind.MEETING, "Spring family conferences", 0.22),
    (170, None, EventKind.WORKSHOP, "End-of-year celebration and summer programs", 0.18),
    (104, None, EventKind.MEETING, "Back-to-school night", 0.40),
    (75, "riverside", EventKind.WORKSHOP, "Understanding the report card", 0.12),
    (48, "lincoln", EventKind.WORKSHOP, "Keeping children safe online", 0.10),
    (33, "eastside", EventKind.MEETING, "Fall family conferences", 0.18),
    (12, "sunflower", EventKind.WORKSHOP, "Play and learn morning", 0.20),
]
CONCERN_CATEGORIES = [
    ("academic", 0.22),
    ("attendance", 0.15),
    ("behaviour", 0.11),
    ("bullying_safety", 0.10),
    ("special_education", 0.10),
    ("health", 0.06),
    ("basic_needs", 0.11),
    ("transport", 0.09),
    ("conflict_staff", 0.02),
    ("other", 0.04),
]
CONCERN_WORDS = {
    "academic": "My child is falling behind in reading and we do not know how to help.",
    "attendance": "My son has missed school because he does not want to go.",
    "behaviour": "The school called about my daughter's behavior in class.",
    "bullying_safety": "Other students are bullying my child on the bus.",
    "special_education": "We asked for an evaluation for special education and heard nothing.",
    "health": "My child needs his medicine at school and the nurse was not told.",
    "basic_needs": "We lost our apartment and need help with food and school supplies.",
    "transport": "The bus does not stop near our new address.",
    "conflict_staff": "A staff member spoke to my child in a way we did not accept.",
    "other": "We would like to talk about our child's schedule.",
}
CALL_PURPOSES = [
    "Checked in on how the year is going",
    "Talked about attendance",
    "Explained the report card",
    "Invited the family to the next event",
    "Followed up on a concern",
    "Helped with the free-meals form",
]
ONE_WAY_PURPOSES = ["Texted: no reply yet", "Left a voicemail", "Emailed: no answer"]
FAMILY_REPLIES = [
    "Thank you for letting us know.",
    "Yes, we will be there.",
    "Can you call me after 5 pm?",
    "My daughter is sick today.",
    "We got the form, thank you.",
]
STAFF_WRITES = [
    "Hello! How is the school year going for your family?",
    "A reminder: conferences are next week. Would you like an interpreter?",
    "Your child did well on the reading check this week.",
]
STAFF_ANSWERS = ["Thank you! I will call you then.", "Got it, I told the teacher.", "Thanks!"]
ANNOUNCEMENTS = [
    (320, "Spring break", "School is closed next week for spring break. Enjoy the time together!"),
    (250, "Summer meals", "Free summer meals for children at Riverside and Lincoln, weekdays."),
    (110, "Welcome back", "Welcome to the new school year! Classes start on Tuesday."),
    (80, "Picture day", "Picture day is next Thursday. Order forms come home in backpacks."),
    (40, "Flu clinic", "A free flu clinic for families is at Lincoln on Saturday morning."),
    (10, "Snow day", "School is closed today because of snow. Stay safe and warm."),
]
SITE_LIAISON = {
    "riverside": "liaison",
    "lincoln": "liaison2",
    "eastside": "liaison3",
    "sunflower": "liaison4",
}


@dataclass
class Family:
    """One household as the history sees it."""

    id: int
    language: str
    site_key: str
    guardians: list[Guardian]  # the active guardians, first first
    liaison: User
    last_two_way: float | None = None  # days ago
    events: list[float] = field(default_factory=list)


def pick[T](rng: random.Random, table: Sequence[tuple[T, float]]) -> T:
    x = rng.random() * sum(w for _, w in table)
    for value, weight in table:
        x -= weight
        if x <= 0:
            return value
    return table[-1][0]


def add_school_year(
    *,
    district: District,
    staff: Staff,
    sites: Sites,
    families: list[Family],
    rng: random.Random,
    now: dt.datetime,
) -> None:
    """Write the year's history for these households (see the module's docstring)."""
    AtRiskRules.objects.update_or_create(
        district=district, defaults={"no_contact_days": AT_RISK_NO_CONTACT_DAYS}
    )
    for family in families:
        chance = BASE_UNREACHED + UNREACHED_BY_LANGUAGE.get(family.language, 0)
        chance += UNREACHED_AT_SITE.get(family.site_key, 0)
        spread = UNREACHED_SPREAD if rng.random() < chance else REACHED_SPREAD
        window = pick(rng, spread)
        family.last_two_way = None if window is None else rng.uniform(window[0], window[1] + 0.9)

    zone = zoneinfo.ZoneInfo(district.time_zone)
    # Before anything is written or sent: the messages, announcements and events use it.
    _remember_phrases(district, now)

    def at(days_ago: float) -> dt.datetime:
        moment = now - dt.timedelta(days=days_ago)
        # Office hours in the district's zone, so the history reads like a working day.
        local = moment.astimezone(zone)
        hour = 9 + int((days_ago * 7.3) % 8)
        local = local.replace(hour=hour, minute=int(days_ago * 131) % 60)
        latest: dt.datetime = now - dt.timedelta(minutes=5)
        return local if local < latest else latest

    events = _past_events(district, staff, sites, families, rng, at)
    contacts: list[tuple[Family, float, str]] = []
    replies: list[tuple[Family, float]] = []
    for family in families:
        last = family.last_two_way
        if last is not None:
            kind = pick(rng, LAST_CONTACT_KIND)
            if kind == "event":
                # Came to an event in the same window, when there was one.
                nearby = [d for d in events if abs(d - last) < 8]
                if nearby:
                    last = nearby[0]
                    family.events.append(last)
                else:
                    kind = "call"
            elif 100 <= last <= 108 and rng.random() < 0.7:
                last = 104  # last seen at back-to-school night
                family.events.append(last)
                kind = "event"
            family.last_two_way = last
            if kind == "reply":
                replies.append((family, last))
            elif kind != "event":
                contacts.append((family, last, kind))
            # Earlier in the year: a few more.
            for _ in range(rng.choice((0, 1, 1, 2, 2, 3, 4))):
                earlier = rng.uniform(last + 1, YEAR)
                if rng.random() < 0.35:
                    replies.append((family, earlier))
                else:
                    contacts.append((family, earlier, pick(rng, EARLIER_CONTACT_KIND)))
        # Tries that did not reach the family, since they were last reached.
        tries = 3 if last is None or last > 60 else rng.choice((0, 0, 1))
        for _ in range(tries):
            contacts.append((family, rng.uniform(1, min(last or 150, 150)), "one_way"))

    _write_check_ins(events, families, rng, at)
    _write_contacts(contacts, rng, at, now)
    _write_conversations(district, replies, rng, at, now)
    _write_announcements(district, staff, families, rng, at)
    _write_concerns(district, families, rng, at, now)
    _write_referrals(families, rng, at, now)
    _write_interpreter_requests(district, families, rng, at, now)


def _past_events(
    district: District,
    staff: Staff,
    sites: Sites,
    families: list[Family],
    rng: random.Random,
    at: At,
) -> dict[float, Event]:
    """The year's events, each with its invitations; who came is written once stories are known."""
    made: dict[float, Event] = {}
    for days, site_key, kind, title, _share in PAST_EVENTS:
        starts = at(days).replace(hour=18, minute=0)
        site = sites[site_key] if site_key else sites["riverside"]
        by = staff[SITE_LIAISON.get(site_key or "riverside", "liaison")]
        event = Event(
            district=district,
            site=site,
            kind=kind,
            title=title,
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=1, minutes=30),
            place="Cafeteria" if kind == EventKind.MEETING else "Library",
            interpretation=["es", "ht"] if site_key in (None, "riverside") else ["es"],
            childcare_offered=rng.random() < 0.5,
            created_at=starts - dt.timedelta(days=21),
            updated_at=starts - dt.timedelta(days=21),
            created_by=by,
        )
        made[days] = event
    Event.objects.bulk_create(made.values())
    return made


def _write_check_ins(
    events: dict[float, Event], families: list[Family], rng: random.Random, at: At
) -> None:
    """Invitations to each past event for its site's families; answers, interpreter asks, check-ins."""
    shares = {float(days): share for days, _s, _k, _t, share in PAST_EVENTS}
    site_of = {float(days): site for days, site, _k, _t, _s in PAST_EVENTS}
    rows = []
    for days, event in events.items():
        for family in families:
            if site_of[days] not in (None, family.site_key):
                continue
            came = days in family.events or (
                family.last_two_way is not None
                and days > family.last_two_way + 1
                and rng.random() < shares[days]
            )
            answer = Answer.YES if came or rng.random() < 0.1 else Answer.NONE
            if not came and answer == Answer.NONE and rng.random() < 0.15:
                answer = Answer.NO
            asks = answer == Answer.YES and family.language != "en" and rng.random() < 0.35
            answered = event.starts_at - dt.timedelta(days=rng.randint(1, 10))
            rows.append(
                Invitation(
                    event=event,
                    household_id=family.id,
                    guardian=family.guardians[0] if family.guardians else None,
                    answer=answer,
                    party_size=rng.randint(1, 4),
                    interpreter_language=family.language if asks else "",
                    childcare_ages=[rng.randint(2, 9)]
                    if answer == Answer.YES and rng.random() < 0.2
                    else [],
                    channel="sms" if answer != Answer.NONE else "",
                    answered_at=answered if answer != Answer.NONE else None,
                    checked_in_at=event.starts_at + dt.timedelta(minutes=rng.randint(0, 25))
                    if came
                    else None,
                    checked_in_count=rng.randint(1, 3) if came else 0,
                    created_at=event.created_at,
                    updated_at=answered if answer != Answer.NONE else event.created_at,
                )
            )
    Invitation.objects.bulk_create(rows, batch_size=2_000)


def _write_contacts(
    contacts: list[tuple[Family, float, str]], rng: random.Random, at: At, now: dt.datetime
) -> None:
    rows = []
    for family, days, kind in contacts:
        when = at(days)
        guardian = family.guardians[0] if family.guardians else None
        if kind == "one_way":
            purpose = rng.choice(ONE_WAY_PURPOSES)
            kind = ContactKind.EMAIL if purpose.startswith("Emailed") else ContactKind.TEXT
            if purpose.startswith("Left"):
                # An unanswered call is logged as the text that followed it, not as a call.
                kind = ContactKind.TEXT
            outcome = ""
        else:
            purpose = rng.choice(CALL_PURPOSES)
            outcome = "Talked with the family."
        recent = days < 14
        follow_up = recent and rng.random() < 0.25
        rows.append(
            Contact(
                household_id=family.id,
                guardian=guardian,
                kind=kind,
                at=when,
                duration_minutes=rng.choice((5, 10, 15, 20, 30, 45))
                if kind in (ContactKind.CALL, ContactKind.HOME_VISIT, ContactKind.MEETING)
                else None,
                purpose=purpose,
                outcome=outcome,
                language=family.language,
                next_step="Check in again" if follow_up else "",
                follow_up_on=(now + dt.timedelta(days=rng.randint(-3, 7))).date()
                if follow_up
                else None,
                by=family.liaison,
                created_at=when,
                updated_at=when,
                created_by=family.liaison,
                updated_by=family.liaison,
            )
        )
    Contact.objects.bulk_create(rows, batch_size=2_000)


def _write_conversations(
    district: District,
    replies: list[tuple[Family, float]],
    rng: random.Random,
    at: At,
    now: dt.datetime,
) -> None:
    """Each family's shared thread: the liaison wrote, the family answered, the liaison replied
    (some of the last few days' messages still await a reply)."""
    zone = zoneinfo.ZoneInfo(district.time_zone)
    by_family = defaultdict(list)
    for family, days in replies:
        by_family[family.id].append((family, days))
    # (family, [(direction, body, at)], last message at, awaiting since) for each thread.
    plans = []
    for items in by_family.values():
        items.sort(key=lambda item: -item[1])  # oldest first
        family = items[0][0]
        said, awaiting = [], None
        for _family, days in items:
            received = at(days)
            wrote = _working_hours(received - _hours(rng, 2, 30), zone, before=received)
            said.append((Direction.OUT, rng.choice(STAFF_WRITES), wrote))
            said.append((Direction.IN, rng.choice(FAMILY_REPLIES), received))
            answered = received + dt.timedelta(hours=rng.choice((0.5, 1, 2, 3, 5, 8, 20, 30, 50)))
            if (days < 3 and rng.random() < 0.5) or answered >= now:
                awaiting = received
                continue
            awaiting = None
            answered = _working_hours(answered, zone, after=received, before=now)
            said.append((Direction.OUT, rng.choice(STAFF_ANSWERS), answered))
        plans.append((family, said, said[-1][2], awaiting))
    threads = [
        Conversation(
            district=district,
            household_id=family.id,
            created_at=said[0][2],
            last_message_at=last_at,
            awaiting_since=awaiting,
            status=ConversationStatus.OPEN if awaiting else ConversationStatus.DONE,
        )
        for family, said, last_at, awaiting in plans
    ]
    Conversation.objects.bulk_create(threads, batch_size=2_000)
    messages: list[Message] = []
    written_for: list[Family] = []
    # The liaison's words in the family's language, as the district's interpreters approved them
    # (None: the family reads English, or the demo has no translation of them).
    read_as: list[str | None] = []
    for thread, (family, said, _last, _awaiting) in zip(threads, plans, strict=True):
        guardian = family.guardians[0]
        language = guardian.preferred_language or "en"
        for direction, body, when in said:
            incoming = direction == Direction.IN
            theirs = said_in(body, language)
            if incoming:
                # The family wrote in its own language (English where the demo has no words).
                read_as.append(None)
                body, source = theirs or body, language if theirs else "en"
            else:
                read_as.append(theirs)
                source = "en"
            message = Message(
                district=district,
                conversation=thread,
                direction=direction,
                kind=MessageKind.CONVERSATION,
                state=MessageState.RECEIVED if incoming else MessageState.QUEUED,
                body=body,
                source_language=source,
                guardian=guardian if incoming else None,
                channel=Channel.SMS if incoming else "",
                sent_by=None if incoming else family.liaison,
                recipient_count=0 if incoming else 1,
                created_at=when,
            )
            messages.append(message)
            written_for.append(family)
    Message.objects.bulk_create(messages, batch_size=2_000)
    Rendering.objects.bulk_create(
        [
            Rendering(
                message=message,
                language=family.guardians[0].preferred_language,
                body=text,
                method=APPROVED,
            )
            for message, family, text in zip(messages, written_for, read_as, strict=True)
            if text
        ],
        batch_size=2_000,
    )
    # One delivery per message the school wrote, as the provider reported it: delivered.
    deliveries = []
    for message, family in zip(messages, written_for, strict=True):
        if message.direction != Direction.OUT:
            continue
        guardian = family.guardians[0]
        sent = message.created_at + dt.timedelta(seconds=20)
        deliveries.append(
            Delivery(
                message=message,
                guardian=guardian,
                household_id_copy=family.id,
                channel=Channel.SMS,
                address=guardian.phone,
                language=guardian.preferred_language,
                state=DeliveryState.DELIVERED,
                attempts=1,
                next_attempt_at=message.created_at,
                created_at=message.created_at,
                sent_at=sent,
                delivered_at=sent + dt.timedelta(seconds=30),
                updated_at=sent + dt.timedelta(seconds=30),
            )
        )
    Delivery.objects.bulk_create(deliveries, batch_size=2_000)


def _remember_phrases(district: District, now: dt.datetime) -> None:
    """The translation memory of the district's interpreters: the liaisons' phrases in each
    family language, the families' phrases in English (staff read the replies in English), and
    the year's announcements in Spanish."""
    rows = []
    for english, languages in [*PHRASES.items(), *ANNOUNCED.items()]:
        for language, words in languages.items():
            for source, target, text, translation in (
                ("en", language, english, words),
                (language, "en", words, english),
            ):
                rows.append(
                    TranslationMemory(
                        district=district,
                        source_language=source,
                        target_language=target,
                        source_hash=text_hash(text),
                        source_text=text,
                        text=translation,
                        status=MemoryStatus.APPROVED,
                        approved_at=now,
                    )
                )
    TranslationMemory.objects.bulk_create(rows, batch_size=2_000)


def _working_hours(
    when: dt.datetime,
    zone: zoneinfo.ZoneInfo,
    *,
    after: dt.datetime | None = None,
    before: dt.datetime | None = None,
) -> dt.datetime:
    """A liaison's message moved into the working day (8:00 to 17:59 in the district's zone): a
    family may write at night, the school does not. Kept as it was when moving it would put it
    before `after` or at or past `before` (the message it answers, the present)."""
    local = when.astimezone(zone)
    if local.hour < 8:
        local = local.replace(hour=8, minute=local.minute % 30)
    elif local.hour >= 18:
        local = local.replace(hour=17, minute=local.minute % 30)
    else:
        return when
    if (after is not None and local <= after) or (before is not None and local >= before):
        return when
    return local


def _hours(rng: random.Random, low: int, high: int) -> dt.timedelta:
    return dt.timedelta(hours=rng.randint(low, high))


def _write_announcements(
    district: District, staff: Staff, families: list[Family], rng: random.Random, at: At
) -> None:
    """Sent through the messaging services (the outbox writes the deliveries), then moved to what
    the provider reported: most delivered, a few failed, every one for a handful of families whose
    numbers and addresses no longer work."""
    everyone = [f.id for f in families]
    dead = {f.id for f in families if (f.last_two_way is None or f.last_two_way > 120)}
    dead = set(rng.sample(sorted(dead), min(len(dead), max(1, len(families) // 120))))
    admin = staff["admin"]
    for days, subject, body in ANNOUNCEMENTS:
        message = messaging.send_announcement(
            district=district,
            audience=Audience(sites=[]),
            subject=subject,
            body=body,
            by=admin,
        )
        messaging.prepare_message(message.pk)
        sent = at(days).replace(hour=8, minute=0)
        Message.objects.filter(pk=message.pk).update(created_at=sent - dt.timedelta(minutes=3))
        Delivery.objects.filter(message=message).update(
            state=DeliveryState.DELIVERED,
            attempts=1,
            created_at=sent - dt.timedelta(minutes=3),
            next_attempt_at=sent,
            sent_at=sent,
            delivered_at=sent + dt.timedelta(minutes=1),
            updated_at=sent + dt.timedelta(minutes=1),
        )
        failing = dead | {hid for hid in everyone if rng.random() < 0.025}
        Delivery.objects.filter(message=message, household_id_copy__in=failing).update(
            state=DeliveryState.FAILED,
            delivered_at=None,
            error="The number is not in service (synthetic)",
        )


def _write_concerns(
    district: District, families: list[Family], rng: random.Random, at: At, now: dt.datetime
) -> None:
    categories = dict(ConcernCategory.objects.filter(district=district).values_list("code", "pk"))
    by_code = {c.code: c for c in ConcernCategory.objects.filter(district=district)}
    targets = dict(DEFAULT_TARGET_HOURS)
    rows, changes = [], []
    count = max(12, len(families) // 9)
    for family in rng.sample(families, min(count, len(families))):
        code = pick(rng, CONCERN_CATEGORIES)
        days = rng.uniform(0.2, 330)
        raised = at(days)
        urgency = Urgency.HIGH if code == "bullying_safety" else Urgency.NORMAL
        if rng.random() < 0.04:
            urgency = Urgency.URGENT
        due = raised + dt.timedelta(hours=targets[urgency])
        if days > 30:
            roll = rng.random()
            status = (
                ConcernStatus.RESOLVED
                if roll < 0.84
                else ConcernStatus.CLOSED
                if roll < 0.92
                else ConcernStatus.IN_PROGRESS
            )
        else:
            status = rng.choice(
                [
                    ConcernStatus.RESOLVED,
                    ConcernStatus.RESOLVED,
                    ConcernStatus.NEW,
                    ConcernStatus.ASSIGNED,
                    ConcernStatus.IN_PROGRESS,
                    ConcernStatus.WAITING_FAMILY,
                ]
            )
        resolved = None
        if status in (ConcernStatus.RESOLVED, ConcernStatus.CLOSED):
            resolved = min(raised + dt.timedelta(hours=rng.uniform(4, 24 * 21)), now)
        guardian = family.guardians[0] if family.guardians else None
        source = rng.choice([Source.PORTAL, Source.PHONE, Source.MESSAGE, Source.WALK_IN])
        satisfaction = ""
        if status == ConcernStatus.RESOLVED:
            satisfaction = pick(
                rng,
                [
                    (Satisfaction.YES, 0.55),
                    (Satisfaction.PARTLY, 0.2),
                    (Satisfaction.NO, 0.07),
                    ("", 0.18),
                ],
            )
        assignee = None if status == ConcernStatus.NEW else family.liaison
        concern = Concern(
            district=district,
            household_id=family.id,
            guardian=guardian,
            category_id=categories[code],
            source=source,
            description=CONCERN_WORDS[code],
            language=family.language,
            urgency=urgency,
            status=status,
            assignee=assignee,
            due_at=due,
            resolved_at=resolved,
            outcome="Resolved with the family" if status == ConcernStatus.RESOLVED else "",
            resolution_summary="The school and the family agreed on next steps."
            if status == ConcernStatus.RESOLVED
            else "",
            satisfaction=satisfaction,
            created_at=raised,
            updated_at=resolved or raised,
        )
        rows.append(concern)
    Concern.objects.bulk_create(rows, batch_size=1_000)
    for concern in rows:
        category = by_code[next(c for c, pk in categories.items() if pk == concern.category_id)]
        changes.append(
            ConcernChange(
                concern=concern,
                at=concern.created_at,
                by_name=concern.guardian.full_name if concern.guardian else "",
                action="raised",
                new=f"{category.label} · {Urgency(concern.urgency).label} · "
                f"{Source(concern.source).label}",
                parts=[
                    part("category", [category.code, category.label]),
                    part("urgency", concern.urgency),
                    part("source", concern.source),
                ],
            )
        )
        if concern.status != ConcernStatus.NEW:
            changes.append(
                ConcernChange(
                    concern=concern,
                    at=concern.resolved_at or concern.created_at,
                    by=concern.assignee,
                    by_name=str(concern.assignee or ""),
                    action="status",
                    field="status",
                    old=ConcernStatus.NEW,
                    new=concern.status,
                )
            )
    ConcernChange.objects.bulk_create(changes, batch_size=2_000)


def _write_referrals(families: list[Family], rng: random.Random, at: At, now: dt.datetime) -> None:
    """Referrals to the directory's services (for the need each serves) and needs it had no service for."""
    from liaison.resources.models import Attribute

    services = list(Service.objects.order_by("name"))
    if not services:
        return
    needs: defaultdict[uuid.UUID, list[uuid.UUID | None]] = defaultdict(list)
    for link_id, term_id in Attribute.objects.filter(
        link_entity="service", link_id__in=[s.pk for s in services]
    ).values_list("link_id", "taxonomy_term_id"):
        needs[link_id].append(term_id)
    terms = sorted({t for ts in needs.values() for t in ts}, key=str)
    rows, unmet = [], []
    count = max(10, len(families) // 8)
    for family in rng.sample(families, min(count, len(families))):
        service = rng.choice(services)
        days = rng.uniform(1, 330)
        made = at(days)
        if days > 45:
            status = pick(
                rng,
                [
                    (ReferralStatus.NEED_MET, 0.55),
                    (ReferralStatus.NEED_NOT_MET, 0.2),
                    (ReferralStatus.DECLINED, 0.08),
                    (ReferralStatus.COULD_NOT_REACH, 0.07),
                    (ReferralStatus.RECEIVING, 0.1),
                ],
            )
        else:
            status = rng.choice(
                [ReferralStatus.SENT, ReferralStatus.CONTACTED, ReferralStatus.RECEIVING]
            )
        closed = status.startswith("need_") or status in (
            ReferralStatus.DECLINED,
            ReferralStatus.COULD_NOT_REACH,
        )
        closed_at = min(made + dt.timedelta(days=rng.uniform(7, 40)), now) if closed else None
        wanted: list[uuid.UUID | None] = list(needs.get(service.pk) or [None])
        rows.append(
            Referral(
                household_id=family.id,
                need_id=rng.choice(wanted),
                service=service,
                service_name=service.name,
                status=status,
                liaison=family.liaison,
                consent_given=True,
                consent_note="Agreed on the phone",
                consent_at=made,
                follow_up_on=(made + dt.timedelta(days=14)).date() if not closed else None,
                outcome_note="The family is getting help." if status == "need_met" else "",
                closed_at=closed_at,
                created_at=made,
                updated_at=closed_at or made,
                created_by=family.liaison,
            )
        )
    Referral.objects.bulk_create(rows, batch_size=1_000)
    # Needs with no service near enough: mostly the same few (legal help, housing, dental care).
    if terms:
        common = terms[: max(1, len(terms) // 4)]
        for family in rng.sample(families, min(max(6, len(families) // 40), len(families))):
            made = at(rng.uniform(1, 330))
            unmet.append(
                UnmetNeed(
                    household_id=family.id,
                    need_id=rng.choice(common),
                    description="No service nearby with hours the family can make.",
                    created_at=made,
                    updated_at=made,
                    created_by=family.liaison,
                )
            )
        UnmetNeed.objects.bulk_create(unmet, batch_size=1_000)


def _write_interpreter_requests(
    district: District, families: list[Family], rng: random.Random, at: At, now: dt.datetime
) -> None:
    """Interpreters asked for meetings: done in the past, some still to be confirmed this week."""
    speaking = [f for f in families if f.language not in ("en", "es")]
    rows = []
    for family in rng.sample(speaking, min(len(speaking), max(4, len(families) // 50))):
        days = rng.uniform(-7, 200)
        starts = at(max(days, 0.01)) if days >= 0 else now + dt.timedelta(days=-days)
        status = RequestStatus.DONE if days > 0 else RequestStatus.REQUESTED
        rows.append(
            InterpreterRequest(
                district=district,
                household_id=family.id,
                language=family.language,
                mode=rng.choice([InterpretingMode.IN_PERSON, InterpretingMode.PHONE]),
                purpose=RequestPurpose.MEETING,
                starts_at=starts,
                minutes=rng.choice((30, 45, 60)),
                location="Main office",
                details="Meeting with the teacher about progress.",
                status=status,
                created_at=starts - dt.timedelta(days=7),
                updated_at=starts - dt.timedelta(days=7),
                created_by=family.liaison,
            )
        )
    InterpreterRequest.objects.bulk_create(rows, batch_size=1_000)


def families_of(
    *,
    household_rows: list[Household],
    language_of: dict[int, str],
    guardians_by_household: dict[int, list[Guardian]],
    site_of_household: dict[int, str],
    liaison_of: dict[int, User],
    staff: Staff,
) -> list[Family]:
    """The history's view of the built households (district.py's rows, before reindexing)."""
    out = []
    for household in household_rows:
        lang = language_of[household.id]
        site_key = site_of_household.get(household.id, "riverside")
        liaison = liaison_of.get(household.id) or staff[SITE_LIAISON.get(site_key, "liaison")]
        guardians = [g for g in guardians_by_household.get(household.id, []) if g.is_active]
        if not guardians:
            continue
        out.append(Family(household.id, lang, site_key, guardians, liaison))
    return out
