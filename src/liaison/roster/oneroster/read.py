"""Reading a bundle's file row by row: the row's identity, status and text, before its own check.

The bundle itself (folder or ZIP, manifest, CSV decoding) is opened by roster/bundle.py.
"""

from collections.abc import Callable

from liaison.roster.oneroster.check import (
    SOURCED_ID_MAX,
    RowError,
    check_text,
    parse_datetime,
)
from liaison.roster.oneroster.store import ImportRun

# Optional fields whose own check refuses a NUL character: such a field is dropped, not the row.
OPTIONAL_COLUMNS = {
    "users.csv": frozenset({"email", "sms", "phone", "grades"}),
    "demographics.csv": frozenset({"birthDate"}),
    "roles.csv": frozenset({"beginDate", "endDate"}),
    "enrollments.csv": frozenset({"beginDate", "endDate"}),
}


def row_status(run: ImportRun, name: str, row: dict) -> str:
    """'active' or 'tobedeleted'; checks the delta-mode columns."""
    status = (row.get("status") or "").strip()
    if run.bundle.mode(name) == "delta":
        if status not in ("active", "tobedeleted"):
            raise RowError("status", status, "a delta file needs status active or tobedeleted")
        parse_datetime(row.get("dateLastModified", ""), "dateLastModified")
    if status in ("tobedeleted", "inactive"):
        return "tobedeleted"
    if status not in ("", "active"):
        raise RowError("status", status, "status must be active or tobedeleted")
    return "active"


def read_file(run: ImportRun, name: str, check: Callable[[int, dict, str], object]) -> dict:
    """Stream a file; `check` returns the parsed record or raises RowError. Returns sid → record."""
    seen: dict[str, object] = {}
    key = "userSourcedId" if name == "roles.csv" else "sourcedId"
    if not run.bundle.has(name):
        return seen
    checked = OPTIONAL_COLUMNS.get(name, frozenset())
    for line, row in run.bundle.rows(name):
        sid = (row.get(key) or "").strip()
        if name == "roles.csv":
            sid = f"{sid}|{row.get('orgSourcedId', '').strip()}|{row.get('role', '').strip()}"
        try:
            check_text(row, checked)
            if not sid.strip("|"):
                raise RowError(key, "", "sourcedId is empty")
            if len(sid) > SOURCED_ID_MAX and key == "sourcedId":
                raise RowError(key, sid, f"longer than {SOURCED_ID_MAX} characters")
            if sid in seen:
                raise RowError(key, sid, "duplicate sourcedId (already on an earlier line)")
            status = row_status(run, name, row)
            record = check(line, row, status)
        except RowError as e:
            run.reject(name, line, e.column, e.value, e.reason, sid=sid)
            seen.setdefault(sid, None)  # a second row with this id is still a duplicate
            continue
        seen[sid] = record
    return {k: v for k, v in seen.items() if v is not None}
