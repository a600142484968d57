from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorklistConfig(AppConfig):
    name = "liaison.worklist"
    label = "worklist"
    verbose_name = _("Tasks")

    def ready(self) -> None:
        from liaison.core import nav, periodic
        from liaison.worklist import household, records, today
        from liaison.worklist.tasks import REMINDERS, schedule_reminders

        nav.register(_("Today"), "home", order=5)
        household.register()
        records.register()
        today.register()
        periodic.register(REMINDERS, schedule_reminders)
