"""What the caseload list knows from the apps above people: when a family was last heard from and
what is open for it. Those apps register SQL expressions here in their AppConfig.ready(), so the
list sorts and filters in one query whatever its length (people imports none of them).

A contact source is `fn() -> Expression`: a subquery on its app's table, correlated with the
household as OuterRef("pk"), giving the latest two-way contact (a family's message, a logged call
or visit) or NULL. An open-items source is `fn() -> Expression` counting the household's open
records of one kind (concerns, referrals, tasks).

The list is kept for its reader (core/kept.py; people.views.caseload) under the versions of the
tables it reads, in their districts: TABLES, the group of the people tables it reads and of those
each source names (`tables=`). It shows many families at once, so it cannot be kept per household:
a row of a named table written anywhere in the district (a family's text, a logged call, a
concern opened) makes every kept list of the district stale; writes of tables it does not read
(deliveries, tasks, notes, the access log) leave it kept. Rows of the apps' tables are deleted
only by an erasure: a whole family's deletes the household (a change of the policy's scopes, which
every kept part follows); a section's by retention is told by the section (the contact log's
deletes are watched, concerns are KeptWrites, messaging.records and resources.records draw for
the threads and referrals). People's bulk writes are KeptWrites.
"""

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count as CountRows
from django.db.models import (
    DateTimeField,
    Exists,
    Expression,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Coalesce, Greatest, NullIf
from django.utils.functional import Promise

from liaison.core import kept
from liaison.people.models import Enrolment, Guardian, Student

_NEVER = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class OpenItems:
    key: str
    label: str | Promise
    count: Callable[[], Expression]


@dataclass(frozen=True)
class RiskReason:
    key: str
    label: str | Promise
    q: Q  # on Household


_contact_sources: dict[str, Callable[[], Expression]] = {}
_open_items: dict[str, OpenItems] = {}
_risk_reasons: list[Callable[[Any, dt.datetime], list[RiskReason]]] = []

# What the list reads of people's own tables (the policy's scope tables, whose version every kept
# part holds, are named too: the scope version follows only the columns that decide who sees whom,
# not the names, languages and grades the list shows and filters by).
TABLES = kept.group(
    "caseload",
    [
        "people.District",
        "people.Site",
        "people.Household",
        "people.Guardian",
        "people.Student",
        "people.Enrolment",
        "people.HouseholdAssignment",
    ],
)


def register_risk_reasons(
    fn: Callable[[Any, dt.datetime], list[RiskReason]], *, tables: Sequence[str] = ()
) -> None:
    """`fn(user, now)` gives the reasons the list can be filtered by; `tables` ("app.Model") are
    what its filters and their counts read (see TABLES)."""
    kept.group("caseload", tables)
    if fn not in _risk_reasons:
        _risk_reasons.append(fn)


def risk_reasons(user: Any, *, now: dt.datetime) -> list[RiskReason]:
    return [reason for fn in _risk_reasons for reason in fn(user, now)]


def count_by_reason(qs: QuerySet[Any], reasons: list[RiskReason]) -> dict[str, int]:
    """How many of these households each reason flags: one query for them all."""
    if not reasons:
        return {}
    return qs.aggregate(**{r.key: CountRows("pk", distinct=True, filter=r.q) for r in reasons})


def register_last_contact(
    name: str, fn: Callable[[], Expression], *, tables: Sequence[str] = ()
) -> None:
    """`tables`: what the expression reads (see TABLES)."""
    kept.group("caseload", tables)
    _contact_sources[name] = fn


def register_open_items(
    key: str, label: str | Promise, fn: Callable[[], Expression], *, tables: Sequence[str] = ()
) -> None:
    """`tables`: what the count reads (see TABLES)."""
    kept.group("caseload", tables)
    _open_items[key] = OpenItems(key, label, fn)


def open_item_kinds() -> list[OpenItems]:
    return list(_open_items.values())


def _last_contact() -> Expression:
    never = Value(_NEVER, output_field=DateTimeField())
    parts = [
        Coalesce(fn(), never, output_field=DateTimeField()) for fn in _contact_sources.values()
    ]
    if not parts:
        return Value(None, output_field=DateTimeField())
    latest = parts[0] if len(parts) == 1 else Greatest(*parts, output_field=DateTimeField())
    # NULL when no source has anything: "never" sorts first and reads as a word, not 1970.
    return NullIf(latest, never, output_field=DateTimeField())


def annotate(qs: QuerySet[Any]) -> QuerySet[Any]:
    """The caseload's columns: `last_contact_at`, `open_<key>` for each kind, `open_items`."""
    qs = qs.annotate(last_contact_at=_last_contact())
    total: Expression = Value(0, output_field=IntegerField())
    for kind in _open_items.values():
        name = f"open_{kind.key}"
        qs = qs.annotate(**{name: Coalesce(kind.count(), Value(0), output_field=IntegerField())})
        total = total + F(name)
    annotated: QuerySet[Any] = qs.annotate(open_items=total)
    return annotated


def working_list(
    qs: QuerySet[Any], *, now: dt.datetime, reasons: Sequence[RiskReason] = (), **filters: Any
) -> QuerySet[Any]:
    """The caseload filtered and sorted as CaseloadFilterForm.filters() says, annotated."""
    qs = annotate(qs)
    reason = next((r for r in reasons if r.key == filters.get("risk_reason")), None)
    if reason is not None:
        qs = qs.filter(reason.q)
    days = filters.get("not_reached_days")
    if days:
        qs = qs.filter(
            Q(last_contact_at__isnull=True) | Q(last_contact_at__lt=now - dt.timedelta(days=days))
        )
    language = filters.get("language")
    if language:
        qs = qs.filter(
            Exists(
                Guardian.objects.filter(
                    household_id=OuterRef("pk"), is_active=True, preferred_language=language
                )
            )
        )
    site = filters.get("site")
    if site is not None:
        qs = qs.filter(
            Q(site=site)
            | Exists(
                Enrolment.objects.filter(
                    student__household_id=OuterRef("pk"), site=site, is_active=True
                )
            )
        )
    grade = filters.get("grade")
    if grade:
        qs = qs.filter(
            Exists(Student.objects.filter(household_id=OuterRef("pk"), grade=grade, is_active=True))
        )
    if filters.get("open_items"):
        qs = qs.filter(open_items__gt=0)
    never_first = F("last_contact_at").asc(nulls_first=True)
    order: list[Any] = {
        "contact": [never_first, "name"],
        "-contact": [F("last_contact_at").desc(nulls_last=True), "name"],
        "open": [F("open_items").desc(), "name"],
    }.get(filters.get("sort") or "name", ["name"])
    return qs.order_by(*order, "pk")
