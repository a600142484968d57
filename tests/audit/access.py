"""Access rows for the audit app's URLs."""

from tests.access import EDIT, RELATIONSHIPS, ROLES, SEE, Row, household_pk

NOBODY = dict.fromkeys(RELATIONSHIPS, "404")
# A family's record: whoever sees the whole family (admins, its leaders, its liaisons, who break
# the glass first outside their caseload); never teachers or interpreters.
EXPORT = EDIT
# Erasure: district admins only.
ERASE = {role: (SEE["admin"] if role == "admin" else NOBODY) for role in ROLES}

ROWS = {
    "audit:household_export": Row(household_pk, EXPORT),
    "audit:household_erase": Row(household_pk, ERASE),
}
NO_RECORD = {
    "audit:break_glass": {
        "admin": 200,
        "leader": 200,
        "liaison": 404,
        "teacher": 404,
        "interpreter": 404,
        "outsider": 404,
    },
    # Changing one's email or phone asks for the password again first (a session made by
    # force_login has no recent authentication): everyone is sent to re-authenticate.
    "audit:contact_details": dict.fromkeys(ROLES, 302),
}
EXEMPT = {}
