from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "liaison.portal"
    label = "portal"

    def ready(self):
        from liaison.messaging import registry
        from liaison.portal import records, services

        registry.set_portal_link_builder(services.portal_links_for)
        registry.set_family_choices(services.family_choices, services.family_accepts)
        records.register()
