"""Readiness: can this process reach what it needs (database, cache, task queue, file storage)?

Each check is cheap (one round trip) and says only "ok" or the kind of failure: a load balancer
or an operator reads it, no personal data is in it.
"""

import logging
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection

log = logging.getLogger(__name__)


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def check_cache() -> None:
    key = f"liaison:readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("the cache did not keep a value")
    cache.delete(key)


def queue_depth() -> int | None:
    """Tasks waiting to run now on the configured backend (None: the backend keeps no queue)."""
    backend = settings.TASK_BACKEND
    if backend == "redis":
        import django_rq

        return int(django_rq.get_queue("default").count)
    if backend == "immediate":
        return None
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.ready().count()


def check_queue() -> None:
    if settings.TASK_BACKEND == "redis":
        import django_rq

        django_rq.get_connection("default").ping()
    else:
        queue_depth()


def check_storage() -> None:
    """The uploads' storage takes a file and gives it back (a full or read-only disk fails)."""
    name = default_storage.save(f"readyz/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    try:
        with default_storage.open(name) as handle:
            if handle.read() != b"ok":
                raise RuntimeError("the storage did not keep a file")
    finally:
        default_storage.delete(name)


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "cache": check_cache,
    "queue": check_queue,
    "storage": check_storage,
}


def readiness() -> tuple[bool, dict[str, str]]:
    """(all ok, {check: "ok" or "failing: <kind of error>"}) for every check, in order."""
    answers: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as error:  # any failure is the answer, never a 500
            log.warning("readyz: %s failing: %s", name, type(error).__name__)
            answers[name] = f"failing: {type(error).__name__}"
        else:
            answers[name] = "ok"
    return all(answer == "ok" for answer in answers.values()), answers
