from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "liaison.insights"
    label = "insights"
    verbose_name = _("Insights")

    def ready(self):
        from liaison.core import nav
        from liaison.insights import atrisk, sources, today
        from liaison.people import caseload

        sources.register_builtin_sources()
        today.register()
        caseload.register_risk_reasons(atrisk.caseload_reasons)
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
