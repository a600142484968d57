import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "liaison.events"
    label = "events"

    def ready(self):
        from liaison.core import nav, periodic
        from liaison.events import household, records, services, today, wording

        nav.register(
            _("Events"),
            "events:list",
            order=40,
            allowed=lambda access: access.works_with_families or access.is_teacher,
        )
        household.register()
        records.register()
        wording.register()
        today.register()
        # The worker sends each reminder on time; the sweep catches any whose task was lost.
        periodic.register_sweep(
            "event-reminders", dt.timedelta(minutes=10), services.send_due_reminders
        )
        _hook_messaging()


def _hook_messaging():
    """Register the SMS keyword handler and the audience source once messaging is installed."""
    try:
        from liaison.messaging import services as messaging
    except ImportError:
        return
    from liaison.events import services

    if hasattr(messaging, "register_keyword_handler"):
        messaging.register_keyword_handler(services.handle_sms_reply)
    if hasattr(messaging, "register_audience_source"):
        messaging.register_audience_source(
            "event_invitees", _("Invitees of an event"), services.invitees_audience
        )
