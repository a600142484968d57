"""Every action the views write into the access log fits its column: PostgreSQL refuses a longer
value, and the export it records would answer 500 (SQLite does not check, so only CI's PostgreSQL
stage would notice)."""

from liaison.audit.models import AccessLog
from liaison.insights.views import DRILL_METRICS

WRITTEN = [
    "export_attendance_at_risk",
    "call_list_attendance_at_risk",
    "export_attendance_outcomes",
    *(f"export_{metric}" for metric in DRILL_METRICS),
]


def test_every_access_log_action_the_views_write_fits_its_column():
    room = AccessLog._meta.get_field("action").max_length
    too_long = [action for action in WRITTEN if len(action) > room]
    assert not too_long, too_long
