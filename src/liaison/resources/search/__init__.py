"""Finding services: one function, `search_services`, over two full-text engines.

Each active service gets one listing per location (or one with no location) carrying its words
(name; description, organisation, needs, eligibility) and facet tokens for the filters (needs with
their parent needs, languages spoken, cost). SQLite matches them with FTS5 and ranks with bm25;
PostgreSQL with a generated tsvector, a GIN index and ts_rank. Both then weigh relevance by
distance from the household (haversine on stored coordinates; nothing is geocoded at run time):
score = relevance / (1 + (km / 10)²), so a good match across town still beats a poor one next door.
Age and "open now" (weekly hours in the location's zone) are plain column filters.

The package: index.py builds and keeps the listings, query.py searches them, geography.py holds
distances and the map cells that number the listings, hours.py weekly opening hours.
"""

from liaison.resources.search.geography import cell_of, haversine_km
from liaison.resources.search.hours import describe_hours, is_open, weekly_hours
from liaison.resources.search.index import (
    rebuild,
    rebuild_if_missing,
    reindex_services,
    standard_language,
)
from liaison.resources.search.query import Query, Result, language_name, search_services

__all__ = [
    "Query",
    "Result",
    "cell_of",
    "describe_hours",
    "haversine_km",
    "is_open",
    "language_name",
    "rebuild",
    "rebuild_if_missing",
    "reindex_services",
    "search_services",
    "standard_language",
    "weekly_hours",
]
