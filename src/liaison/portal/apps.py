from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "liaison.portal"
    label = "portal"

    def ready(self):
        from liaison.audit import records
        from liaison.portal import services

        records.register(
            section="portal",
            label=_("Family portal choices"),
            export=services.export_household,
            erase=services.erase_household,
        )
