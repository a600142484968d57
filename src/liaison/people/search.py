"""Finding a household by any member's name, phone or email, or a child's name, while the liaison types.

Each household has a set of normalised words (SearchTerm rows). A query matches households that have,
for every word typed, a term starting with it; when that finds too little, words of three letters or
more also match terms that start within one or two typos of them ("Ngyuen" finds "Nguyen").
"""

import re
import unicodedata
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Exists, OuterRef
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from liaison.people.models import (
    District,
    Guardian,
    Household,
    HouseholdAssignment,
    SearchTerm,
    Student,
)

MAX_TERM = 64
_WORD = re.compile(r"[\w@.+'-]+", re.UNICODE)


def normalize(text: str) -> str:
    """Lower-case, without accents, so 'José' and 'jose' meet."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def words(text: str) -> list[str]:
    out = []
    for word in _WORD.findall(normalize(text)):
        word = word.strip(".'-")
        if word:
            out.append(word[:MAX_TERM])
    return out


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
    return list(terms)


def email_terms(email: str) -> list[str]:
    email = normalize(email).strip()
    if not email:
        return []
    local = email.split("@", 1)[0]
    return list({email[:MAX_TERM], local[:MAX_TERM]})


def household_terms(
    household: Household, guardians: Iterable[Guardian], students: Iterable[Student]
) -> set[str]:
    terms = set(words(household.name))
    for g in guardians:
        terms.update(words(f"{g.given_name} {g.family_name} {g.preferred_name}"))
        for phone in (g.phone, g.alt_phone):
            terms.update(phone_terms(phone))
        for email in (g.email, g.alt_email):
            terms.update(email_terms(email))
    for s in students:
        terms.update(words(f"{s.given_name} {s.family_name} {s.preferred_name}"))
    return {t for t in terms if t}


def reindex(household_ids: Iterable[int], batch_size: int = 500) -> None:
    """Rebuild the search terms of these households (after imports, edits and merges)."""
    ids = list(set(household_ids))
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size]
        households = Household.objects.filter(id__in=chunk).prefetch_related(
            "guardians", "students"
        )
        rows = []
        for household in households:
            for term in household_terms(
                household, household.guardians.all(), household.students.all()
            ):
                rows.append(
                    SearchTerm(
                        household_id=household.id, term=term, district_id_copy=household.district_id
                    )
                )
        with transaction.atomic():
            SearchTerm.objects.filter(household_id__in=chunk).delete()
            SearchTerm.objects.bulk_create(rows, batch_size=2000)


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
