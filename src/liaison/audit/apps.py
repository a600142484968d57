from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "liaison.audit"
    label = "audit"
    verbose_name = _("Access and disclosure records")

    def ready(self):
        from liaison.audit import household, signals  # noqa: F401
        from liaison.audit.models import AccessLog, UsedLink
        from liaison.audit.services import record_access
        from liaison.audit.tasks import RETENTION, schedule_retention
        from liaison.core import links, nav, partitions, periodic, policy

        policy.register_recorder(record_access)
        # 50 million rows a year in a large district: one partition a month (PostgreSQL).
        partitions.register(AccessLog._meta.db_table, "at")
        links.register_store(UsedLink)
        periodic.register(RETENTION, schedule_retention)

        nav.register(
            _("Access log"),
            "audit:break_glass",
            order=90,
            allowed=lambda access: access.is_leader,
        )
        household.register()
