from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttendanceConfig(AppConfig):
    name = "liaison.attendance"
    label = "attendance"
    verbose_name = _("Attendance")

    def ready(self) -> None:
        from liaison.attendance import (
            atrisk_views,
            barriers,
            nudges,
            positive,
            receivers,
            signals,
            today,
            universal,
        )
        from liaison.core import nav
        from liaison.messaging import registry as messaging

        # The attendance imports, message and rules are reached from the Imports page and the
        # attendance pages' own links (attendance.views.attendance_pages), not the menu, which must
        # fit a 1366 px screen.
        nudges.register()
        positive.register()
        universal.register()
        messaging.register_message_actions(barriers.thread_barrier_actions)
        # The measures and tiers first, then the nudges, so that the nudges tell the day's numbers.
        signals.day_imported.connect(
            receivers.recompute_after_import, dispatch_uid="attendance-recompute"
        )
        signals.day_imported.connect(signals.nudge_imported_days, dispatch_uid="attendance-nudges")
        # After the nudges, so that a family told of an absence today is not also praised today.
        signals.day_imported.connect(
            signals.praise_imported_days, dispatch_uid="attendance-positive-notes"
        )
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
