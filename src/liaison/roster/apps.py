from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RosterConfig(AppConfig):
    name = "liaison.roster"
    label = "roster"
    verbose_name = _("Roster imports")

    def ready(self):
        from liaison.core import nav
        from liaison.roster import household

        nav.register(
            _("Imports"), "roster:imports", order=80, allowed=lambda access: access.is_admin
        )
        household.register()
