"""Attendance's hooks: other parts of attendance react to an imported file without the import knowing them."""

from django.dispatch import Signal

# Sent after an attendance file is committed, with district, site_ids (set of int), days (set of
# dates), student_ids (the students whose days changed; None after a calendar file, when every
# student at those sites may be affected) and batch (the AttendanceImport). Measures and tiers
# recompute from it; the day's nudges go out from it.
day_imported = Signal()
