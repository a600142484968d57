from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConcernsConfig(AppConfig):
    name = "liaison.concerns"
    label = "concerns"
    verbose_name = _("Concerns")

    def ready(self):
        from liaison.audit import records as audit_records
        from liaison.concerns import records, services, signals, timeline  # noqa: F401
        from liaison.concerns.views import household_panel_context, thread_message_actions
        from liaison.core import nav
        from liaison.core.policy import concerns as concern_policy
        from liaison.messaging import registry as messaging
        from liaison.people import panels

        timeline.register()
        messaging.register_message_actions(thread_message_actions)
        messaging.register_keyword_handler(services.answer_satisfaction_by_sms)
        messaging.register_message_filter(timeline.hidden_notices)
        audit_records.register(
            section="concerns",
            export=records.export_household,
            erase=records.erase_household,
            label=_("Concerns and contact log"),
            takes_viewer=True,
        )
        nav.register(
            _("Concerns"), "concerns:queue", order=30, allowed=lambda a: a.works_with_families
        )
        panels.register_action(
            _("Raise a concern"), "concerns:new", order=20, allowed=concern_policy.can_raise
        )
        panels.register_panel(
            "concerns/_household_panel.html",
            order=20,
            context=household_panel_context,
            allowed=concern_policy.can_log_contact,
        )
