from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "liaison.portal"
    label = "portal"

    def ready(self):
        from liaison.audit import records
        from liaison.messaging import registry
        from liaison.portal import services

        registry.set_portal_link_builder(services.portal_links_for)
        registry.set_family_choices(services.family_choices, services.family_accepts)
        records.register(
            section="portal",
            label=_("Family portal choices"),
            export=services.export_household,
            erase=services.erase_household,
        )
