from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttendanceConfig(AppConfig):
    name = "liaison.attendance"
    label = "attendance"
    verbose_name = _("Attendance")

    def ready(self) -> None:
        from liaison.attendance import atrisk_views, today
        from liaison.core import nav
        from liaison.messaging import registry as messaging

        today.register()
        messaging.register_audience_source(
            "attendance_at_risk",
            _("Families on the attendance at-risk list"),
            atrisk_views.outreach_audience,
        )
        nav.register(
            _("At risk"),
            "attendance:at_risk",
            order=65,
            allowed=lambda access: access.works_with_families,
        )
