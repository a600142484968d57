import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResourcesConfig(AppConfig):
    name = "liaison.resources"
    label = "resources"
    verbose_name = _("Community resources and referrals")

    def ready(self):
        from django.db.models.signals import post_migrate

        from liaison.core import nav, periodic
        from liaison.resources import household, records, search, services

        post_migrate.connect(search.rebuild_if_missing, sender=self)

        nav.register(
            _("Resources"),
            "resources:search",
            order=40,
            allowed=lambda access: access.superuser or bool(access.roles),
        )
        household.register()
        records.register()
        services.register_wordings()
        periodic.register_sweep(
            "referral-reminders", dt.timedelta(minutes=15), services.send_due_reminders
        )
