import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "liaison.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from django.db.models.signals import post_migrate

        from liaison.core import (
            checks,  # noqa: F401  (registers system checks)
            live,
            partitions,
            periodic,
            today,
        )
        from liaison.core.policy.cache import watch_scope_writes

        post_migrate.connect(_create_cache_table, sender=self)
        post_migrate.connect(_ensure_partitions, sender=self)
        # The coming months' partitions exist well before they are needed (two months ahead);
        # a few runs a day is plenty, and each run that finds them made does nothing.
        periodic.register_sweep("partitions", dt.timedelta(hours=6), partitions.ensure_partitions)
        watch_scope_writes()
        live.add_page_topics(today.page_topics)  # every staff page's stream: the nav's counts


def _create_cache_table(using="default", **kwargs):
    """`liaison migrate` also makes the database cache's table (CACHE_URL=db://, the default), so
    the sign-in limits work from the first start; it leaves an existing table alone."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)


def _ensure_partitions(using="default", **kwargs):
    """`liaison migrate` also makes this month's and the next two months' partitions of the
    partitioned tables (PostgreSQL; nothing on SQLite)."""
    from liaison.core import partitions

    if using == "default":
        partitions.ensure_partitions()
