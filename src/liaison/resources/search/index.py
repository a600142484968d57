"""The search index: one listing per service and location, with its words and facet tokens,
kept in a full-text index (FTS5 on SQLite, a tsvector and GIN index on PostgreSQL)."""

import re
from functools import cache

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from liaison.core.db import analyze_tables
from liaison.core.i18n import base_language
from liaison.resources.search.geography import SLOT, cell_of
from liaison.resources.search.hours import weekly_hours


@cache
def standard_language(code: str) -> str:
    """'eng' → 'en', 'spa' → 'es', 'zh-Hant' → 'zh': the primary subtag of an HSDS language code
    (ISO 639-1 or 639-3) in its standard BCP 47 form."""
    code = (code or "").strip()
    if not code:
        return ""
    try:
        import langcodes

        return langcodes.Language.get(langcodes.standardize_tag(code)).language or ""
    except (ValueError, LookupError):
        return base_language(code)


def _token(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


@cache
def term_token(term_id) -> str:
    return "zt" + str(term_id).replace("-", "")


def language_token(code: str) -> str:
    return "zl" + _token(standard_language(code))


@cache
def cost_token(cost: str) -> str:
    return "zc" + _token(cost)


def _rows(sql: str, ids=None, column: str = "") -> list:
    """Raw rows (ids stay as the database returns them: fast, and consistent within a backend)."""
    with connection.cursor() as cursor:
        if ids is None:
            cursor.execute(sql)
            return cursor.fetchall()
        out = []
        ids = list(ids)
        # The filter joins the outer query's own WHERE, if it has one (not a subquery's).
        glue = " AND " if " WHERE " in sql.rsplit(" FROM ", 1)[-1] else " WHERE "
        for start in range(0, len(ids), 2000):
            chunk = ids[start : start + 2000]
            marks = ",".join(["%s"] * len(chunk))
            cursor.execute(f"{sql}{glue}{column} IN ({marks})", chunk)
            out += cursor.fetchall()
        return out


LISTING_COLUMNS = (
    "service_id, location_id, latitude, longitude, time_zone, minimum_age, maximum_age, "
    "name_text, body_text, facet_text"
)


def _listing_data(service_ids=None):
    """Listing rows (tuples in LISTING_COLUMNS order) and their hours specs, from a few queries."""
    from liaison.resources.models import Service

    db_ids = None
    if service_ids is not None:
        pk = Service._meta.pk
        db_ids = [pk.get_db_prep_value(v, connection) for v in service_ids]
    services = _rows(
        "SELECT s.id, s.name, s.alternate_name, s.description, s.eligibility_description, "
        "s.minimum_age, s.maximum_age, s.cost, o.name FROM resources_service s "
        "JOIN resources_organization o ON o.id = s.organization_id WHERE s.status = 'active'",
        db_ids,
        "s.id",
    )
    ids = [r[0] for r in services] if service_ids is not None else None
    sal, sal_ids = {}, {}
    for sal_id, service_id, location_id in _rows(
        "SELECT id, service_id, location_id FROM resources_serviceatlocation", ids, "service_id"
    ):
        sal.setdefault(service_id, []).append(location_id)
        sal_ids[(service_id, location_id)] = sal_id
    location_ids = list({loc for locs in sal.values() for loc in locs}) if ids is not None else None
    locations = {
        r[0]: r
        for r in _rows(
            "SELECT l.id, l.name, l.latitude, l.longitude, l.time_zone, "
            "(SELECT a.city FROM resources_address a WHERE a.location_id = l.id LIMIT 1) "
            "FROM resources_location l",
            location_ids,
            "l.id",
        )
    }
    parents, term_names = {}, {}
    for term_id, parent_id, name in _rows("SELECT id, parent_id, name FROM resources_taxonomyterm"):
        parents[term_id], term_names[term_id] = parent_id, name
    terms: dict = {}
    for link_id, term_id in _rows(
        "SELECT link_id, taxonomy_term_id FROM resources_attribute WHERE link_entity = 'service'",
        ids,
        "link_id",
    ):
        seen = 0
        while term_id and seen < 10:
            terms.setdefault(link_id, set()).add(term_id)
            term_id, seen = parents.get(term_id), seen + 1
    phone_owner = {
        phone_id: service_id or location_id
        for phone_id, service_id, location_id in _rows(
            "SELECT p.id, p.service_id, p.location_id FROM resources_phone p "
            "WHERE EXISTS (SELECT 1 FROM resources_language x WHERE x.phone_id = p.id)"
        )
    }
    langs: dict = {}
    for service_id, location_id, phone_id, code in _rows(
        "SELECT service_id, location_id, phone_id, code FROM resources_language"
    ):
        owner = service_id or location_id or phone_owner.get(phone_id)
        if owner and code:
            langs.setdefault(owner, set()).add(standard_language(code))
    schedules: dict = {}
    # On SQLite the times come back as text through an expression: a bare time column would go
    # through Django's converter row by row, for 'HH:MM' that _minutes reads anyway.
    times = "opens_at, closes_at, valid_to"
    if connection.vendor == "sqlite":
        times = "opens_at || '', closes_at || '', valid_to || ''"
    for sid, lid, salid, freq, byday, opens, closes, valid_to in _rows(
        "SELECT service_id, location_id, service_at_location_id, freq, byday, "  # noqa: S608
        f"{times} FROM resources_schedule"
    ):
        row = (freq, byday, opens, closes, valid_to)
        schedules.setdefault(salid or sid or lid, []).append(row)
    today = timezone.localdate().isoformat()
    fields = ("freq", "byday", "opens_at", "closes_at", "valid_to")

    @cache
    def hours_of(rows: tuple) -> str:  # most services share a handful of opening patterns
        return weekly_hours([dict(zip(fields, r, strict=True)) for r in rows], today)

    @cache
    def facet_tokens(spoken: frozenset) -> set:
        return {"zl" + _token(code) for code in spoken if code}

    default_zone = settings.TIME_ZONE
    out = []
    for sid, name, alt, description, eligibility, lo, hi, cost, org_name in services:
        service_terms = terms.get(sid, ())
        words = " ".join(
            w
            for w in [
                alt,
                org_name,
                description,
                eligibility,
                *(term_names.get(t, "") for t in service_terms),
            ]
            if w
        )
        base_facets = {term_token(t) for t in service_terms} | {"zall"}
        if cost:
            base_facets.add(cost_token(cost))
        for location_id in sal.get(sid) or [None]:
            loc = locations.get(location_id) if location_id else None
            spoken = langs.get(sid, set()) | (
                langs.get(location_id, set()) if location_id else set()
            )
            facets = base_facets | facet_tokens(frozenset(spoken))
            zone = (loc[4] if loc else "") or default_zone
            owner_schedules = (
                schedules.get(sal_ids.get((sid, location_id)))
                or schedules.get(sid)
                or (schedules.get(location_id) if location_id else None)
                or []
            )
            body = words
            if loc:
                body = " ".join(w for w in [words, loc[1], loc[5]] if w)
            out.append(
                (
                    (
                        sid,
                        location_id,
                        loc[2] if loc else None,
                        loc[3] if loc else None,
                        zone,
                        lo,
                        hi,
                        name,
                        body[:4000],
                        " ".join(sorted(facets)),
                    ),
                    hours_of(tuple(owner_schedules)),
                )
            )
    return out


def _next_serials(cursor, cells: set[int]) -> dict[int, int]:
    """The first free serial number in each of these cells."""
    if len(cells) > 200:
        cursor.execute(f"SELECT id / {SLOT}, MAX(id) FROM resources_listing GROUP BY id / {SLOT}")  # noqa: S608
        top = dict(cursor.fetchall())
    else:
        top = {}
        for cell in cells:
            cursor.execute(
                "SELECT MAX(id) FROM resources_listing WHERE id BETWEEN %s AND %s",
                [cell * SLOT, (cell + 1) * SLOT - 1],
            )
            top[cell] = cursor.fetchone()[0]
    return {cell: (top[cell] % SLOT + 1) if top.get(cell) is not None else 0 for cell in cells}


def _save_listings(pairs) -> list[int]:
    """Insert listings, numbered by cell; returns their ids."""
    from liaison.resources.models import HoursPattern

    wanted = {(row[4], spec) for row, spec in pairs if spec}
    patterns = {(p.time_zone, p.spec): p.id for p in HoursPattern.objects.all()}
    missing = [HoursPattern(time_zone=z, spec=s) for z, s in wanted if (z, s) not in patterns]
    if missing:
        HoursPattern.objects.bulk_create(missing, ignore_conflicts=True)
        patterns = {(p.time_zone, p.spec): p.id for p in HoursPattern.objects.all()}
    placed = sorted(
        ((cell_of(row[2], row[3]), row, spec) for row, spec in pairs), key=lambda x: x[0]
    )
    rows = []
    with connection.cursor() as cursor:
        serial = _next_serials(cursor, {cell for cell, _, _ in placed})
        for cell, row, spec in placed:
            n = serial[cell]
            if n >= SLOT:
                raise ValueError(f"More than {SLOT} listings in map cell {cell}")
            serial[cell] = n + 1
            rows.append((cell * SLOT + n, *row, patterns.get((row[4], spec)) if spec else None))
        if connection.vendor == "postgresql":
            # COPY streams the rows in one statement: several times quicker than INSERTs.
            copy_sql = f"COPY resources_listing (id, {LISTING_COLUMNS}, hours_id) FROM STDIN"
            with cursor.cursor.copy(copy_sql) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            for start in range(0, len(rows), 5000):
                cursor.executemany(
                    f"INSERT INTO resources_listing (id, {LISTING_COLUMNS}, hours_id) "  # noqa: S608
                    f"VALUES ({', '.join(['%s'] * 12)})",
                    rows[start : start + 5000],
                )
    return [row[0] for row in rows]


def _sqlite_fts_sync(cursor, *, listing_ids=None, removed_ids=()):
    if removed_ids:
        for start in range(0, len(removed_ids), 500):
            chunk = removed_ids[start : start + 500]
            cursor.execute(
                f"DELETE FROM resources_listing_fts WHERE rowid IN ({','.join('%s' for _ in chunk)})",  # noqa: S608
                chunk,
            )
    insert = (
        "INSERT INTO resources_listing_fts(rowid, name, body, facets) "
        "SELECT id, name_text, body_text, facet_text FROM resources_listing"
    )
    if listing_ids is None:
        cursor.execute(insert)
    else:
        for start in range(0, len(listing_ids), 500):
            chunk = listing_ids[start : start + 500]
            marks = ",".join("%s" for _ in chunk)
            # A listing deleted with its service (a cascade) leaves its text behind, and ids are
            # reused within a cell: clear the way first.
            cursor.execute(f"DELETE FROM resources_listing_fts WHERE rowid IN ({marks})", chunk)  # noqa: S608
            cursor.execute(f"{insert} WHERE id IN ({marks})", chunk)


# As migration 0003 makes them.
SQLITE_TEXT_INDEX = (
    "CREATE VIRTUAL TABLE resources_listing_fts USING fts5("
    "name, body, facets, prefix='2 3 4 5', tokenize='porter unicode61 remove_diacritics 2')"
)
PG_TEXT_INDEX = (
    "CREATE INDEX resources_listing_document ON resources_listing USING GIN (document) "
    "WITH (fastupdate = off)"
)


def rebuild() -> int:
    """Rebuild every listing and the text index; returns the number of listings.

    Bulk SQL throughout: the listings go in by executemany, the FTS5 index is filled by one
    INSERT ... SELECT; PostgreSQL builds its GIN index once over the new rows rather than row by
    row (and leaves no pending list for every search to read through)."""
    from liaison.resources.models import Listing

    pairs = _listing_data()
    postgres = connection.vendor == "postgresql"
    if not postgres:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            cache_size = cursor.fetchone()[0]
            # Room for the whole new index in memory: pages are written once, at commit, rather
            # than spilled to the log and written again each time a later row touches them.
            cursor.execute("PRAGMA cache_size = -262144")
    try:
        _replace_listings(pairs, postgres)
    finally:
        if not postgres:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {int(cache_size)}")
    # The directory was just (re)loaded: the planner must see its real size on both databases
    # (SQLite statistics taken while it held a handful of services made every search scan). Its
    # queries read only its own tables, so analysing them all keeps SQLite's picture consistent.
    analyze_tables(
        *(
            m
            for m in apps.get_app_config("resources").get_models()
            if m._meta.managed and not m._meta.proxy
        )
    )
    return Listing.objects.count()


def _replace_listings(pairs, postgres: bool) -> None:
    with transaction.atomic():
        with connection.cursor() as cursor:
            if postgres:
                cursor.execute("DROP INDEX IF EXISTS resources_listing_document")
                # TRUNCATE is refused while the transaction has deferred foreign-key checks
                # pending (rows written earlier in it): run them now, then defer again.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("TRUNCATE resources_listing")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
                set_aside = _pg_set_aside(cursor)
            else:  # a new FTS5 table is quicker than emptying the old one
                cursor.execute("DROP TABLE IF EXISTS resources_listing_fts")
                cursor.execute(SQLITE_TEXT_INDEX)
                cursor.execute("DELETE FROM resources_listing")
        _save_listings(pairs)
        with connection.cursor() as cursor:
            if postgres:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # check the new rows' keys now
                # Room to build the indexes in memory, for this transaction only.
                cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
                cursor.execute(PG_TEXT_INDEX)
                for statement in set_aside:
                    cursor.execute(statement)
            else:
                # No merging while the index fills (each merge would rewrite segments that the
                # final 'optimize' rewrites once more); the default (4) again afterwards.
                fts = "INSERT INTO resources_listing_fts(resources_listing_fts, rank) VALUES"
                cursor.execute(f"{fts} ('automerge', 0)")
                _sqlite_fts_sync(cursor)
                cursor.execute(
                    "INSERT INTO resources_listing_fts(resources_listing_fts) VALUES('optimize')"
                )
                cursor.execute(f"{fts} ('automerge', 4)")


def rebuild_if_missing(*, using: str = "default", plan=None, **kwargs) -> None:
    """After `migrate`: rebuild the listings if active services have none (a migration emptied
    them, as 0003 does), once the resources app's migrations are all applied.

    Migrations may not call this module (it changes after they are written); this runs today's
    code on today's schema instead."""
    from django.db import DatabaseError, connections
    from django.db.migrations.loader import MigrationLoader

    if plan and any(backwards for _migration, backwards in plan):
        return
    db = connections[using]
    try:
        with transaction.atomic(using=using), db.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM resources_service WHERE status = 'active' "
                "AND NOT EXISTS (SELECT 1 FROM resources_listing) LIMIT 1"
            )
            missing = cursor.fetchone() is not None
    except DatabaseError:  # the tables are not there (yet)
        return
    if not missing:
        return
    loader = MigrationLoader(db)
    if not set(loader.graph.leaf_nodes("resources")) <= set(loader.applied_migrations):
        return
    if using == "default":
        rebuild()


def _pg_set_aside(cursor) -> list[str]:
    """Drop the listing table's secondary indexes for a bulk load; returns the statements that
    put them back as they were (each built by one sort, not by 100,000 insertions).

    Its foreign keys stay: dropping one takes an exclusive lock on the table it refers to, which
    would hold up every page that reads services or locations until the rebuild commits."""
    cursor.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid "
        "WHERE x.indrelid = 'resources_listing'::regclass AND NOT x.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)"
    )
    indexes = cursor.fetchall()
    for name, _definition in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _name, definition in indexes]


def reindex_services(service_ids) -> None:
    """Bring these services' listings up to date (after an edit or an import)."""
    from liaison.resources.models import Listing

    service_ids = list(set(service_ids))
    if not service_ids:
        return
    if len(service_ids) > 5000:
        rebuild()
        return
    with transaction.atomic():
        old = list(Listing.objects.filter(service_id__in=service_ids).values_list("id", flat=True))
        Listing.objects.filter(id__in=old).delete()
        ids = _save_listings(_listing_data(service_ids))
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                _sqlite_fts_sync(cursor, listing_ids=ids, removed_ids=old)
