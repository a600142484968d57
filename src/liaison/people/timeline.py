"""The household timeline: one chronological view that every app feeds.

An app registers a provider: `timeline.register(provider)`, where `provider(household, user, *,
before, limit, kinds)` yields TimelineEntry objects the user may see, newest first, at most
`limit`, all older than `before` when it is given. The timeline merges them.
"""

import heapq
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # "message", "concern", "note", "contact", "referral", "event", "record"
    title: str
    summary: str = ""
    url: str = ""
    actor: str = ""
    badges: tuple[str, ...] = field(default_factory=tuple)
    language: str = ""


Provider = Callable[..., Iterable[TimelineEntry]]
_providers: list[tuple[str, Provider]] = []
KIND_LABELS: dict[str, str] = {"record": _("Records")}


def register(kind: str, label, provider: Provider) -> None:
    if all(p is not provider for _, p in _providers):
        _providers.append((kind, provider))
    KIND_LABELS[kind] = label


def entries_for(
    household,
    user,
    *,
    before: datetime | None = None,
    limit: int = 25,
    kinds: Iterable[str] | None = None,
) -> list[TimelineEntry]:
    from liaison.core import policy

    wanted = set(kinds or [])
    streams = []
    # Every feed asks whether the viewer sees the family in full: the database is asked once.
    with policy.answers_kept():
        for kind, provider in _providers:
            if wanted and kind not in wanted:
                continue
            streams.append(
                sorted(
                    provider(household, user, before=before, limit=limit),
                    key=lambda e: e.at,
                    reverse=True,
                )
            )
    merged = heapq.merge(*streams, key=lambda e: e.at, reverse=True)
    out = []
    for entry in merged:
        out.append(entry)
        if len(out) >= limit:
            break
    return out


def _record_entries(household, user, *, before=None, limit=25):
    """When the family and its members were added to Liaison."""
    from liaison.core import policy

    rows = [(household.created_at, _("Household record created"), household.name)]
    rows += [(g.created_at, _("Guardian added"), g.full_name) for g in household.guardians.all()]
    rows += [
        (s.created_at, _("Student added"), s.full_name)
        for s in policy.visible_students(user, household)
    ]
    for at, title, summary in rows:
        if before is None or at < before:
            yield TimelineEntry(at=at, kind="record", title=str(title), summary=summary)


register("record", _("Records"), _record_entries)
