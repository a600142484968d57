"""The OneRoster 1.2 CSV import: read a bundle, check every row, upsert by sourcedId in batches.

Each file is streamed. A row is rejected whole (file, line, column, value, reason) only when its
identity or a required field is unusable; a malformed optional field (email, phone, birth date,
grade) or a link to a row that is unknown or was rejected is left out with a warning, and the rest
of the row is applied. `tobedeleted` rows take no part in forming households. Rows are compared
with what is stored, and only rows whose SIS-owned fields changed are written (so re-importing a
bundle changes nothing). Records missing from a bulk file, or sent with status=tobedeleted, are
deactivated and their enrolments ended; nothing is deleted. See docs/roster.md for the field
ownership and the household rule.

The stages, in the order they run: read.py (a file's rows), check.py (a field's value),
orgs.py, users.py, guardians.py (households and links), enrolments.py (classes and enrolments);
store.py holds the run's state and its writes, importer.py the order.
"""

from liaison.roster.oneroster.check import (
    DROPPED,
    DROPPED_FIELD,
    DROPPED_LINK,
    SOURCED_ID_MAX,
    Issue,
    Outcome,
    RowError,
    check_text,
    clean_email,
    clean_phone,
    optional,
    parse_date,
)
from liaison.roster.oneroster.importer import OneRosterImport

__all__ = [
    "DROPPED",
    "DROPPED_FIELD",
    "DROPPED_LINK",
    "SOURCED_ID_MAX",
    "Issue",
    "OneRosterImport",
    "Outcome",
    "RowError",
    "check_text",
    "clean_email",
    "clean_phone",
    "optional",
    "parse_date",
]
