import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "liaison.insights"
    label = "insights"
    verbose_name = _("Insights")

    def ready(self):
        from liaison.attendance import atrisk as attendance_atrisk
        from liaison.core import nav, periodic
        from liaison.insights import atrisk, services, sources, today
        from liaison.people import caseload

        sources.register_builtin_sources()
        today.register()
        caseload.register_risk_reasons(atrisk.caseload_reasons, tables=atrisk.CASELOAD_TABLES)
        attendance_atrisk.register_household_signals(atrisk.household_signals)
        periodic.register_sweep("insights-refresh", dt.timedelta(minutes=15), services.refresh_all)
        from liaison.insights.views import outreach_audience
        from liaison.messaging.registry import register_audience_source

        register_audience_source(
            "insights", _("Households from an insights list"), outreach_audience
        )
        nav.register(
            _("Insights"),
            "insights:dashboard",
            order=70,
            allowed=lambda access: access.works_with_families,
        )
