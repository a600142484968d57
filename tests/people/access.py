"""Access rows for the people app's URLs."""

from tests.access import EDIT, LEAD, SEE, Row, first_guardian_pk, first_student_pk, household_pk

# The break-the-glass form: shown (200) to whoever must say why, passed through (302 to the page)
# by whoever need not, 404 outside one's scope like every family page.
REASON = {
    role: {rel: {"ok": 302, "reason": 200, "404": 404}[out] for rel, out in row.items()}
    for role, row in SEE.items()
}

ROWS = {
    "people:household": Row(household_pk, SEE),
    "people:household_reason": Row(household_pk, REASON),
    "people:household_timeline": Row(household_pk, SEE),
    "people:household_edit": Row(household_pk, EDIT),
    "people:household_assign": Row(household_pk, LEAD),
    "people:guardian_new": Row(household_pk, EDIT),
    "people:student_new": Row(household_pk, EDIT),
    "people:guardian": Row(first_guardian_pk, SEE),
    "people:guardian_edit": Row(first_guardian_pk, EDIT),
    "people:student": Row(first_student_pk, SEE),
    "people:student_edit": Row(first_student_pk, EDIT),
}
# URLs that show no single family: what each role gets.
NO_RECORD = {
    "people:caseload": {
        "admin": 200,
        "leader": 200,
        "liaison": 200,
        "teacher": 200,
        "interpreter": 200,
        "outsider": 200,
    },
    "people:search": {
        "admin": 200,
        "leader": 200,
        "liaison": 200,
        "teacher": 200,
        "interpreter": 200,
        "outsider": 200,
    },
    "people:household_new": {
        "admin": 200,
        "leader": 200,
        "liaison": 200,
        "teacher": 404,
        "interpreter": 404,
        "outsider": 404,
    },
}
EXEMPT = {}
