"""Parts of pages kept for one person while nothing they show has changed (in the live cache:
Redis, or files on one server, as core/live.py's versions).

A busy page (Today's queue, a household, the caseload, a search) is rebuilt from a dozen tables on
every visit, though between two visits of the same person nothing it shows has usually changed.
`part()` keeps what a view builds *after its door* (the policy's check and the access-log row,
which every request still goes through) under a stamp, and gives it back while the stamp holds:

    body = kept.part(f"household:{household.pk}", user, make=draw, districts=[district_id],
                     households=[household.pk], tables=(pages.kept_tables("household"),),
                     vary=(full,), seconds=300)

The stamp is made of:
- **versions of the tables it reads, per district**: a save of a row draws a new version of its
  table in the row's district (its `district_id`; in every district when it has none) and of
  `ANY` (any table) there, once the transaction commits (a model signal, connected for every
  model; deletes only for the tables named with `watch_deletes`, as a delete receiver turns off
  Django's fast deletes). A bulk write sends no signal: core.db's loaders send `rows_written`, and
  a QuerySet inheriting `KeptWrites` draws on update, bulk_create, bulk_update and delete, in
  every district. `changed(district_id)` makes every part of a district stale (None: of all);
  code that writes around the ORM calls it. A part names its tables (`tables=("worklist.Task",)`)
  or reads too many to name (`tables=ANY`: any save in its districts makes it stale); a part that
  reads many named tables names their `group` instead, one version to read for all of them;
- **versions of the households it shows** (`households=[pk]`: the household and thread pages):
  a save of a row that belongs to a household (`owns_households`: a `household_id` or
  `household_id_copy` column, the path a model names as `kept_household`, such as an
  attachment's "message.conversation.household_id", or its own `kept_households()`) draws that
  household's version as well, named from the instance and the relations it already holds, with
  no query (`households_of`); so do a watched delete, KeptWrites' bulk_create and bulk_update
  (which move no row), and core.db's inserting loaders (from the rows' household column). What
  cannot name its households (a relation not loaded, a QuerySet update or delete, core.db's
  updates and upserts, more than MANY_HOUSEHOLDS families at once) draws the `HOUSEHOLDS` version
  of its district instead: every household's part there is stale. Such a part then names, as
  `tables`, only what it reads that belongs to no household (staff, sites, categories, settings:
  not ANY), and a write about another family leaves it kept. Rows leave a household only in a
  merge or a split, which moves guardians or children (a change of the policy's scopes, below)
  and saves both households;
- **the policy's scope version** (who sees which family) and the person's roles and places
  (`fingerprint`), so that a change of caseload, site or role is seen at once;
- **the versions of live topics** it names (core/live.py: a thread's deliveries, the inbox);
- the **date, language and time zone**, and whatever the caller passes as `vary` (one entry is
  kept per name and person: a search for another name replaces the last one).
An entry is kept at most `seconds`: what only the clock changes ("3 days ago", a family no longer
new) and writes no signal tells of (a QuerySet.update on a table without `KeptWrites`, such as a
delivery's state: the thread page follows its thread's live topic, the household page does not)
show within it, as do deletes of tables not watched. A part is per person (the key holds their
id): it may hold what only they may see.

Rendered HTML holds a form's CSRF token, which belongs to one browser's session: `unbind_csrf`
puts a marker in its place before the HTML is kept, `bind_csrf` this request's token when shown.
"""

import functools
import re
import secrets
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import Any

from django.apps import apps
from django.core.cache import cache, caches
from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.middleware.csrf import get_token
from django.utils import timezone, translation
from django.utils.connection import ConnectionProxy

from liaison.core import live, policy
from liaison.core.db import MANY_HOUSEHOLDS, rows_written
from liaison.core.policy.cache import SCOPE_VERSION, scope_version_read
from liaison.core.policy.scopes import fingerprint

# Parts and the versions of what they read are kept where live versions are (core/live.py): Redis,
# or files on one server. Not in the default cache, which is a database table unless Redis is
# configured: a page drawn afresh would write its part into the database (four queries, and
# SQLite's write lock, on a request that only reads), and every write would write its versions.
store = ConnectionProxy(caches, "live")

ANY = "*"  # `tables=ANY`: the part reads more tables than it can name; any save makes it stale
_ALL = "!"  # drawn by changed(): every part of the district, whatever tables it reads
# Drawn by a write of rows of households it cannot name (a bulk write, a row whose household is not
# loaded with it): every household's part in the district.
HOUSEHOLDS = "households"
_PREFIX = "liaison:kept"
# Tables written while pages are only read (every view writes its access-log row; the session
# its last-seen time): a save of theirs is no change of what a kept part shows.
QUIET = frozenset({"audit.AccessLog", "sessions.Session", "admin.LogEntry"})
# Columns no page shows, written by a sign-in (Django's update_last_login): a save of only these
# is no change either, though staff names are on every household and thread page.
QUIET_COLUMNS = {"people.User": frozenset({"last_login"})}


def version_key(table: str, district_id: int | None) -> str:
    """The cache key of a table's version in a district (None: in every district)."""
    return f"{_PREFIX}:v:{table}:{'all' if district_id is None else district_id}"


# How long a version is kept after it was last drawn. A version that is gone is drawn afresh at
# the next read, and a part stamped with the one before is not given back (its stamp cannot match
# a new random version), so forgetting is always safe: this only bounds the store, which would
# otherwise keep a key for every household ever written to.
VERSION_SECONDS = 24 * 3600


def _new_versions(names: Iterable[str]) -> None:
    store.set_many({name: secrets.token_hex(8) for name in names}, VERSION_SECONDS)


class _AtCommit:
    """The versions a transaction draws when it commits: one callback for all of them, so that a
    transaction writing rows of a thousand families queues one, not a thousand. `drawn`: each
    name's last draw before the commit, as the count of parts read then (see parts_read)."""

    def __init__(self) -> None:
        self.drawn: dict[str, int] = {}

    def __call__(self) -> None:
        _new_versions(self.drawn)


# How many parts this context has read (and kept): a write draws a version at once again when a
# part was read since it last drew it, though its transaction already queued it for its commit.
parts_read: ContextVar[int] = ContextVar("liaison_kept_parts_read", default=0)


def _draw(names: Iterable[str]) -> None:
    """Draw new versions now outside a transaction; inside one, when it commits and, as the
    writer's own connection sees the write at once, now too (once per transaction for each name,
    unless a part was read since it was drawn: a bulk load writing many rows draws once)."""
    names = list(names)
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _new_versions(names)
        return
    # The transaction's callback, if one is queued and was not dropped with a savepoint rolled back.
    at_commit = next(
        (cb for _ids, cb, _r in reversed(connection.run_on_commit) if isinstance(cb, _AtCommit)),
        None,
    )
    if at_commit is None:
        at_commit = _AtCommit()
        transaction.on_commit(at_commit)
    read = parts_read.get()
    now = [name for name in names if at_commit.drawn.get(name) != read]
    for name in now:
        at_commit.drawn[name] = read
    if now:
        _new_versions(now)


# Each table's groups (see `group`): a write of the table draws their versions too.
_groups_of: dict[str, set[str]] = {}


def group(name: str, tables: Iterable[str]) -> str:
    """Name a set of tables a part reads, so that the part's stamp holds one version for all of
    them (per district) instead of one per table: a write of any of them draws the group's
    version as well as the table's. Returns what to pass as `tables=` (alone or among others).
    Call it where the tables are known at start-up (AppConfig.ready()), so that every process,
    also one that never shows the part, draws the group's version when it writes."""
    label = f"group:{name}"
    for table in tables:
        _groups_of.setdefault(table, set()).add(label)
    return label


def household_key(household_id: int) -> str:
    """The cache key of one household's version (every row that belongs to the family draws it)."""
    return f"{_PREFIX}:h:{household_id}"


@functools.cache
def _household_path(model: Any) -> tuple[str, ...] | None:
    """How a row of this model names the household it belongs to, as attributes to follow: the
    model's `kept_household` ("conversation.household_id", "pk" for a household itself), else its
    `household_id` or `household_id_copy` column; None: its rows belong to no household."""
    path = getattr(model, "kept_household", None)
    if path:
        return tuple(path.split("."))
    columns = {f.attname for f in model._meta.concrete_fields}
    for column in ("household_id", "household_id_copy"):
        if column in columns:
            return (column,)
    return None


@functools.cache
def owns_households(model: Any) -> bool:
    """Whether rows of this model belong to households (a many-to-many table: when either side's
    rows do), so that a write of it a household part must hear of."""
    if isinstance(model, str):
        try:
            model = apps.get_model(model)
        except LookupError:  # not a model's label: whose rows it writes is unknown, so anyone's
            return True
    if _household_path(model) is not None or hasattr(model, "kept_households"):
        return True
    if model._meta.auto_created:  # a many-to-many link table
        return any(
            f.is_relation and owns_households(f.related_model) for f in model._meta.concrete_fields
        )
    return False


def households_of(instance: Any, *, created: bool = False) -> list[int] | None:
    """The households a row belongs to, without a query: followed through the relations the
    instance already holds. [] when its table belongs to no household; None when it does but the
    row cannot name one cheaply (a relation not loaded, none set): every household's part of its
    district is then made stale. A model may answer itself (`kept_households(created=...)`)."""
    model: Any = type(instance)
    answer = getattr(instance, "kept_households", None)
    if answer is not None:
        found = answer(created=created)
        return None if found is None else list(found)
    path = _household_path(model)
    if path is None:
        return []
    obj = instance
    for name in path[:-1]:
        field = obj._meta.get_field(name)
        if not field.is_cached(obj):
            return None
        obj = getattr(obj, name)
        if obj is None:
            return None
    household_id = getattr(obj, path[-1], None)
    return None if household_id is None else [household_id]


def _named(households: Iterable[int]) -> list[int] | None:
    """The households of a bulk write, when few enough to draw one by one (None: too many)."""
    households = set(households)
    return sorted(households) if len(households) <= MANY_HOUSEHOLDS else None


def group_tables(label: str) -> set[str]:
    """The tables of a group (what `group` returned)."""
    return {table for table, groups in _groups_of.items() if label in groups}


def changed(
    district_id: int | None = None,
    *,
    table: str | None = None,
    households: Iterable[int] | None = None,
) -> None:
    """Something kept parts show may have changed: with `table` ("app.Model"), the parts that read
    it, or a group it is in (and the ANY parts), in this district (None: in every district), and,
    for a table whose rows belong to households, the parts of those `households` (None: of every
    household of the district); without `table`, every part of the district."""
    if table is None:
        _draw([version_key(_ALL, district_id)])
        return
    names = [
        version_key(name, district_id) for name in [table, ANY, *sorted(_groups_of.get(table, ()))]
    ]
    if households is not None:
        names += [household_key(pk) for pk in households]
    elif owns_households(table):
        names.append(version_key(HOUSEHOLDS, district_id))
    _draw(names)


@functools.cache
def _shown(model: Any) -> bool:
    """Whether a page may show this model's rows: Liaison's own tables, not the quiet ones (nor
    Django's migration records, written before the cache's table exists)."""
    return model.__module__.startswith("liaison.") and model._meta.label not in QUIET


def _district_of(instance: Any) -> int | None:
    district = getattr(instance, "district_id", None)
    if district is None:
        district = getattr(instance, "district_id_copy", None)
    return district


def _saved(
    sender: Any,
    instance: Any = None,
    created: bool = False,
    raw: bool = False,
    update_fields: Any = None,
    **kwargs: Any,
) -> None:
    if raw or not _shown(sender):
        return
    quiet = QUIET_COLUMNS.get(sender._meta.label)
    if quiet and update_fields and quiet.issuperset(update_fields):
        return
    changed(
        _district_of(instance),
        table=sender._meta.label,
        households=households_of(instance, created=created),
    )


def _deleted(sender: Any, instance: Any = None, **kwargs: Any) -> None:
    if _shown(sender):
        changed(table=sender._meta.label, households=households_of(instance))


def _written(sender: Any, households: Iterable[int] | None = None, **kwargs: Any) -> None:
    """A bulk write (core.db's loaders): in every district; of the `households` the loader names
    (the household column of the rows it inserted), else of every household."""
    if _shown(sender):
        changed(
            table=sender._meta.label, households=None if households is None else _named(households)
        )


def _linked(
    sender: Any,
    action: str,
    instance: Any = None,
    reverse: bool = False,
    model: Any = None,
    **kwargs: Any,
) -> None:
    if not (action.startswith("post_") and _shown(sender)):
        return
    # A link belongs to the household of the row it was added from (a concern's students); from the
    # other side (a student's concerns), or a link of a row of no household to one of a household
    # (a class's students), to rows it cannot name.
    households = households_of(instance)
    if (reverse or households == []) and model is not None and owns_households(model):
        households = None
    changed(_district_of(instance), table=sender._meta.label, households=households)


post_save.connect(_saved, dispatch_uid="liaison-kept-saved")
m2m_changed.connect(_linked, dispatch_uid="liaison-kept-linked")
rows_written.connect(_written, dispatch_uid="liaison-kept-rows")


def watch_deletes(*labels: str) -> None:
    """Make a delete of a row of these tables ("app.Model") a change (Model.delete() and the
    collector's cascades; a QuerySet inheriting KeptWrites draws itself)."""
    for label in labels:
        post_delete.connect(_deleted, sender=label, dispatch_uid=f"liaison-kept-deleted-{label}")


class KeptWrites(models.QuerySet[Any]):
    """Bulk writes send no model signal: a QuerySet that inherits this makes the kept parts that
    read its table stale itself, in every district (and the parts of the households of the rows
    it creates, or of every household when it cannot name them)."""

    def _changed(self, households: Iterable[int] | None = None) -> None:
        changed(table=self.model._meta.label, households=households)

    def _households(self, objs: Any, fields: Any = ()) -> list[int] | None:
        """The households of these rows, when each names its own and the write moves none."""
        model: Any = self.model
        if not owns_households(model):
            return []
        path = _household_path(model) or ("",)
        moved = {name.removesuffix("_id") for name in fields}
        if path[0].removesuffix("_id") in moved or (path == ("",) and moved):
            return None  # rows moved (or a model answering itself): whose they were is unknown
        found = [households_of(obj) for obj in objs]
        if any(h is None for h in found):
            return None
        return _named(pk for h in found for pk in h or ())

    def update(self, **kwargs: Any) -> int:
        done = super().update(**kwargs)
        if done:
            self._changed()
        return done

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> Any:
        made = super().bulk_create(objs, *args, **kwargs)
        if made:
            self._changed(self._households(made))
        return made

    def bulk_update(self, objs: Any, fields: Any, *args: Any, **kwargs: Any) -> int:
        objs = list(objs)
        done = super().bulk_update(objs, fields, *args, **kwargs)
        if done:
            self._changed(self._households(objs, fields))
        return done

    def delete(self) -> tuple[int, dict[str, int]]:
        done = super().delete()
        if done[0]:
            self._changed()
        return done


# The scope version read by the part being made in this context (see `part`).
_enclosing_scope: ContextVar[Any] = ContextVar("liaison_kept_enclosing_scope", default=None)


def part[T](
    name: str,
    user: Any,
    *,
    make: Callable[[], T],
    districts: Iterable[int],
    tables: str | Iterable[str] = ANY,
    households: Iterable[int] | None = None,
    topics: Iterable[str] = (),
    vary: Iterable[Any] = (),
    seconds: int = 120,
) -> T:
    """What `make()` returns for this person, kept while the tables it reads (in `districts`), the
    live `topics`, the policy's scopes, the date, the language and `vary` are unchanged, at most
    `seconds`. Call it after the door: the part is only what is shown once access was granted.
    One entry is kept for each name and person (the last `vary` asked for); a superuser's part is
    drawn afresh.

    `households`: the part shows these families' rows, of any table whose rows belong to a
    household (`owns_households`), and of no other family: it is stale when a row of theirs is
    written, or rows of households a write cannot name in its districts, not when another family's
    are. `tables` then names only what it reads that belongs to no household (staff, sites,
    categories...): not ANY."""
    access = policy.access_for(user)
    if access.superuser:
        # A superuser reads every district, also those not in `districts`, whose saves the stamp
        # would not see: drawn afresh each time.
        return make()
    places = [None, *sorted(set(districts))]
    groups = [_ALL, *([ANY] if tables == ANY else sorted(set(tables)))]
    if households is not None:
        if tables == ANY:
            raise ValueError("a part of households names the other tables it reads, not ANY")
        groups.append(HOUSEHOLDS)
    versions = [version_key(g, d) for g in groups for d in places]
    if households is not None:
        versions += [household_key(pk) for pk in sorted(set(households))]
    # One entry for a name and a person: another `vary` (a search, a filter) takes its place, so
    # that what one person keeps stays a handful of entries however much they type.
    key = f"{_PREFIX}:{name}:{user.pk}"
    scope_version_read()
    found = store.get_many([*versions, key])
    missing = [v for v in versions if v not in found]
    for v in missing:  # never drawn yet (an empty cache): draw one to keep entries under
        store.add(v, secrets.token_hex(8), VERSION_SECONDS)
    if missing:
        found.update(store.get_many(missing))
    topics = list(topics)
    # A part made inside another's make() (Today's sources within its queue) reads the scope
    # version the enclosing one read a moment before: the same stamp, one read of the shared
    # cache (a database table on SQLite) per page rather than one per part.
    scope = _enclosing_scope.get()
    if scope is None:
        scope = cache.get(SCOPE_VERSION)
    stamp = (
        tuple(found.get(v) for v in versions),
        scope,
        live.version(topics) if topics else "",
        timezone.localdate().isoformat(),
        translation.get_language(),
        timezone.get_current_timezone_name(),
        fingerprint(access),
        repr(tuple(vary)),
    )
    entry = found.get(key)
    parts_read.set(parts_read.get() + 1)
    if entry is not None and not missing and entry[0] == stamp:
        return entry[1]  # type: ignore[no-any-return]
    token = _enclosing_scope.set(scope)
    try:
        value = make()
    finally:
        _enclosing_scope.reset(token)
    store.set(key, (stamp, value), seconds)
    return value


CSRF_MARKER = "liaison-kept-csrf-token"
_CSRF_INPUT = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')


def unbind_csrf(html: str) -> str:
    """The HTML with every form's CSRF token replaced by a marker (to be kept)."""
    return _CSRF_INPUT.sub(rf"\g<1>{CSRF_MARKER}\g<2>", html)


def bind_csrf(request: Any, html: str) -> str:
    """Kept HTML with this request's CSRF token in its forms."""
    if CSRF_MARKER not in html:
        return html
    return html.replace(CSRF_MARKER, get_token(request))
