"""Tier 1 universal: the school's attendance message to every family with a child enrolled, once a
school year, for the whole district (its admins, or `liaison attendance_nudges --welcome`) or for
one school (its leader, from the staff page).

A school's families who already had their school's message are left out of a later district-wide
one, and a school whose district already sent it has nothing left to send: no family is told the
same thing twice in a year.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import pgettext

from liaison.attendance.models import rules_for, school_year_of
from liaison.attendance.nudges import has_catalogue
from liaison.language.rendering import ORIGINAL, UNTRANSLATED
from liaison.language.wordings import Wording, register_wording, wording_context
from liaison.messaging import services as messaging
from liaison.messaging.models import Message
from liaison.messaging.outbox import zone
from liaison.people.models import Enrolment, Guardian

UNIVERSAL_WORDING = "attendance.universal"
UNIVERSAL_KIND = "attendance_universal"


def _year(district: Any, today: dt.date | None) -> int:
    today = today or timezone.now().astimezone(zone(district.time_zone)).date()
    return school_year_of(today, rules_for(district).year_starts)


def _district_key(district: Any, year: int) -> str:
    return f"attendance-universal-{district.pk}-{year}"


def _site_key(district: Any, year: int, site_id: int) -> str:
    return f"{_district_key(district, year)}-site-{site_id}"


@dataclass
class Scope:
    """Whom the message is for: a district's families, or those of one of its schools, in the
    school year of `today` (the district's date by default)."""

    district: Any
    site: Any = None
    today: dt.date | None = None

    def __post_init__(self) -> None:
        self.year = _year(self.district, self.today)


def sent_already(scope: Scope) -> Message | None:
    """The message that already went to these families this school year: the district's, or (for
    a school) the school's own."""
    year = scope.year
    keys = [_district_key(scope.district, year)]
    if scope.site is not None:
        keys.append(_site_key(scope.district, year, scope.site.pk))
    return (
        Message.objects.filter(dedupe_key__in=keys)
        .select_related("sent_by")
        .order_by("created_at")
        .first()
    )


def audience(scope: Scope) -> QuerySet[Guardian]:
    """The guardians the message goes to: active, not under a contact restriction, in a household
    with a child enrolled (at the school); for the district, without the families of a school that
    already sent its own this year."""
    enrolments = Enrolment.objects.filter(
        site__district=scope.district, is_active=True, student__is_active=True
    )
    if scope.site is not None:
        enrolments = enrolments.filter(site=scope.site)
    guardians = Guardian.objects.filter(
        is_active=True,
        contact_restricted=False,
        household_id__in=enrolments.values("student__household_id"),
    )
    if scope.site is None:
        prefix = _district_key(scope.district, scope.year) + "-site-"
        sent_sites = [
            int((key or "").removeprefix(prefix))
            for key in Message.objects.filter(dedupe_key__startswith=prefix).values_list(
                "dedupe_key", flat=True
            )
        ]
        if sent_sites:
            guardians = guardians.exclude(
                household_id__in=Enrolment.objects.filter(
                    site_id__in=sent_sites, is_active=True
                ).values("student__household_id")
            )
    return guardians


def families_reached(scope: Scope) -> int:
    return audience(scope).values("household_id").distinct().count()


def send_attendance_message(
    *, district: Any, site: Any = None, by: Any = None, today: dt.date | None = None
) -> Message | None:
    """Send the school's attendance message to the scope's families, once a school year (running
    it again returns the first message). None when no family can be sent messages."""
    scope = Scope(district, site, today)
    already = sent_already(scope)
    if already is not None:
        return already
    guardians = audience(scope)
    if not guardians.exists():
        return None
    year = scope.year
    context = wording_context(UNIVERSAL_WORDING, phone=district.contact_phone)
    english = universal_wording("en", context)
    return messaging.send_notice(
        guardians=guardians,
        subject=english.subject,
        body=english.body,
        by=by,
        kind=UNIVERSAL_KIND,
        context=context,
        dedupe_key=_district_key(district, year)
        if site is None
        else _site_key(district, year, site.pk),
    )


def preview(district: Any, language: str) -> Wording:
    """The message as a family reading `language` would get it."""
    return universal_wording(
        language, wording_context(UNIVERSAL_WORDING, phone=district.contact_phone)
    )


def universal_wording(language: str, context: dict[str, Any]) -> Wording:
    worded = has_catalogue(language)
    language = language if worded else "en"
    with translation.override(language):
        subject = pgettext("family", "Every day at school counts")
        lines = [
            pgettext(
                "family",
                "Welcome to the school year. Coming to school every day helps children learn, "
                "and missing just two days a month adds up to a tenth of the year.",
            ),
            pgettext(
                "family",
                "If something makes it hard to come to school, such as transport, illness, "
                "housing or bullying, reply to this message and we will help.",
            ),
        ]
        if context.get("phone"):
            lines.append(
                pgettext("family", "You can also call us at %(phone)s.")
                % {"phone": context["phone"]}
            )
    return Wording(subject, "\n".join(lines), ORIGINAL if worded else UNTRANSLATED)


def register() -> None:
    register_wording(UNIVERSAL_WORDING, universal_wording)
