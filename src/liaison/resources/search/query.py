"""Searching the index: the candidates by text, facets and distance, ranked and explained."""

import datetime as dt
import math
import re
import uuid
import zoneinfo
from dataclasses import dataclass, field
from functools import cache

from django.conf import settings
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from liaison.resources import needs
from liaison.resources.choices import Cost
from liaison.resources.search.geography import (
    KM_PER_DEGREE,
    NOWHERE_CELL,
    RINGS_KM,
    SLOT,
    area_sql,
    haversine_km,
    id_ranges,
)
from liaison.resources.search.hours import describe_hours, is_open, open_patterns
from liaison.resources.search.index import cost_token, language_token, standard_language, term_token

DISTANCE_SCALE_KM = 10.0
NO_COORDINATES_KM = 20.0  # virtual services and unknown places rank as if this far
_WORD = re.compile(r"\w+", re.UNICODE)


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
        open_ids = open_patterns(q.at or timezone.now()) or [0]
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
