from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RosterConfig(AppConfig):
    name = "liaison.roster"
    label = "roster"
    verbose_name = _("Roster imports")

    def ready(self):
        from liaison.core import nav
        from liaison.core.policy import roster as policy
        from liaison.people import panels

        nav.register(
            _("Imports"), "roster:imports", order=80, allowed=lambda access: access.is_admin
        )
        panels.register_action(
            _("Merge households"),
            "roster:household_merge",
            order=80,
            allowed=policy.can_arrange_household,
        )
        panels.register_action(
            _("Split household"),
            "roster:household_split",
            order=81,
            allowed=policy.can_arrange_household,
        )
