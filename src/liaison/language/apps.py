from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LanguageConfig(AppConfig):
    name = "liaison.language"
    label = "language"
    verbose_name = _("Language access")

    def ready(self):
        from liaison.core import nav
        from liaison.language import household, records

        nav.register(
            _("Languages"),
            "language:home",
            order=60,
            allowed=lambda access: access.works_with_families or access.is_interpreter,
        )
        household.register()
        from django.db.models.signals import post_save

        from liaison.language import messaging_hooks
        from liaison.messaging import registry

        registry.register_keyword_handler(messaging_hooks.didnt_understand_keyword)
        post_save.connect(
            messaging_hooks.on_message_saved,
            sender="messaging.Message",
            dispatch_uid="language-reply-detection",
        )
        records.register()
