from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LanguageConfig(AppConfig):
    name = "liaison.language"
    label = "language"
    verbose_name = _("Language access")

    def ready(self):
        from liaison.core import nav
        from liaison.language import household, records, today

        nav.register(
            _("Languages"),
            "language:home",
            order=60,
            allowed=lambda access: access.works_with_families or access.is_interpreter,
        )
        household.register()
        records.register()
        today.register()
