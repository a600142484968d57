from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "liaison.messaging"
    label = "messaging"
    verbose_name = _("Messaging")

    def ready(self):
        from django.db.backends.signals import connection_created

        connection_created.connect(_sqlite_unicode_lower, dispatch_uid="liaison_unicode_lower")

        from django.db.models.signals import post_save

        from liaison.audit import records
        from liaison.core import nav
        from liaison.core.policy import messaging as mpolicy
        from liaison.language import services as language
        from liaison.messaging import family_record, household, languages, registry
        from liaison.people import panels, timeline

        # The language app sits below messaging: messaging tells it about replies and deliveries.
        registry.register_keyword_handler(languages.didnt_understand_keyword)
        post_save.connect(
            languages.on_message_saved,
            sender="messaging.Message",
            dispatch_uid="language-reply-detection",
        )
        language.register_delivery_counts(languages.delivery_coverage)

        nav.register(
            _("Inbox"),
            "messaging:inbox",
            order=20,
            # Teachers: their own threads with the families of the children they teach.
            allowed=lambda access: (
                access.works_with_families or access.is_interpreter or access.is_teacher
            ),
        )
        nav.register(
            _("Announcements"),
            "messaging:announcements",
            order=25,
            allowed=lambda access: access.is_admin or bool(access.leader_site_ids),
        )
        panels.register_action(
            _("Write to family"),
            "messaging:household_write",
            order=10,
            allowed=household.may_write,
        )
        panels.register_action(
            _("Message the family"),
            "messaging:household_write_own",
            order=11,
            allowed=mpolicy.can_write_own_thread,
        )
        panels.register_panel(
            "messaging/_household_panel.html",
            order=20,
            context=household.panel_context,
            allowed=household.may_see,
        )
        panels.register_guardian_panel(
            "messaging/_guardian_panel.html",
            order=20,
            context=household.guardian_panel_context,
            allowed=lambda user, guardian: household.may_see(user, guardian.household),
        )
        timeline.register("message", _("Messages"), household.timeline_entries)
        records.register(
            section="messages",
            label=_("Messages"),
            export=family_record.export,
            erase=family_record.erase,
        )


def _sqlite_unicode_lower(sender, connection, **kwargs):
    """SQLite's LOWER() folds ASCII only; the outbox compares emails with suppressions (stored
    lowercased by Python) in SQL, so on SQLite it calls this instead."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "liaison_lower", 1, lambda v: v.lower() if isinstance(v, str) else v, deterministic=True
        )
