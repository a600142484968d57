"""The CSV templates offered on the Imports page and shown in docs/attendance.md (kept identical by a test)."""

EVENTS_TEMPLATE = (
    "school_id,student_id,attendance_event_date,attendance_event_category,"
    "attendance_event_reason,attendance_event_duration\r\n"
    "school-1,student-1001,2026-09-14,Unexcused Absence,,\r\n"
    "school-1,student-1002,2026-09-14,Excused Absence,Illness,\r\n"
    "school-1,student-1003,2026-09-14,Tardy,Bus late,\r\n"
    "school-1,student-1004,2026-09-14,Early departure,Appointment,0.5\r\n"
)
CALENDAR_TEMPLATE = (
    "school_id,calendar_date,calendar_events,note\r\n"
    "school-1,2026-09-14,Instructional day,\r\n"
    "school-1,2026-09-15,Instructional day,\r\n"
    "school-1,2026-10-12,Holiday,Indigenous Peoples' Day\r\n"
    "school-1,2026-11-03,Teacher only day,Professional development\r\n"
)
TEMPLATES = {"events": EVENTS_TEMPLATE, "calendar": CALENDAR_TEMPLATE}
