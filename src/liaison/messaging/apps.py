import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "liaison.messaging"
    label = "messaging"
    verbose_name = _("Messaging")

    def ready(self):
        from django.db.backends.signals import connection_created

        connection_created.connect(_sqlite_unicode_lower, dispatch_uid="liaison_unicode_lower")

        from django.db.models.signals import post_delete, post_save

        from liaison.core import nav, periodic
        from liaison.language import services as language
        from liaison.messaging import (
            delivery,
            household,
            languages,
            media,
            metrics,
            records,
            registry,
            retention,
            today,
        )

        # Each drain queues the next; the sweep restarts the chain when a killed worker broke it.
        periodic.register_sweep("delivery-drain", dt.timedelta(minutes=1), delivery.drain_if_due)
        # Rows a dead worker left "sending" are asked about on their own schedule, not by drains.
        periodic.register_sweep(
            "delivery-reconcile", dt.timedelta(minutes=1), delivery.reconcile_due
        )
        # Old finished deliveries, when LIAISON_DELIVERY_MONTHS is set (nothing happens otherwise).
        periodic.register_sweep(
            "delivery-retention", dt.timedelta(days=1), retention.prune_deliveries
        )

        # The language app sits below messaging: messaging tells it about replies and deliveries.
        registry.register_keyword_handler(languages.didnt_understand_keyword)
        post_save.connect(
            languages.on_message_saved,
            sender="messaging.Message",
            dispatch_uid="language-reply-detection",
        )
        language.register_delivery_counts(languages.delivery_coverage)
        post_delete.connect(
            media.delete_stored_file,
            sender="messaging.Attachment",
            dispatch_uid="attachment-file-deleted",
        )

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
        household.register()
        records.register()
        today.register()
        metrics.register()


def _sqlite_unicode_lower(sender, connection, **kwargs):
    """SQLite's LOWER() folds ASCII only; the outbox compares emails with suppressions (stored
    lowercased by Python) in SQL, so on SQLite it calls this instead."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "liaison_lower", 1, lambda v: v.lower() if isinstance(v, str) else v, deterministic=True
        )
