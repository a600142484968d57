from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "liaison.events"
    label = "events"

    def ready(self):
        from liaison.audit import records
        from liaison.core import nav
        from liaison.events import history
        from liaison.people import panels, timeline

        nav.register(
            _("Events"),
            "events:list",
            order=40,
            allowed=lambda access: access.works_with_families or access.is_teacher,
        )
        panels.register_action(_("Events and RSVPs"), "events:household_events", order=40)
        timeline.register("event", _("Events"), history.timeline_entries)
        records.register(
            section="events",
            export=history.export_household,
            erase=history.erase_household,
            label=_("Events and attendance"),
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
