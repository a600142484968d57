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

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Prefetch
from django.utils import timezone, translation
from django.utils.translation import gettext as _

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
def base_language(code: str) -> str:
    """'eng' → 'en', 'spa' → 'es', 'zh-Hant' → 'zh': the primary BCP 47 subtag."""
    code = (code or "").strip()
    if not code:
        return ""
    try:
        import langcodes

        return langcodes.Language.get(langcodes.standardize_tag(code)).language or ""
    except (ValueError, LookupError):
        return code.split("-")[0].lower()


def _token(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def term_token(term_id) -> str:
    return "zt" + str(term_id).replace("-", "")


def language_token(code: str) -> str:
    return "zl" + _token(base_language(code))


def cost_token(cost: str) -> str:
    return "zc" + _token(cost)


# --- building the listings ---------------------------------------------------------------------


def weekly_hours(schedules: Iterable[dict]) -> str:
    """The weekly opening pattern ("0:540-1020 ...") of HSDS schedules with byday/opens_at/closes_at."""
    today = timezone.localdate()
    spans = set()
    for s in schedules:
        if s["freq"] not in ("", "WEEKLY") or not s["opens_at"] or not s["closes_at"]:
            continue
        if s["valid_to"] and s["valid_to"] < today:
            continue
        start = s["opens_at"].hour * 60 + s["opens_at"].minute
        end = s["closes_at"].hour * 60 + s["closes_at"].minute
        if end <= start:
            end += 1440  # closes after midnight
        days = [d.strip().upper() for d in (s["byday"] or "").split(",") if d.strip()]
        for day in days or DAYS:
            if day in DAYS:
                spans.add((DAYS.index(day), start, end))
    return " ".join(f"{d}:{a}-{b}" for d, a, b in sorted(spans))


def _listing_data(service_ids=None):
    """Listing rows (unsaved) and their hours specs, from a handful of queries."""
    from liaison.resources.models import (
        Attribute,
        Language,
        Listing,
        Location,
        Phone,
        Schedule,
        Service,
        ServiceAtLocation,
        TaxonomyTerm,
    )

    services = Service.objects.searchable()
    if service_ids is not None:
        services = services.filter(id__in=list(service_ids))
    service_rows = list(
        services.values_list(
            "id",
            "name",
            "alternate_name",
            "description",
            "eligibility_description",
            "minimum_age",
            "maximum_age",
            "cost",
            "organization__name",
        )
    )
    ids = [r[0] for r in service_rows]

    def by_service(qs, *fields):
        if service_ids is not None:
            qs = qs.filter(service_id__in=ids)
        return qs.values_list(*fields)

    sal = {}
    sal_ids = {}
    for sal_id, service_id, location_id in by_service(
        ServiceAtLocation.objects.all(), "id", "service_id", "location_id"
    ):
        sal.setdefault(service_id, []).append(location_id)
        sal_ids[(service_id, location_id)] = sal_id
    location_ids = {loc for locs in sal.values() for loc in locs}
    locations_qs = Location.objects.all()
    if service_ids is not None:
        locations_qs = locations_qs.filter(id__in=location_ids)
    locations = {
        r[0]: r
        for r in locations_qs.values_list(
            "id", "name", "latitude", "longitude", "time_zone", "addresses__city"
        )
    }
    parents = dict(TaxonomyTerm.objects.values_list("id", "parent_id"))
    term_names = dict(TaxonomyTerm.objects.values_list("id", "name"))
    terms: dict = {}
    attrs = Attribute.objects.filter(link_entity="service")
    if service_ids is not None:
        attrs = attrs.filter(link_id__in=ids)
    for link_id, term_id in attrs.values_list("link_id", "taxonomy_term_id"):
        seen = 0
        while term_id and seen < 10:
            terms.setdefault(link_id, set()).add(term_id)
            term_id, seen = parents.get(term_id), seen + 1
    langs: dict = {}
    lang_qs = Language.objects.all()
    phone_owner = {}
    for phone_id, service_id, location_id in Phone.objects.values_list(
        "id", "service_id", "location_id"
    ):
        phone_owner[phone_id] = service_id or location_id
    for service_id, location_id, phone_id, code in lang_qs.values_list(
        "service_id", "location_id", "phone_id", "code"
    ):
        owner = service_id or location_id or phone_owner.get(phone_id)
        if owner and code:
            langs.setdefault(owner, set()).add(base_language(code))
    schedules: dict = {}
    for row in Schedule.objects.values(
        "service_id",
        "location_id",
        "service_at_location_id",
        "freq",
        "byday",
        "opens_at",
        "closes_at",
        "valid_to",
    ):
        owner = row["service_at_location_id"] or row["service_id"] or row["location_id"]
        schedules.setdefault(owner, []).append(row)

    default_zone = settings.TIME_ZONE
    out = []
    for sid, name, alt, description, eligibility, lo, hi, cost, org_name in service_rows:
        service_terms = terms.get(sid, set())
        words = [alt, org_name, description, eligibility]
        words += [term_names.get(t, "") for t in service_terms]
        for location_id in sal.get(sid) or [None]:
            loc = locations.get(location_id)
            spoken = langs.get(sid, set()) | (
                langs.get(location_id, set()) if location_id else set()
            )
            facets = {term_token(t) for t in service_terms}
            facets |= {"zl" + _token(code) for code in spoken if code}
            if cost:
                facets.add(cost_token(cost))
            facets.add("zall")
            zone = (loc[4] if loc else "") or default_zone
            owner_schedules = (
                schedules.get(sal_ids.get((sid, location_id)))
                or schedules.get(sid)
                or (schedules.get(location_id) if location_id else None)
                or []
            )
            body = " ".join(w for w in [*words, loc[1] if loc else "", loc[5] if loc else ""] if w)
            out.append(
                (
                    Listing(
                        service_id=sid,
                        location_id=location_id,
                        latitude=loc[2] if loc else None,
                        longitude=loc[3] if loc else None,
                        time_zone=zone,
                        minimum_age=lo,
                        maximum_age=hi,
                        name_text=name,
                        body_text=body[:4000],
                        facet_text=" ".join(sorted(facets)),
                    ),
                    weekly_hours(owner_schedules),
                )
            )
    return out


def _save_listings(pairs) -> list:
    from liaison.resources.models import HoursPattern, Listing

    wanted = {(lst.time_zone, spec) for lst, spec in pairs if spec}
    patterns = {(p.time_zone, p.spec): p.id for p in HoursPattern.objects.all()}
    missing = [HoursPattern(time_zone=z, spec=s) for z, s in wanted if (z, s) not in patterns]
    if missing:
        HoursPattern.objects.bulk_create(missing, ignore_conflicts=True)
        patterns = {(p.time_zone, p.spec): p.id for p in HoursPattern.objects.all()}
    listings = []
    for lst, spec in pairs:
        lst.hours_id = patterns.get((lst.time_zone, spec)) if spec else None
        listings.append(lst)
    return Listing.objects.bulk_create(listings, batch_size=2000)


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
            cursor.execute(f"{insert} WHERE id IN ({','.join('%s' for _ in chunk)})", chunk)


def rebuild() -> int:
    """Rebuild every listing and the text index; returns the number of listings."""
    from liaison.resources.models import Listing

    pairs = _listing_data()
    with transaction.atomic():
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("DELETE FROM resources_listing_fts")
            cursor.execute("DELETE FROM resources_listing")
        _save_listings(pairs)
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                _sqlite_fts_sync(cursor)
                cursor.execute(
                    "INSERT INTO resources_listing_fts(resources_listing_fts) VALUES('optimize')"
                )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE resources_listing")
    return Listing.objects.count()


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
        made = _save_listings(_listing_data(service_ids))
        if connection.vendor == "sqlite":
            ids = [m.pk for m in made]
            if ids and ids[0] is None:
                ids = list(
                    Listing.objects.filter(service_id__in=service_ids).values_list("id", flat=True)
                )
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


def _fts5_match(words, groups) -> str:
    parts = []
    for word, english in words:
        alternatives = [f'"{word}"*'] + ([f'"{english}"*'] if english else [])
        parts.append("{name body} : (" + " OR ".join(alternatives) + ")")
    for group in groups:
        parts.append("facets : (" + " OR ".join(group) + ")")
    return " AND ".join(parts)


def _pg_word(word: str) -> str:
    return re.sub(r"\W", "", word)


def _pg_queries(words, groups) -> tuple[str, str]:
    text = " & ".join(
        "(" + " | ".join(f"{_pg_word(w)}:*" for w in [word, english] if w and _pg_word(w)) + ")"
        for word, english in words
    )
    facets = " & ".join("(" + " | ".join(group) + ")" for group in groups)
    return text, facets


def _candidates(q: Query, limit: int) -> list[tuple]:
    """(listing id, service id, location id, latitude, longitude, relevance) best first."""
    words = query_words(q.text)
    groups = _facets(q)
    where, params = [], []
    if q.age is not None:
        where.append("(l.minimum_age IS NULL OR l.minimum_age <= %s)")
        where.append("(l.maximum_age IS NULL OR l.maximum_age >= %s)")
        params += [q.age, q.age]
    if q.open_now:
        open_ids = _open_patterns(q.at or timezone.now()) or [0]
        where.append(f"l.hours_id IN ({','.join(str(int(i)) for i in open_ids)})")
    distance = "0"
    dparams: list = []
    if q.near:
        lat0, lon0 = q.near
        kx = KM_PER_DEGREE * math.cos(math.radians(lat0))
        distance = (
            "COALESCE(((l.latitude - %s) * %s) * ((l.latitude - %s) * %s) + "
            "((l.longitude - %s) * %s) * ((l.longitude - %s) * %s), %s)"
        )
        dparams = [lat0, KM_PER_DEGREE, lat0, KM_PER_DEGREE, lon0, kx, lon0, kx]
        dparams.append(NO_COORDINATES_KM**2)
        if q.within_km:
            dlat = q.within_km / KM_PER_DEGREE
            dlon = q.within_km / max(kx, 1e-6)
            where.append("l.latitude BETWEEN %s AND %s AND l.longitude BETWEEN %s AND %s")
            params += [lat0 - dlat, lat0 + dlat, lon0 - dlon, lon0 + dlon]
    scale = DISTANCE_SCALE_KM**2
    extra = "".join(f" AND {w}" for w in where)
    with connection.cursor() as cursor:
        if not words and not groups:
            order = "l.name_text" if not q.near else f"{distance}"
            sql = (
                f"SELECT l.id, l.service_id, l.location_id, l.latitude, l.longitude, 1.0 "  # noqa: S608
                f"FROM resources_listing l WHERE 1=1{extra} ORDER BY {order} LIMIT %s"
            )
            cursor.execute(sql, [*params, *(dparams if q.near else []), limit])
            return cursor.fetchall()
        if connection.vendor == "postgresql":
            text, facets = _pg_queries(words, groups)
            tsq = []
            qparams = []
            if text:
                tsq.append("to_tsquery('english', %s)")
                qparams.append(text)
            if facets:
                tsq.append("to_tsquery('simple', %s)")
                qparams.append(facets)
            tsquery = " && ".join(tsq)
            rank = "ts_rank('{0, 0.1, 0.4, 1.0}', l.document, q.q)" if text else "1.0"
            sql = (
                f"SELECT l.id, l.service_id, l.location_id, l.latitude, l.longitude, {rank} AS rel "  # noqa: S608
                f"FROM resources_listing l, (SELECT {tsquery} AS q) q "
                f"WHERE l.document @@ q.q{extra} "
                f"ORDER BY {rank} / (1.0 + {distance} / {scale}) DESC, l.id LIMIT %s"
            )
            cursor.execute(sql, [*qparams, *params, *dparams, limit])
            return cursor.fetchall()
        match = _fts5_match(words, groups)
        rank = "-bm25(resources_listing_fts, 10.0, 2.0, 0.0)" if words else "1.0"
        sql = (
            f"SELECT l.id, l.service_id, l.location_id, l.latitude, l.longitude, {rank} AS rel "  # noqa: S608
            f"FROM resources_listing_fts JOIN resources_listing l ON l.id = resources_listing_fts.rowid "
            f"WHERE resources_listing_fts MATCH %s{extra} "
            f"ORDER BY {rank} / (1.0 + {distance} / {scale}) DESC, l.id LIMIT %s"
        )
        cursor.execute(sql, [match, *params, *dparams, limit])
        return cursor.fetchall()


def _uuid(value):
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def search_services(query: Query | None = None, *, limit: int = 20, **kwargs) -> list[Result]:
    """Services matching the query, best first, one result per service (its nearest location),
    each saying why it matched, with its languages, hours and whether it is open now."""
    q = query or Query(**kwargs)
    rows = _candidates(q, limit * 3)
    best: dict = {}
    for _listing_id, service_id, location_id, lat, lon, rel in rows:
        service_id = _uuid(service_id)  # SQLite hands back UUIDs as hex text
        location_id = _uuid(location_id) if location_id else None
        km = haversine_km(q.near[0], q.near[1], lat, lon) if q.near and lat is not None else None
        score = (
            float(rel or 0)
            / (1 + ((km if km is not None else NO_COORDINATES_KM) / DISTANCE_SCALE_KM) ** 2)
            if q.near
            else float(rel or 0)
        )
        if service_id not in best or score > best[service_id][0]:
            best[service_id] = (score, location_id, km)
    ranked = sorted(best.items(), key=lambda kv: -kv[1][0])[:limit]
    return _hydrate(q, ranked)


def _hydrate(q: Query, ranked) -> list[Result]:
    from liaison.resources.models import Address, Location, Phone, Service, TaxonomyTerm

    if not ranked:
        return []
    service_ids = [sid for sid, _ in ranked]
    location_ids = [loc for _, (_, loc, _) in ranked if loc]
    services = {
        s.id: s
        for s in Service.objects.filter(id__in=service_ids)
        .select_related("organization")
        .prefetch_related(
            "languages",
            "schedules",
            Prefetch("phones", queryset=Phone.objects.order_by("id")),
        )
    }
    locations = {
        loc.id: loc
        for loc in Location.objects.filter(id__in=location_ids).prefetch_related(
            "languages",
            "schedules",
            Prefetch("addresses", queryset=Address.objects.order_by("id")),
            Prefetch("phones", queryset=Phone.objects.order_by("id")),
        )
    }
    wanted_needs = (
        {t.id: t for t in TaxonomyTerm.objects.filter(id__in=list(q.needs))} if q.needs else {}
    )
    words = query_words(q.text)
    now = q.at or timezone.now()
    out = []
    for sid, (score, location_id, km) in ranked:
        service = services.get(sid)
        if service is None:
            continue
        location = locations.get(location_id)
        result = Result(service=service, location=location, distance_km=km, score=score)
        spoken = {base_language(x.code) for x in service.languages.all() if x.code}
        if location:
            spoken |= {base_language(x.code) for x in location.languages.all() if x.code}
        result.languages = sorted(c for c in spoken if c)
        schedules = list(service.schedules.all()) or (
            list(location.schedules.all()) if location else []
        )
        result.hours = describe_hours(schedules)
        zone = location.zone if location else zoneinfo.ZoneInfo(settings.TIME_ZONE)
        result.open_now = is_open(schedules, now.astimezone(zone)) if schedules else None
        if location:
            addresses = list(location.addresses.all())
            result.address = addresses[0].text if addresses else ""
        phones = list(service.phones.all()) or (list(location.phones.all()) if location else [])
        result.phone = phones[0] if phones else None
        result.reasons = _reasons(q, words, service, result, wanted_needs)
        out.append(result)
    return out


def _reasons(q, words, service, result, wanted_needs) -> list[str]:
    """Why this service is in the list, in the words a liaison or a family would use."""
    from liaison.core.validators import language_name

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
        if base_language(code) in result.languages:
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


def describe_hours(schedules) -> list[str]:
    """ "Mon–Fri 9:00–17:00" lines, in the active language's day names."""
    import babel.dates

    locale = translation.get_language() or "en"
    try:
        names = babel.dates.get_day_names("abbreviated", locale=locale.replace("-", "_"))
    except Exception:
        names = babel.dates.get_day_names("abbreviated", locale="en")
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
