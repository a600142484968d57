from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "liaison.people"
    label = "people"
    verbose_name = _("People and places")

    def ready(self):
        from liaison.core import nav
        from liaison.people import household, records, signals, today  # noqa: F401

        nav.register(_("Caseload"), "people:caseload", order=10)
        nav.register(_("Find a family"), "people:search", order=20)
        household.register()
        records.register()
        today.register()
