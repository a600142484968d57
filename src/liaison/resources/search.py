"""Finding services: one function, `search_services`, over two full-text engines.

Each active service gets one listing per location (or one with no location) carrying its words
(name; description, organisation, needs, eligibility) and facet tokens for the filters (needs with
their parent needs, languages spoken, cost). SQLite matches them with FTS5 and ranks with bm25;
PostgreSQL with a generated tsvector, a GIN index and ts_rank. Both then weigh relevance by
distance from the household (haversine on stored coordinates; nothing is geocoded at run time):
score = relevance / (1 + (km / 10)²), so a good match across town still beats a poor one next door.
Age and "open now" (weekly hours in the location's zone) are plain column filters.
"""

import datetime as dt
import math
import re
import uuid
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from liaison.core.db import analyze_tables
from liaison.core.i18n import base_language
from liaison.resources import needs
from liaison.resources.choices import Cost

EARTH_KM = 6371.0088
KM_PER_DEGREE = 111.195
DISTANCE_SCALE_KM = 10.0
NO_COORDINATES_KM = 20.0  # virtual services and unknown places rank as if this far
DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
_WORD = re.compile(r"\w+", re.UNICODE)


def haversine_km(lat1, lon1, lat2, lon2) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(math.sqrt(a))


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


# --- building the listings ---------------------------------------------------------------------


def _minutes(value) -> int | None:
    """Minutes after midnight of a time as the database hands it back (time or 'HH:MM[:SS]')."""
    if value is None or value == "":
        return None
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    hours, minutes = text.split(":")[:2]
    return int(hours) * 60 + int(minutes)


@cache
def _weekly_spec(rows: tuple) -> str:
    spans = set()
    for freq, byday, opens, closes in rows:
        if freq not in ("", None, "WEEKLY") or opens is None or closes is None:
            continue
        end = closes if closes > opens else closes + 1440
        days = [d.strip().upper() for d in (byday or "").split(",") if d.strip()]
        for day in days or DAYS:
            if day in DAYS:
                spans.add((DAYS.index(day), opens, end))
    return " ".join(f"{d}:{a}-{b}" for d, a, b in sorted(spans))


def weekly_hours(schedules: Iterable[dict], today: str = "") -> str:
    """The weekly opening pattern ("0:540-1020 ...") of HSDS schedules with byday/opens_at/closes_at."""
    today = today or timezone.localdate().isoformat()
    rows = tuple(
        sorted(
            (s["freq"] or "", s["byday"] or "", _minutes(s["opens_at"]), _minutes(s["closes_at"]))
            for s in schedules
            if not (s["valid_to"] and str(s["valid_to"]) < today)
        )
    )
    return _weekly_spec(rows) if rows else ""


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


# --- where a listing sits: its id says which map cell it is in ------------------------------------
# A listing's id is its cell number times SLOT plus a serial number within the cell, with cells
# numbered row by row (south to north, west to east, CELL_DEG on a side). The listings near a
# household are then a few id ranges, which the text index (FTS5 rowids, or the primary key beside
# the GIN index on PostgreSQL) can skip to without reading the rest of the directory.

CELL_DEG = 0.02  # about 2.2 km north-south
GRID_COLUMNS = round(360 / CELL_DEG)
GRID_ROWS = round(180 / CELL_DEG) + 1
SLOT = 1 << 20  # listings one cell can hold
NOWHERE_CELL = GRID_ROWS * GRID_COLUMNS  # listings without coordinates (virtual services)
RINGS_KM = (5.0, 45.0)  # stage 1 looks this near first, and this far at most before everywhere


def cell_of(latitude, longitude) -> int:
    if latitude is None or longitude is None:
        return NOWHERE_CELL
    row = min(max(int((latitude + 90) // CELL_DEG), 0), GRID_ROWS - 1)
    column = int((longitude + 180) // CELL_DEG) % GRID_COLUMNS
    return row * GRID_COLUMNS + column


def area_sql(column: str, near: tuple[float, float], km: float) -> tuple[str, list]:
    """A condition on a listing id column: the listing lies in a cell within `km` of `near`.

    One id range for the band of cell rows (which the index seeks to) and, unless the box spans
    the globe, a test of each id's cell column."""
    lat0, lon0 = near
    dlat = km / KM_PER_DEGREE
    first_row = min(max(int((lat0 - dlat + 90) // CELL_DEG), 0), GRID_ROWS - 1)
    last_row = min(max(int((lat0 + dlat + 90) // CELL_DEG), 0), GRID_ROWS - 1)
    sql = f"{column} BETWEEN %s AND %s"
    params: list = [first_row * GRID_COLUMNS * SLOT, (last_row + 1) * GRID_COLUMNS * SLOT - 1]
    kx = KM_PER_DEGREE * math.cos(math.radians(min(abs(lat0) + dlat, 90.0)))
    dlon = km / kx if kx > 1e-6 else 360.0
    if dlon < 180:
        west = int((lon0 - dlon + 180) // CELL_DEG)
        east = int((lon0 + dlon + 180) // CELL_DEG)
        cell_column = f"({column} / {SLOT}) %% {GRID_COLUMNS}"
        if west < 0 or east >= GRID_COLUMNS:  # across the antimeridian
            sql += f" AND {cell_column} NOT BETWEEN %s AND %s"
            params += [east % GRID_COLUMNS + 1, west % GRID_COLUMNS - 1]
        else:
            sql += f" AND {cell_column} BETWEEN %s AND %s"
            params += [west, east]
    return sql, params


def id_ranges(near: tuple[float, float], km: float) -> list[tuple[int, int]]:
    """Inclusive listing id ranges covering the cells within `km` of `near`: one per row of
    cells (fewer where whole rows run together), for a B-tree on the id to OR together."""
    lat0, lon0 = near
    dlat = km / KM_PER_DEGREE
    first_row = min(max(int((lat0 - dlat + 90) // CELL_DEG), 0), GRID_ROWS - 1)
    last_row = min(max(int((lat0 + dlat + 90) // CELL_DEG), 0), GRID_ROWS - 1)
    kx = KM_PER_DEGREE * math.cos(math.radians(min(abs(lat0) + dlat, 90.0)))
    dlon = km / kx if kx > 1e-6 else 360.0
    if dlon >= 180:
        spans = [(0, GRID_COLUMNS - 1)]
    else:
        west = int((lon0 - dlon + 180) // CELL_DEG)
        east = int((lon0 + dlon + 180) // CELL_DEG)
        if west < 0 or east >= GRID_COLUMNS:  # across the antimeridian
            spans = [(0, east % GRID_COLUMNS), (west % GRID_COLUMNS, GRID_COLUMNS - 1)]
        else:
            spans = [(west, east)]
    ranges: list[tuple[int, int]] = []
    for row in range(first_row, last_row + 1):
        for west, east in spans:
            low = (row * GRID_COLUMNS + west) * SLOT
            high = (row * GRID_COLUMNS + east + 1) * SLOT - 1
            if ranges and ranges[-1][1] + 1 >= low:
                ranges[-1] = (ranges[-1][0], high)
            else:
                ranges.append((low, high))
    return ranges


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


# --- searching -----------------------------------------------------------------------------------


@dataclass
class Query:
    text: str = ""
    needs: tuple = ()  # TaxonomyTerm ids
    languages: tuple = ()  # BCP 47 tags
    cost: str = ""  # Cost.FREE to see only free services
    age: int | None = None
    open_now: bool = False
    near: tuple[float, float] | None = None
    within_km: float | None = None
    at: dt.datetime | None = None  # "now", for tests


@dataclass
class Result:
    service: object
    location: object | None
    distance_km: float | None
    score: float
    reasons: list = field(default_factory=list)
    open_now: bool | None = None
    languages: list = field(default_factory=list)
    spoken: list = field(default_factory=list)  # (tag, name in the active language)
    hours: list = field(default_factory=list)
    address: str = ""
    phone: object | None = None

    @property
    def distance_miles(self):
        return None if self.distance_km is None else self.distance_km / 1.609344


def query_words(text: str) -> list[tuple[str, str | None]]:
    """(word, English need word or None) for each word typed, accents folded, at most six."""
    out = []
    for word in _WORD.findall(needs.fold(text))[:6]:
        if len(word) < 2 and not word.isdigit():
            continue
        english = needs.english_for(word)
        out.append((word, english if english and english != word else None))
    return out


def _open_patterns(now: dt.datetime) -> list[int]:
    from liaison.resources.models import HoursPattern

    ids = []
    minute_cache = {}
    for pattern in HoursPattern.objects.all():
        if pattern.time_zone not in minute_cache:
            try:
                local = now.astimezone(zoneinfo.ZoneInfo(pattern.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                continue
            minute_cache[pattern.time_zone] = (
                local.weekday() * 1440 + local.hour * 60 + local.minute
            )
        minute = minute_cache[pattern.time_zone]
        for start, end in pattern.intervals():
            if start <= minute < end or start <= minute + 10080 < end:
                ids.append(pattern.id)
                break
    return ids


def _facets(q: Query) -> list[list[str]]:
    """Groups of facet tokens: any token of a group, every group."""
    groups = []
    if q.needs:
        groups.append([term_token(t) for t in q.needs])
    if q.languages:
        groups.append([language_token(code) for code in q.languages])
    if q.cost == Cost.FREE:
        groups.append([cost_token(Cost.FREE)])
    return groups


def _typing(words, text: str) -> list[bool]:
    """Which words to match as prefixes: the one being typed (the last, unless a space follows it),
    and never two letters ("fo" as a prefix would match every "for"). Earlier words are whole,
    which also spares the index merging every word that starts like a common one."""
    typing = bool(text) and not text[-1].isspace()
    return [typing and i == len(words) - 1 for i in range(len(words))]


def _fts5_match(words, groups, text: str = "") -> str:
    parts = []
    for (word, english), prefix in zip(words, _typing(words, text), strict=True):
        alternatives = [f'"{word}"' + ("*" if prefix and len(word) > 2 else "")]
        alternatives += [f'"{english}"' + ("*" if prefix else "")] if english else []
        parts.append("{name body} : (" + " OR ".join(alternatives) + ")")
    for group in groups:
        parts.append("facets : (" + " OR ".join(group) + ")")
    return " AND ".join(parts)


def _pg_word(word: str) -> str:
    return re.sub(r"\W", "", word)


def _pg_queries(words, groups, text: str = "") -> tuple[str, str]:
    ored = []
    for (word, english), prefix in zip(words, _typing(words, text), strict=True):
        terms = [
            _pg_word(w) + (":*" if prefix and len(w) > 2 else "")
            for w in [word, english]
            if w and _pg_word(w)
        ]
        if terms:
            ored.append("(" + " | ".join(terms) + ")")
    facets = " & ".join("(" + " | ".join(group) + ")" for group in groups)
    return " & ".join(ored), facets


def _filters(q: Query) -> tuple[list[str], list]:
    """Conditions on the listing columns (age, opening hours) that every stage-1 query adds."""
    where, params = [], []
    if q.age is not None:
        where.append("(l.minimum_age IS NULL OR l.minimum_age <= %s)")
        where.append("(l.maximum_age IS NULL OR l.maximum_age >= %s)")
        params += [q.age, q.age]
    if q.open_now:
        open_ids = _open_patterns(q.at or timezone.now()) or [0]
        where.append(f"l.hours_id IN ({','.join(str(int(i)) for i in open_ids)})")
    return where, params


def _distance_sql(q: Query) -> tuple[str, list]:
    """Squared kilometres from the household (flat-earth: fine for ordering a nearby pool)."""
    if not q.near:
        return "0", []
    lat0, lon0 = q.near
    kx = KM_PER_DEGREE * math.cos(math.radians(lat0))
    sql = (
        "COALESCE(((l.latitude - %s) * %s) * ((l.latitude - %s) * %s) + "
        "((l.longitude - %s) * %s) * ((l.longitude - %s) * %s), %s)"
    )
    return sql, [lat0, KM_PER_DEGREE, lat0, KM_PER_DEGREE, lon0, kx, lon0, kx, NO_COORDINATES_KM**2]


def _pool(q: Query, words, groups, km: float | None, limit: int) -> list[tuple]:
    """Stage 1 within `km` of the household (None: everywhere): the `limit` best listings."""
    where, params = _filters(q)
    distance, dparams = _distance_sql(q)
    scale = DISTANCE_SCALE_KM**2
    columns = "l.id, l.service_id, l.location_id, l.latitude, l.longitude, l.facet_text"
    near, nowhere = "", False
    nparams: list = []
    ranges: list = []
    if km is not None and q.near:
        near, nparams = area_sql("{id}", q.near, km)
        ranges = id_ranges(q.near, km)
        nowhere = km >= NO_COORDINATES_KM  # virtual services rank as if this far away
        if nowhere:
            ranges.append((NOWHERE_CELL * SLOT, (NOWHERE_CELL + 1) * SLOT - 1))

    def around(column: str) -> tuple[list[str], list]:
        """The area as id ranges ORed: PostgreSQL ANDs their bitmap with the text index's."""
        if not ranges:
            return [], []
        sql = " OR ".join(f"{column} BETWEEN %s AND %s" for _ in ranges)
        return [f"({sql})"], [bound for pair in ranges for bound in pair]

    if not words and not groups:
        area, aparams = around("l.id")
        order = f"{distance}, l.id" if q.near else "l.name_text, l.id"
        sql = (
            f"SELECT {columns}, 1.0 FROM resources_listing l "  # noqa: S608
            f"WHERE {' AND '.join([*area, *where]) or '1=1'} ORDER BY {order} LIMIT %s"
        )
        return _fetch(sql, [*aparams, *params, *(dparams if q.near else []), limit])
    if connection.vendor == "postgresql":
        text, facets = _pg_queries(words, groups, q.text)
        tsq = ["to_tsquery('english', %s)"] * bool(text) + ["to_tsquery('simple', %s)"] * bool(
            facets
        )
        rank = "ts_rank('{0, 0.1, 0.4, 1.0}', l.document, q.q)" if text else "1.0"
        area, aparams = around("l.id")
        sql = (
            f"SELECT {columns}, {rank} FROM resources_listing l, "  # noqa: S608
            f"(SELECT {' && '.join(tsq)} AS q) q "
            f"WHERE {' AND '.join(['l.document @@ q.q', *area, *where])} "
            f"ORDER BY {rank} / (1.0 + {distance} / {scale}) DESC, l.id LIMIT %s"
        )
        qparams = [text] * bool(text) + [facets] * bool(facets)
        return _fetch(sql, [*qparams, *aparams, *params, *dparams, limit])
    # FTS5 seeks to the band of rows by rowid and tests each match's cell column before it
    # scores it, so bm25 runs for the listings near the household only.
    match = _fts5_match(words, groups, q.text)
    rank = "-bm25(resources_listing_fts, 10.0, 2.0, 0.0)" if words else "1.0"
    scan = (
        f"SELECT rowid AS id, {rank} AS rel FROM resources_listing_fts "  # noqa: S608
        "WHERE resources_listing_fts MATCH %s"
    )
    inner, iparams = scan, [match]
    if near:
        inner, iparams = f"{scan} AND {near.format(id='rowid')}", [match, *nparams]
        if nowhere:  # a separate scan: an OR would hide the rowid range from FTS5
            inner += f" UNION ALL {scan} AND rowid >= %s"
            iparams += [match, NOWHERE_CELL * SLOT]
    sql = (
        f"SELECT {columns}, f.rel FROM ({inner}) f "  # noqa: S608
        f"JOIN resources_listing l ON l.id = f.id WHERE {' AND '.join(where) or '1=1'} "
        f"ORDER BY f.rel / (1.0 + {distance} / {scale}) DESC, l.id LIMIT %s"
    )
    return _fetch(sql, [*iparams, *params, *dparams, limit])


def _fetch(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _candidates(q: Query, limit: int) -> list[tuple]:
    """Stage 1: (listing id, service id, location id, latitude, longitude, facets, relevance) of
    at most `limit` listings, best first. Near a household it looks in widening rings (the cells
    around it) and stops at the first ring that fills the pool, so a common word costs the
    listings of one neighbourhood, not of the whole directory."""
    words = query_words(q.text)
    groups = _facets(q)
    if not q.near:
        return _pool(q, words, groups, None, limit)
    last = q.within_km or None
    km = min(RINGS_KM[0], q.within_km or RINGS_KM[0])
    while True:
        rows = _pool(q, words, groups, km, limit)
        if len(rows) >= limit or km == last:
            return rows
        # Widen as far as the matches found so far suggest the pool needs (they thin out as the
        # square of the distance), at least threefold; past the last ring, look everywhere.
        wanted = km * math.sqrt(1.5 * limit / len(rows)) if rows else math.inf
        km = max(km * 3, wanted)
        if km > RINGS_KM[-1] or (q.within_km and km >= q.within_km):
            km = last


def _uuid(value):
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def search_services(query: Query | None = None, *, limit: int = 20, **kwargs) -> list[Result]:
    """Services matching the query, best first, one result per service (its nearest location),
    each saying why it matched, with its languages, hours and whether it is open now."""
    q = query or Query(**kwargs)
    rows = _candidates(q, limit * 3)
    best: dict = {}
    for _listing, service_id, location_id, lat, lon, facets, rel in rows:
        service_id = _uuid(service_id)  # SQLite hands back UUIDs as hex text
        location_id = _uuid(location_id) if location_id else None
        km = haversine_km(q.near[0], q.near[1], lat, lon) if q.near and lat is not None else None
        if q.within_km and (km is None or km > q.within_km):
            continue
        score = (
            float(rel or 0)
            / (1 + ((km if km is not None else NO_COORDINATES_KM) / DISTANCE_SCALE_KM) ** 2)
            if q.near
            else float(rel or 0)
        )
        if service_id not in best or score > best[service_id][0]:
            best[service_id] = (score, location_id, km, facets)
    ranked = sorted(best.items(), key=lambda kv: -kv[1][0])[:limit]
    return _hydrate(q, ranked)


def _hydrate(q: Query, ranked) -> list[Result]:
    """Stage 2's second half: load the page's rows only, a fixed handful of queries."""
    from liaison.resources.models import (
        Address,
        Location,
        Phone,
        Schedule,
        Service,
        TaxonomyTerm,
    )

    if not ranked:
        return []
    service_ids = [sid for sid, _ in ranked]
    location_ids = [v[1] for _, v in ranked if v[1]]
    services = {
        s.id: s for s in Service.objects.filter(id__in=service_ids).select_related("organization")
    }
    locations = {loc.id: loc for loc in Location.objects.filter(id__in=location_ids)}
    addresses: dict = {}
    for address in Address.objects.filter(location_id__in=location_ids).order_by("id"):
        addresses.setdefault(address.location_id, address)
    # Hours and phones of the service, or else (only where it has none) of its location.
    hours: dict = {}
    for schedule in Schedule.objects.filter(service_id__in=service_ids).order_by("id"):
        hours.setdefault(schedule.service_id, []).append(schedule)
    phones: dict = {}
    for phone in Phone.objects.filter(service_id__in=service_ids).order_by("id"):
        phones.setdefault(phone.service_id, phone)
    bare = [v[1] for sid, v in ranked if v[1] and sid not in hours]
    for schedule in Schedule.objects.filter(location_id__in=bare).order_by("id") if bare else []:
        hours.setdefault(schedule.location_id, []).append(schedule)
    no_phone = [v[1] for sid, v in ranked if v[1] and sid not in phones]
    for phone in Phone.objects.filter(location_id__in=no_phone).order_by("id") if no_phone else []:
        phones.setdefault(phone.location_id, phone)
    wanted_needs = (
        {t.id: t for t in TaxonomyTerm.objects.filter(id__in=list(q.needs))} if q.needs else {}
    )
    words = query_words(q.text)
    now = q.at or timezone.now()
    out = []
    for sid, (score, location_id, km, facets) in ranked:
        service = services.get(sid)
        if service is None:
            continue
        location = locations.get(location_id)
        result = Result(service=service, location=location, distance_km=km, score=score)
        tokens = (facets or "").split()
        result.languages = sorted(t[2:] for t in tokens if t.startswith("zl"))
        result.spoken = [(tag, language_name(tag)) for tag in result.languages]
        schedules = hours.get(sid) or hours.get(location_id, [])
        result.hours = describe_hours(schedules)
        zone = location.zone if location else zoneinfo.ZoneInfo(settings.TIME_ZONE)
        result.open_now = is_open(schedules, now.astimezone(zone)) if schedules else None
        if location_id in addresses:
            result.address = addresses[location_id].text
        result.phone = phones.get(sid) or phones.get(location_id)
        result.reasons = _reasons(q, words, service, result, wanted_needs)
        out.append(result)
    return out


def _reasons(q, words, service, result, wanted_needs) -> list[str]:
    """Why this service is in the list, in the words a liaison or a family would use."""
    reasons = []
    name_words = _WORD.findall(needs.fold(f"{service.name} {service.alternate_name}"))
    other_words = _WORD.findall(
        needs.fold(
            f"{service.description} {service.organization.name} {service.eligibility_description}"
        )
    )
    for word, english in words:
        for candidate in [word, english]:
            if not candidate:
                continue
            if any(w.startswith(candidate) for w in name_words):
                reasons.append(_("Name matches “%(word)s”") % {"word": candidate})
                break
            if any(w.startswith(candidate) for w in other_words):
                reasons.append(_("Description mentions “%(word)s”") % {"word": candidate})
                break
        else:
            reasons.append(_("Listed under a need matching “%(word)s”") % {"word": word})
        if english:
            reasons.append(
                _("“%(word)s” read as “%(english)s”") % {"word": word, "english": english}
            )
    for term in wanted_needs.values():
        reasons.append(_("Need: %(need)s") % {"need": term.name})
    for code in q.languages:
        if standard_language(code) in result.languages:
            reasons.append(_("Speaks %(language)s") % {"language": language_name(code)})
    if q.cost == Cost.FREE:
        reasons.append(_("Free"))
    if q.age is not None:
        reasons.append(_("Serves age %(age)s") % {"age": q.age})
    if q.open_now and result.open_now:
        reasons.append(_("Open now"))
    if result.distance_km is not None:
        reasons.append(_("%(miles).1f miles away") % {"miles": result.distance_miles})
    return reasons


def language_name(tag: str) -> str:
    """The language's name in the active language (remembered: a page names the same few)."""
    return _language_name(tag, translation.get_language() or "en")


@cache
def _language_name(tag: str, in_language: str) -> str:
    from liaison.core.validators import language_name

    return language_name(tag, in_language)


@cache
def _day_names(locale: str):
    import babel.dates

    try:
        return babel.dates.get_day_names("abbreviated", locale=locale.replace("-", "_"))
    except Exception:  # an unknown locale falls back to English
        return babel.dates.get_day_names("abbreviated", locale="en")


def describe_hours(schedules) -> list[str]:
    """ "Mon–Fri 9:00–17:00" lines, in the active language's day names."""

    names = _day_names(translation.get_language() or "en")
    lines = []
    for s in schedules:
        if s.opens_at and s.closes_at:
            days = [
                d.strip().upper()
                for d in (s.byday or "").split(",")
                if d.strip() in DAYS or d.strip().upper() in DAYS
            ]
            day_text = ", ".join(names[DAYS.index(d)] for d in days) if days else _("Every day")
            lines.append(f"{day_text} {s.opens_at:%H:%M}–{s.closes_at:%H:%M}")
        elif s.description:
            lines.append(s.description)
    return lines


def is_open(schedules, local: dt.datetime) -> bool:
    minute = local.weekday() * 1440 + local.hour * 60 + local.minute
    spec = weekly_hours(
        [
            {
                "freq": s.freq,
                "byday": s.byday,
                "opens_at": s.opens_at,
                "closes_at": s.closes_at,
                "valid_to": s.valid_to,
            }
            for s in schedules
        ]
    )
    for part in spec.split():
        day, span = part.split(":")
        start, end = (int(x) + int(day) * 1440 for x in span.split("-"))
        if start <= minute < end or start <= minute + 10080 < end:
            return True
    return False
