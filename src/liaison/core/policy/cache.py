"""The policy's caches: each question about a person asked once per request, and the scope sets
kept across requests in the shared cache.

A request (DoorMiddleware) or a block of work (`answers_kept()`: a task, a page many apps feed)
opens a store; every answer of the policy (a person's roles and scopes, "is this family on their
caseload", "does this person see the family in full" ...) is kept in it until the store closes, so
a later change of caseload or site is seen by the next request at once. Outside a store nothing is
kept: each question goes to the database.

A scope set (the ids of the families a person may see) costs a query over every household with
its subqueries; lists and Today read it from the shared cache (`shared_set`), under the scope
version. Any write that may change who sees which family (a caseload, an enrolment, a membership,
a household's site, a child's or guardian's household, a class) calls `scopes_changed()`, which
draws a new version at once and again when its transaction commits: a set read before the commit
is never kept under the version that follows it. The date is part of each entry, as caseloads
start and end on dates. The door never reads these sets: opening a record asks the database.
"""

import secrets
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

from liaison.core.db import rows_written

T = TypeVar("T")

_answers: ContextVar[dict[Hashable, Any] | None] = ContextVar(
    "liaison_policy_answers", default=None
)


@contextmanager
def answers_kept() -> Iterator[None]:
    """Within this block each question of the policy goes to the database once (nested blocks
    share the outer store)."""
    if _answers.get() is not None:
        yield
        return
    token = _answers.set({})
    try:
        yield
    finally:
        _answers.reset(token)


def kept[T](key: Hashable, compute: Callable[[], T]) -> T:
    """The answer to `key` from the open store, computed once; computed every time without one."""
    answers = _answers.get()
    if answers is None:
        return compute()
    if key not in answers:
        answers[key] = compute()
    return answers[key]  # type: ignore[no-any-return]


def keep(key: Hashable, answer: object) -> None:
    """Put an answer learnt on the way (a fetch that asked it in the same query) in the open store,
    so that the question, when asked, costs nothing; without a store it is not kept."""
    answers = _answers.get()
    if answers is not None:
        answers[key] = answer


def forget(user: object | None = None) -> None:
    """Drop every kept answer (after a membership, assignment or caseload changes mid-request)."""
    answers = _answers.get()
    if answers is not None:
        answers.clear()


SCOPE_VERSION = "liaison:policy:scope-version"
SET_SECONDS = 3600  # an entry unused for an hour goes; a changed scope is dropped at once


# True once this context drew a new version and read no scope set since (see scopes_changed).
_drawn: ContextVar[bool] = ContextVar("liaison_scope_version_drawn", default=False)


def _new_version() -> None:
    cache.set(SCOPE_VERSION, secrets.token_hex(8), None)


def scopes_changed() -> None:
    """Someone may now see other families: drop every scope set kept in the shared cache.

    Outside a transaction the write is already seen by everyone: a new version now. Inside one,
    other connections see the write only when it commits, so a new version is drawn then (once
    per transaction); this connection sees it at once, so a new version is drawn now too, unless
    this transaction drew one and read no set since (a bulk load saving many rows draws one).
    Inside a transaction no set is read before a write it may change is counted."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _new_version()
        return
    queued = any(callback is _new_version for _ids, callback, _robust in connection.run_on_commit)
    if not (queued and _drawn.get()):
        _new_version()
        _drawn.set(True)
    if not queued:
        transaction.on_commit(_new_version)


def scope_version() -> str:
    """The current scope version (drawn if the cache has none yet): what is kept per person and
    depends on whom they see (Today's navigation counts) is kept under it, so that a change of
    caseload, site or membership makes it stale at once."""
    version = cache.get(SCOPE_VERSION)
    if version is None:
        cache.add(SCOPE_VERSION, secrets.token_hex(8), None)
        version = cache.get(SCOPE_VERSION)
    return str(version)


def shared_set(name: str, user_id: int, fingerprint: Hashable, compute: Callable[[], Any]) -> Any:
    """A person's scope set `name` from the shared cache (one round trip), computed and kept there
    when missing or made under another scope version, day or set of roles (`fingerprint`)."""
    key = f"liaison:policy:scope:{name}:{user_id}"
    _drawn.set(False)
    found = cache.get_many([SCOPE_VERSION, key])
    version = found.get(SCOPE_VERSION)
    if version is None:
        cache.add(SCOPE_VERSION, secrets.token_hex(8), None)
        version = cache.get(SCOPE_VERSION)
    day = timezone.localdate().isoformat()
    entry = found.get(key)
    if entry is not None and entry[:3] == (version, day, fingerprint):
        return entry[3]
    value = compute()
    cache.set(key, (version, day, fingerprint, value), SET_SECONDS)
    return value


# The tables whose rows decide who sees which family (household_rule reads them), and for some the
# columns that matter: a save naming only other columns (update_fields) changes no scope.
SCOPE_TABLES: dict[str, frozenset[str] | None] = {
    "people.Household": frozenset({"site", "site_id", "district", "district_id"}),
    "people.Guardian": frozenset({"household", "household_id"}),
    "people.Student": frozenset({"household", "household_id"}),
    "people.Enrolment": None,
    "people.GuardianStudent": None,
    "people.HouseholdAssignment": None,
    "people.Membership": None,
    "people.ClassSection": None,
    "people.ClassSection_teachers": None,
    "people.ClassSection_students": None,
}


def touches_scope(label: str, fields: Iterable[str] | None = None) -> bool:
    """Whether writing these columns (None: any) of a row of this table may change a scope."""
    if label not in SCOPE_TABLES:
        return False
    columns = SCOPE_TABLES[label]
    return fields is None or columns is None or not columns.isdisjoint(fields)


def _saved(sender: Any, update_fields: Any = None, raw: bool = False, **kwargs: Any) -> None:
    if touches_scope(sender._meta.label, update_fields):
        scopes_changed()


def _written(sender: Any, **kwargs: Any) -> None:
    if touches_scope(sender._meta.label):
        scopes_changed()


def _linked(sender: Any, action: str, **kwargs: Any) -> None:
    if action.startswith("post_") and touches_scope(sender._meta.label):
        scopes_changed()


def watch_scope_writes() -> None:
    """Connect the model signals (single saves and deletes, many-to-many links) and the bulk
    loaders' (core.db.rows_written) to scopes_changed. QuerySet.update and bulk_create send no
    signal: the people app's querysets call scopes_changed themselves."""
    for label in SCOPE_TABLES:
        # Named senders only: a post_delete receiver for every model would stop Django's fast
        # deletes everywhere.
        post_save.connect(_saved, sender=label, dispatch_uid=f"liaison-scope-saved-{label}")
        post_delete.connect(_written, sender=label, dispatch_uid=f"liaison-scope-deleted-{label}")
        m2m_changed.connect(_linked, sender=label, dispatch_uid=f"liaison-scope-linked-{label}")
    rows_written.connect(_written, dispatch_uid="liaison-scope-rows")
