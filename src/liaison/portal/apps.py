from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "liaison.portal"
    label = "portal"

    def ready(self):
        from liaison.core import periodic
        from liaison.messaging import registry
        from liaison.portal import records, services
        from liaison.portal.tasks import THROTTLES, schedule_forgetting

        registry.set_portal_link_builder(services.portal_links_for)
        registry.set_family_choices(services.family_choices, services.family_accepts)
        records.register()
        periodic.register(THROTTLES, schedule_forgetting)
