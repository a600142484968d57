"""Proof of outreach: the attempts to reach a family read from the contact log, whether they are
enough to call the family unreachable, and when the next attempt is due.

The rule (district settings in AttendanceRules, 3 and 2 by default): a family may be called
unreachable only after attempts on at least `unreachable_min_attempts` different days, on at least
`unreachable_min_modes` different ways (text, call, email, home visit, letter, in person), each
logged with a result that says the family was not reached. A contact that reached the family
starts the count again; so does a new school year.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from liaison.attendance.models import AttendanceRules, Unreachable, school_year_of
from liaison.concerns.choices import ATTEMPT_KINDS, ContactKind, ContactResult
from liaison.concerns.models import Contact
from liaison.core.dates import local_date

# Attempts are spread over different days: the next one is due this many days after the last.
DAYS_BETWEEN_ATTEMPTS = 1

# Contacts that mean the family took part: any contact whose result says so, and a meeting or
# walk-in (the family came to us).
FAMILY_CAME = (ContactKind.MEETING, ContactKind.WALK_IN)


@dataclass(frozen=True)
class Attempt:
    contact_id: int
    kind: str
    day: dt.date
    result: str

    @property
    def mode(self) -> str:
        return str(ContactKind(self.kind).label)


@dataclass
class Outreach:
    """One household's attempts since it was last reached (this school year)."""

    household_id: int
    attempts: list[Attempt] = field(default_factory=list)  # oldest first
    reached_on: dt.date | None = None
    unreachable_since: dt.datetime | None = None

    @property
    def days(self) -> set[dt.date]:
        return {a.day for a in self.attempts}

    @property
    def modes(self) -> set[str]:
        return {a.kind for a in self.attempts}

    @property
    def last(self) -> Attempt | None:
        return self.attempts[-1] if self.attempts else None

    def proven(self, rules: AttendanceRules) -> bool:
        """Enough attempts, on enough ways and different days, to call the family unreachable."""
        return (
            len(self.days) >= rules.unreachable_min_attempts
            and len(self.modes) >= rules.unreachable_min_modes
        )

    def missing(self, rules: AttendanceRules) -> str:
        """What is still needed before the family may be called unreachable, in words ("" if none)."""
        days = max(rules.unreachable_min_attempts - len(self.days), 0)
        modes = max(rules.unreachable_min_modes - len(self.modes), 0)
        parts = []
        if days:
            parts.append(
                ngettext(
                    "%(n)d more attempt on another day",
                    "%(n)d more attempts, each on another day",
                    days,
                )
                % {"n": days}
            )
        if modes:
            parts.append(
                ngettext(
                    "%(n)d more way of reaching them (text, call, email, home visit, letter, in person)",
                    "%(n)d more ways of reaching them (text, call, email, home visit, letter, in person)",
                    modes,
                )
                % {"n": modes}
            )
        return _(" and ").join(parts)

    def next_due(self, rules: AttendanceRules, today: dt.date) -> dt.date | None:
        """The day the next attempt is due: today when none was made, else the day after the last
        (attempts count on different days); none once the proof is complete."""
        if self.unreachable_since is not None or self.proven(rules):
            return None
        if self.last is None:
            return today
        return max(self.last.day + dt.timedelta(days=DAYS_BETWEEN_ATTEMPTS), today)

    def next_words(self, rules: AttendanceRules, today: dt.date) -> str:
        """The next attempt, in words: when, and a different way if one is still needed."""
        due = self.next_due(rules, today)
        if due is None:
            return ""
        when = local_date(due)
        if len(self.modes) < rules.unreachable_min_modes and self.modes:
            tried = ", ".join(sorted(str(ContactKind(k).label).lower() for k in self.modes))
            return _("Next attempt due %(day)s, another way than %(tried)s") % {
                "day": when,
                "tried": tried,
            }
        return _("Next attempt due %(day)s") % {"day": when}

    def so_far(self) -> str:
        """The attempts so far in words: "2 attempts: phone call (no answer), text message (sent, no reply)"."""
        if self.unreachable_since is not None:
            return _("Called unreachable on %(day)s after %(n)d attempts") % {
                "day": local_date(self.unreachable_since),
                "n": len(self.attempts),
            }
        if not self.attempts:
            if self.reached_on:
                return _("Reached on %(day)s") % {"day": local_date(self.reached_on)}
            return _("No attempt yet")
        listed = ", ".join(
            f"{a.mode.lower()} {local_date(a.day, 'short')} ({str(ContactResult(a.result).label).lower()})"
            for a in self.attempts[-4:]
        )
        return ngettext(
            "%(n)d attempt: %(list)s", "%(n)d attempts: %(list)s", len(self.attempts)
        ) % {"n": len(self.attempts), "list": listed}


def year_start(day: dt.date, rules: AttendanceRules) -> dt.date:
    month, dom = rules.year_starts
    return dt.date(school_year_of(day, rules.year_starts), month, dom)


def outreach_for(
    household_ids: Iterable[int], *, rules: AttendanceRules, today: dt.date | None = None
) -> dict[int, Outreach]:
    """Each household's outreach since it was last reached this school year: two queries,
    whatever the number of households."""
    ids = list(set(household_ids))
    today = today or timezone.localdate()
    out = {pk: Outreach(pk) for pk in ids}
    if not ids:
        return out
    zone = timezone.get_current_timezone()
    since = dt.datetime.combine(year_start(today, rules), dt.time(), tzinfo=zone)
    rows = (
        Contact.objects.filter(household_id__in=ids, at__gte=since)
        .exclude(
            result="", kind__in=ATTEMPT_KINDS
        )  # an attempt logged with no result proves nothing
        .order_by("at", "pk")
        .values_list("pk", "household_id", "kind", "at", "result")
    )
    attempts: dict[int, list[Attempt]] = defaultdict(list)
    for pk, household_id, kind, at, result in rows:
        day = timezone.localdate(at, zone)
        if result == ContactResult.REACHED or kind in FAMILY_CAME or kind not in ATTEMPT_KINDS:
            out[household_id].reached_on = day
            attempts[household_id] = []  # reached: the count starts again
        else:
            attempts[household_id].append(Attempt(pk, kind, day, result))
    for household_id, made in attempts.items():
        out[household_id].attempts = made
    for household_id, at in (
        Unreachable.objects.standing()
        .filter(household_id__in=ids)
        .values_list("household_id", "at")
    ):
        reached = out[household_id].reached_on
        if reached is None or reached < timezone.localdate(at, zone):
            out[household_id].unreachable_since = at
    return out
