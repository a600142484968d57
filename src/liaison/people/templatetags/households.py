"""The household label: enough to tell look-alike households apart wherever one is listed (seven
"Castillo household" rows): the name, the guardians' names, the last four digits of the family's
phone and the children (first names and grade).

Lists fetch what it shows with `Household.objects.with_labels()`; without it the label falls back
to the household's (prefetched or not) guardians and students.
"""

from typing import Any

from django import template
from django.utils import translation

from liaison.people.choices import Grade

register = template.Library()

# The grades' names in each language, made once: get_grade_display() hashes every grade's lazy name
# (a translation each) on every call, which on a caseload of 50 families was most of the page.
_grade_names: dict[str, dict[str, str]] = {}


def grade_names() -> dict[str, str]:
    """Grade code -> its name in the active language."""
    language = translation.get_language() or ""
    names = _grade_names.get(language)
    if names is None:
        names = _grade_names[language] = {code: str(name) for code, name in Grade.choices}
    return names


def _guardians(household: Any) -> list[Any]:
    found = getattr(household, "label_guardians", None)
    if found is None:
        found = [g for g in household.guardians.all() if g.is_active]
    return list(found)


def _children(household: Any) -> list[Any]:
    found = getattr(household, "label_students", None)
    if found is None:
        found = [s for s in household.students.all() if s.is_active]
    found = list(found)
    names = grade_names()
    for student in found:
        student.grade_name = names.get(student.grade, student.grade)
    return found


def phone_last_four(guardians: list[Any]) -> str:
    """The last four digits of the first guardian's number that has one ('' when none does)."""
    for guardian in guardians:
        digits = "".join(ch for ch in guardian.phone or guardian.alt_phone or "" if ch.isdigit())
        if len(digits) >= 4:
            return digits[-4:]
    return ""


@register.inclusion_tag("people/_household_label.html")
def household_label(
    household: Any, children: bool = True, link: bool = True, href: str = ""
) -> dict[str, Any]:
    """{% household_label household %}; children=False where the reader may not see the
    children (teachers outside the family's classes); link=False for a plain label; href for a
    link to another page of the family's (its events) than the household page."""
    guardians = _guardians(household)
    return {
        "household": household,
        "guardians": guardians,
        "last_four": phone_last_four(guardians),
        "children": _children(household) if children else None,
        "link": link,
        "href": href or household.get_absolute_url(),
    }


@register.filter
def attr_open(household: Any, key: str) -> int:
    """How many open items of one kind (people.caseload's `open_<key>` annotation)."""
    return int(getattr(household, f"open_{key}", 0) or 0)
