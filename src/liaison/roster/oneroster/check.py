"""OneRoster rows' values: the roles and codes Liaison knows, and the checks of a field's value.

A check returns the cleaned value or raises RowError (column, value, reason); `optional` turns that
into a warning and DROPPED for a field whose row is imported without it.
"""

import datetime as dt
import functools
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

from liaison.core.csvquotes import looks_swallowed
from liaison.core.validators import normalize_phone
from liaison.people.choices import Grade, Relationship, Role
from liaison.roster.choices import Severity

SOURCED_ID_MAX = 255  # the length of sourced_id on every rostered table
STUDENT_ROLES = {"student"}
GUARDIAN_ROLES = {
    "parent": Relationship.PARENT,
    "guardian": Relationship.LEGAL_GUARDIAN,
    "relative": Relationship.RELATIVE,
}
STAFF_ROLES = {
    "teacher": Role.TEACHER,
    "aide": Role.TEACHER,
    "proctor": Role.TEACHER,
    "counselor": Role.TEACHER,
    "principal": Role.SITE_LEADER,
    "siteAdministrator": Role.SITE_LEADER,
    "administrator": Role.SITE_LEADER,
    "districtAdministrator": Role.DISTRICT_ADMIN,
    "systemAdministrator": Role.DISTRICT_ADMIN,
}
ALL_ROLES = STUDENT_ROLES | set(GUARDIAN_ROLES) | set(STAFF_ROLES)
ORG_TYPES = {"district", "school", "department", "local", "state", "national"}
GRADES = set(Grade.values)
_E164_US = re.compile(r"^\+1[2-9]\d{2}[2-9]\d{6}$")
DROPPED = object()  # an optional field that was malformed: left out, the stored value is kept
DROPPED_FIELD = "; this field was left out and the rest of the row imported"
DROPPED_LINK = "; this link was left out and the rest of the row imported"


class _EmailValidator(EmailValidator):
    """Django's check, with each domain's verdict kept: a district's addresses share a few domains."""

    def validate_domain_part(self, domain_part):
        return _domain_ok(domain_part)


@functools.lru_cache(maxsize=4096)
def _domain_ok(domain_part: str) -> bool:
    return EmailValidator.validate_domain_part(_email, domain_part)


_email = _EmailValidator()


class RowError(Exception):
    def __init__(self, column: str, value: str, reason: str):
        super().__init__(reason)
        self.column, self.value, self.reason = column, value, reason


@dataclass
class Issue:
    severity: str
    file: str
    line: int
    column: str
    value: str
    reason: str


@dataclass
class Outcome:
    counts: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    issues: list[Issue] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def totals(self) -> dict:
        total: Counter[str] = Counter()
        for c in self.counts.values():
            total.update(c)
        total["rejected"] = sum(1 for i in self.issues if i.severity == Severity.REJECTED)
        total["warnings"] = sum(1 for i in self.issues if i.severity == Severity.WARNING)
        return {
            **total,
            "by_kind": {k: dict(v) for k, v in self.counts.items()},
            "seconds": self.seconds,
        }


# -- value checks ---------------------------------------------------------------------------------
def parse_date(value: str, column: str) -> dt.date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return (
            dt.date.fromisoformat(value[:10]) if len(value) >= 10 else dt.date.fromisoformat(value)
        )
    except ValueError:
        raise RowError(column, value, "not a date (YYYY-MM-DD)") from None


def parse_datetime(value: str, column: str) -> None:
    value = (value or "").strip()
    try:
        dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise RowError(column, value, "not a date and time (ISO 8601)") from None


def clean_phone(value: str, column: str) -> str:
    value = (value or "").strip()
    if not value or _E164_US.match(value):
        return value
    digits = re.sub(r"[\s().-]", "", value)
    if (
        len(digits) == 10
        and digits.isdigit()
        and digits[0] in "23456789"
        and digits[3] in "23456789"
    ):
        return "+1" + digits
    try:
        return normalize_phone(value)
    except ValidationError:
        raise RowError(column, value, "not a valid phone number") from None


def clean_email(value: str, column: str) -> str:
    value = (value or "").strip()
    if value:
        try:
            _email(value)
        except ValidationError:
            raise RowError(column, value, "not a valid email address") from None
    return value


def check_text(row: dict, checked: frozenset[str] = frozenset()) -> None:
    """Refuse a row with a NUL character in it: that is not text, and PostgreSQL cannot store it.
    `checked` columns are optional fields whose own check refuses a NUL (the field is dropped).

    And a row with a cell that holds lines looking like rows of the file: what a quote opened and
    not closed leaves (the CSV reader reads on to the next quote, or to the end of the file, and
    every line between becomes this cell: rows lost without a word; core.csvquotes). A value with
    a line break and no such line is checked as its field is checked."""
    joined = "".join(row.values())  # one scan of the row; columns only when needed
    if "\x00" not in joined and "\n" not in joined and "\r" not in joined:
        return
    separators = max(1, len(row) // 2)
    for column, value in row.items():
        if value and looks_swallowed(value, separators):
            raise RowError(
                column or "",
                value.splitlines()[0][:40] + "…",
                "holds a line break: a quote opened in this cell is not closed where it should "
                "be, so the lines after it were read into it and none of them was imported; "
                "close the quote and import again",
            )
    for column, value in row.items():
        if value and "\x00" in value and column not in checked:
            raise RowError(column or "", value, "contains a NUL character, which is not text")


def split_list(value: str) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def optional(clean: Callable[[str, str], object], value: str, column: str, warnings: list):
    """The cleaned value of an optional field, or DROPPED (with a warning) when it is malformed."""
    try:
        return clean(value, column)
    except RowError as e:
        warnings.append((e.column, e.value, e.reason + DROPPED_FIELD))
        return DROPPED
