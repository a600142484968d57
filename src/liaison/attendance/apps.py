from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttendanceConfig(AppConfig):
    name = "liaison.attendance"
    label = "attendance"
    verbose_name = _("Attendance")

    def ready(self) -> None:
        from liaison.attendance import receivers, signals
        from liaison.core import nav

        signals.day_imported.connect(
            receivers.recompute_after_import, dispatch_uid="attendance-recompute"
        )

        nav.register(
            _("Attendance rules"),
            "attendance:rules",
            order=85,
            allowed=lambda access: access.is_admin,
        )
