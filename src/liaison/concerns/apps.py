import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConcernsConfig(AppConfig):
    name = "liaison.concerns"
    label = "concerns"
    verbose_name = _("Concerns")

    def ready(self):
        from liaison.concerns import household, messaging_hooks, records, services, signals, today  # noqa: F401
        from liaison.concerns.views import thread_message_actions
        from liaison.core import nav, periodic
        from liaison.messaging import registry as messaging

        household.register()
        # Concerns' categories: the policy hides a concern about a member of staff by its category.
        messaging.register_message_actions(
            thread_message_actions, tables=("concerns.ConcernCategory",)
        )
        messaging.register_keyword_handler(services.answer_satisfaction_by_sms)
        messaging.register_message_filter(
            messaging_hooks.hidden_notices, tables=("concerns.ConcernCategory",)
        )
        messaging.set_call_log_link(messaging_hooks.call_log_link)
        records.register()
        services.register_wordings()
        today.register()
        periodic.register_sweep(
            "concern-reminders", dt.timedelta(minutes=15), services.send_due_reminders
        )
        nav.register(
            _("Concerns"), "concerns:queue", order=30, allowed=lambda a: a.works_with_families
        )
