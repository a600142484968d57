from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResourcesConfig(AppConfig):
    name = "liaison.resources"
    label = "resources"
    verbose_name = _("Community resources and referrals")

    def ready(self):
        from django.db.models.signals import post_migrate

        from liaison.audit import records
        from liaison.core import nav
        from liaison.core.policy import resources as rpolicy
        from liaison.people import panels, timeline
        from liaison.resources import integration, search, services

        post_migrate.connect(search.rebuild_if_missing, sender=self)

        nav.register(
            _("Resources"),
            "resources:search",
            order=40,
            allowed=lambda access: access.superuser or bool(access.roles),
        )
        timeline.register("referral", _("Referrals"), integration.timeline_entries)
        panels.register_action(
            _("Find a resource"), "resources:household_search", order=40, allowed=rpolicy.can_refer
        )
        panels.register_panel(
            "resources/_household_panel.html",
            order=40,
            context=integration.panel_context,
            allowed=rpolicy.can_see_referrals,
        )
        records.register(
            section="referrals",
            export=services.export_household,
            erase=services.erase_household,
            label=_("Referrals and resources"),
        )
