from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttendanceConfig(AppConfig):
    name = "liaison.attendance"
    label = "attendance"
    verbose_name = _("Attendance")

    def ready(self) -> None:
        from liaison.core import nav

        nav.register(
            _("Attendance imports"),
            "attendance:imports",
            order=81,
            allowed=lambda access: access.is_admin,
        )
        from liaison.attendance import barriers, nudges, signals
        from liaison.messaging import registry as messaging

        nudges.register()
        messaging.register_message_actions(barriers.thread_barrier_actions)
        # After the measures' receiver (connected first), so the numbers are the day's.
        signals.day_imported.connect(signals.nudge_imported_days, dispatch_uid="attendance-nudges")
