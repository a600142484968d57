"""Finding a household by any member's name, phone or email, or a child's name, while the liaison types.

Each household has a set of normalised words (SearchTerm rows). A query matches households that have,
for every word typed, a term starting with it; when that finds too little, words of three letters or
more also match terms that start within one or two typos of them ("Ngyuen" finds "Nguyen").

A person's results are kept (core/kept.py; people.views.search) under the versions of TABLES in
their districts: the terms they are found by and the families, members, sites and assignments
they show. Nothing else: a text, a call or a delivery written meanwhile leaves them kept.
"""

import functools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.db.models import Exists, OuterRef
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from liaison.core import kept
from liaison.core.db import analyze_on_postgresql, delete_rows, insert_rows, rows_where_in
from liaison.people.models import (
    District,
    Guardian,
    Household,
    HouseholdAssignment,
    SearchTerm,
    Student,
)

# What the results read: the terms, the families and their label (guardians, children), the site,
# whether the family is on the reader's caseload (assignments). The policy's scope tables among
# them are named too: the scope version follows only who sees whom, not a renamed guardian.
TABLES = kept.group(
    "people-search",
    [
        "people.SearchTerm",
        "people.District",
        "people.Site",
        "people.Household",
        "people.Guardian",
        "people.Student",
        "people.HouseholdAssignment",
    ],
)

MAX_TERM = 64
SUFFIX_LENGTHS = (4, 5, 6)
_WORD = re.compile(r"[\w@.+'-]+", re.UNICODE)


def normalize(text: str) -> str:
    """Lower-case, without accents, so 'José' and 'jose' meet."""
    text = text or ""
    if text.isascii():
        return text.lower()  # nothing to decompose (and casefold is lower on ASCII): most names
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def words(text: str) -> list[str]:
    out = []
    for word in _WORD.findall(normalize(text)):
        word = word.strip(".'-")
        if word:
            out.append(word[:MAX_TERM])
    return out


@functools.lru_cache(maxsize=65536)
def _name_words(name: str) -> tuple[str, ...]:
    # Names repeat across a district (given names, family names): an import indexing a hundred
    # thousand households normalises each distinct one once.
    return tuple(words(name))


def phone_terms(e164: str) -> list[str]:
    digits = re.sub(r"\D", "", e164 or "")
    if not digits:
        return []
    # Full international digits, the national number (without a leading country code 1), and the
    # seven-digit local number people often give without the area code.
    national = digits[1:] if digits.startswith("1") and len(digits) == 11 else digits
    terms = {digits, national}
    if len(national) == 10:
        terms.add(national[3:])
    # The last four to six digits: a liaison reads "the number ending 0142" off a note or a
    # caller's screen. Prefix matching on these suffixes finds the household by its last 4+ digits.
    for n in SUFFIX_LENGTHS:
        if len(national) > n:
            terms.add(national[-n:])
    return list(terms)


def email_terms(email: str) -> list[str]:
    email = normalize(email).strip()
    if not email:
        return []
    local = email.split("@", 1)[0]
    return list({email[:MAX_TERM], local[:MAX_TERM]})


def household_terms(
    name: str, guardians: Iterable[Sequence], students: Iterable[Sequence]
) -> set[str]:
    """The terms of a household: `guardians` are (given, family, preferred, phone, alt_phone,
    email, alt_email) tuples, `students` (given, family, preferred)."""
    terms = set(words(name))
    # Words never run across the space between name parts, so each part is split on its own.
    for given, family, preferred, phone, alt_phone, email, alt_email in guardians:
        terms.update(_name_words(given), _name_words(family), _name_words(preferred))
        for number in (phone, alt_phone):
            terms.update(phone_terms(number))
        for address in (email, alt_email):
            terms.update(email_terms(address))
    for given, family, preferred in students:
        terms.update(_name_words(given), _name_words(family), _name_words(preferred))
    return {t for t in terms if t}


GUARDIAN_COLUMNS = (
    "given_name",
    "family_name",
    "preferred_name",
    "phone",
    "alt_phone",
    "email",
    "alt_email",
)
STUDENT_COLUMNS = ("given_name", "family_name", "preferred_name")
STATISTICS_AFTER_TERMS = 5000  # a reindex that wrote more new terms shows the planner them


def reindex(
    household_ids: Iterable[int], batch_size: int = 2000, *, fresh: Iterable[int] = ()
) -> None:
    """Rebuild the search terms of these households (after imports, edits and merges).

    Works on plain rows and writes only the terms that changed: an import refreshes tens of
    thousands of households, most of them with the same terms as before. `fresh` names households
    created in the caller's transaction, which have no terms yet: theirs are written without
    looking for stored ones (a first import of a district is all fresh households). After
    STATISTICS_AFTER_TERMS new terms PostgreSQL's planner is shown them (ANALYZE): with the
    statistics of an empty index, a liaison's search nested-looped their site's households over
    every term of a surname (440 ms a query at 20,000 households, against 21 ms analysed).
    """
    ids = sorted(set(household_ids))
    fresh = set(fresh)
    added = 0
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size]
        households = {
            pk: (name, district)
            for pk, name, district in rows_where_in(
                Household, ["id", "name", "district_id"], "id", chunk
            )
        }
        guardians = defaultdict(list)
        for hid, *row in rows_where_in(
            Guardian, ["household_id", *GUARDIAN_COLUMNS], "household_id", chunk
        ):
            guardians[hid].append(row)
        students = defaultdict(list)
        for hid, *row in rows_where_in(
            Student, ["household_id", *STUDENT_COLUMNS], "household_id", chunk
        ):
            students[hid].append(row)
        wanted = {
            (hid, term, district)
            for hid, (name, district) in households.items()
            for term in household_terms(name, guardians[hid], students[hid])
        }
        stored = [hid for hid in chunk if hid not in fresh]
        have = {
            (hid, term, district): pk
            for pk, hid, term, district in rows_where_in(
                SearchTerm,
                ["id", "household_id", "term", "district_id_copy"],
                "household_id",
                stored,
            )
        }
        with transaction.atomic():
            gone = [(key[0], pk) for key, pk in have.items() if key not in wanted]
            delete_rows(
                SearchTerm, "id", [pk for _hid, pk in gone], households={h for h, _ in gone}
            )
            new = sorted(wanted.difference(have))
            insert_rows(SearchTerm, ["household_id", "term", "district_id_copy"], new)
            added += len(new)
    if added >= STATISTICS_AFTER_TERMS:
        analyze_on_postgresql(SearchTerm)


def _query_tokens(query: str) -> list[str]:
    query = query.strip()
    digits = re.sub(r"\D", "", query)
    # "(617) 555-01" is one phone fragment, not four words.
    if len(digits) >= 3 and len(digits) >= 0.6 * len(re.sub(r"\s", "", query)):
        return [digits[1:] if len(digits) == 11 and digits.startswith("1") else digits]
    return [w for w in words(query) if w][:6]


def _prefix(term: str) -> dict:
    return {"term__gte": term, "term__lt": term + "\U0010ffff"}


def _fuzzy_terms(token: str, district_ids) -> list[str]:
    if len(token) < 3 or any(ch.isdigit() or ch == "@" for ch in token):
        return []  # phone numbers and addresses are matched exactly: a near miss is someone else
    max_typos = 1 if len(token) < 6 else 2
    candidates = SearchTerm.objects.filter(district_id_copy__in=district_ids, **_prefix(token[0]))
    terms = list(candidates.values_list("term", flat=True).distinct()[:20000])
    heads = [t[: len(token)] for t in terms]
    hits = process.extract(
        token, heads, scorer=Levenshtein.distance, score_cutoff=max_typos, limit=500
    )
    return [terms[index] for _, _, index in hits]


def search_households(user, query: str, *, limit: int = 20) -> list[Household]:
    """Households visible to `user` matching `query`: exact prefix matches first, then near misses."""
    from liaison.core import policy

    tokens = _query_tokens(query)
    if not tokens or sum(len(t) for t in tokens) < 2:
        return []
    access = policy.access_for(user)
    district_ids = list(
        District.objects.values_list("id", flat=True) if access.superuser else access.district_ids
    )
    # A liaison's own families come first: they are who the liaison is most likely looking for.
    mine = Exists(
        HouseholdAssignment.objects.current().filter(household_id=OuterRef("pk"), staff=user)
    )
    base = (
        Household.objects.visible_to(user)
        .filter(district_id__in=district_ids)
        .annotate(is_mine=mine)
        .select_related("site")
        .prefetch_related("guardians", "students")
        .order_by("-is_mine", "-is_active", "name")
    )

    def matching(fuzzy: bool):
        qs = base
        for token in tokens:
            terms = SearchTerm.objects.filter(district_id_copy__in=district_ids, **_prefix(token))
            if fuzzy:
                near = _fuzzy_terms(token, district_ids)
                if near:
                    terms = (
                        SearchTerm.objects.filter(district_id_copy__in=district_ids, term__in=near)
                        | terms
                    )
            qs = qs.filter(id__in=terms.values("household_id"))
        return qs

    found = list(matching(fuzzy=False)[:limit])
    if len(found) < limit:
        seen = {h.id for h in found}
        for household in matching(fuzzy=True).exclude(id__in=seen)[: limit - len(found)]:
            household.near_match = True
            found.append(household)
    return found
