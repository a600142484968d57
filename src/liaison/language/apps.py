from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LanguageConfig(AppConfig):
    name = "liaison.language"
    label = "language"
    verbose_name = _("Language access")

    def ready(self):
        from liaison.audit import records
        from liaison.core import nav
        from liaison.core.policy import language as rules
        from liaison.language import panels
        from liaison.people import panels as people_panels

        nav.register(
            _("Languages"),
            "language:home",
            order=60,
            allowed=lambda access: access.works_with_families or access.is_interpreter,
        )
        people_panels.register_action(
            _("Request an interpreter"),
            "language:request_new",
            order=40,
            allowed=rules.can_request_interpreter,
        )
        people_panels.register_panel(
            "language/_household_panel.html",
            order=40,
            context=panels.household_context,
            allowed=panels.panel_allowed,
        )
        records.register(
            section="language",
            export=panels.export_household,
            erase=panels.erase_household,
            label=_("Language access"),
        )
