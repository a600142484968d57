"""The shared shape of the authorization matrix: roles, relationships, outcome tables and rows.

Each app lists every URL it adds in `tests/<app>/access.py` as `ROWS = {url_name: Row(...)}`
(and `NO_RECORD = {url_name: {role: status}}` for URLs that show no family's record, and
`EXEMPT = {url_name: "reason"}` for webhooks or family-portal URLs tested elsewhere).
tests/core/test_access_matrix.py drives every row for every role × relationship.

Relationships name a family in the `world` fixture (tests/conftest.py): caseload (on the liaison's
caseload), site (child at the liaison's and leader's school), other_site, taught (child in the
teacher's class), interpreted (assigned to the interpreter), foreign (another district).
Outcomes: "ok" (200), "404", "reason" (the liaison is asked why first: 302 to the household page),
"403" where a different answer is right and documented, or an int status.

One more relationship is not to a family but to the record itself: "subject", the signed-in member
of staff is the person a concern is about. A row whose record can be about someone says what its
subject gets (`Row(..., subject="404")`); the matrix asks it for every role in the family that role
is closest to (SUBJECT_FAMILY), where without being the subject they would see it in full. The
row's args read the subject from `world.subject` (None outside that test).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

RELATIONSHIPS = ["caseload", "site", "other_site", "taught", "interpreted", "foreign"]
ROLES = ["admin", "leader", "liaison", "teacher", "interpreter", "outsider"]
FAMILY_ATTR = {
    "caseload": "caseload_family",
    "site": "site_family",
    "other_site": "other_site_family",
    "taught": "taught_family",
    "interpreted": "interpreted_family",
    "foreign": "foreign_family",
}

# What each role may *see* of a family, by the family's relationship to them.
SEE = {
    "admin": {
        "caseload": "ok",
        "site": "ok",
        "other_site": "ok",
        "taught": "ok",
        "interpreted": "ok",
        "foreign": "404",
    },
    "leader": {
        "caseload": "ok",
        "site": "ok",
        "other_site": "404",
        "taught": "ok",
        "interpreted": "404",
        "foreign": "404",
    },
    "liaison": {
        "caseload": "ok",
        "site": "reason",
        "other_site": "404",
        "taught": "reason",
        "interpreted": "404",
        "foreign": "404",
    },
    "teacher": {
        "caseload": "404",
        "site": "404",
        "other_site": "404",
        "taught": "ok",
        "interpreted": "404",
        "foreign": "404",
    },
    "interpreter": {
        "caseload": "404",
        "site": "404",
        "other_site": "404",
        "taught": "404",
        "interpreted": "ok",
        "foreign": "404",
    },
    "outsider": dict.fromkeys(RELATIONSHIPS, "404"),
}
# What each role may *change*: teachers and interpreters see but never edit family records.
EDIT = {
    **SEE,
    "teacher": dict.fromkeys(RELATIONSHIPS, "404"),
    "interpreter": dict.fromkeys(RELATIONSHIPS, "404"),
}
# Admins and site leaders only (caseload assignment, reassign-all ...).
LEAD = {
    role: (dict(SEE[role]) if role in ("admin", "leader") else dict.fromkeys(RELATIONSHIPS, "404"))
    for role in ROLES
}


SUBJECT = "subject"
# Where each role is asked as the subject of a record: the family it otherwise sees best.
SUBJECT_FAMILY = {
    "admin": "site",
    "leader": "site",
    "liaison": "caseload",
    "teacher": "taught",
    "interpreter": "interpreted",
    "outsider": "caseload",
}


def family(world, relationship):
    return getattr(world, FAMILY_ATTR[relationship])


@dataclass(frozen=True)
class Row:
    """args(world, family_household) -> URL args; table: role -> relationship -> outcome."""

    args: Callable
    table: dict
    method: str = "get"
    data: Callable | None = None  # for POST rows: data(world, household) -> dict
    subject: str | None = None  # what the person the row's record is about gets ("404")
    reason_redirects_to: Callable = field(default=lambda household: household.get_absolute_url())


def household_pk(world, household):
    return [household.pk]


def first_guardian_pk(world, household):
    return [household.guardians.first().pk]


def first_student_pk(world, household):
    return [household.students.first().pk]
