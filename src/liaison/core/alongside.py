"""Work that may run beside the rest of a job, on a connection of its own.

A day's attendance file sets off work that waits on PostgreSQL most of its time: the at-risk scores
and Tier 3 tasks of the students it moved, then the day's nudges and positive notes. The scores do
not read what the nudges write, nor the nudges the scores: on a machine with two cores the scores'
transaction can run on a second connection while the nudges run on the first, instead of each
waiting for the other's round trips.

    with alongside():                  # the job: leaving the block waits for what was handed over
        ...
        beside(refresh, district=d)    # deep inside: runs on a thread, or at once where it cannot
        ...

`beside` runs the function at once (as a plain call would) unless all of these hold: an `alongside`
block is open in this context, the database is PostgreSQL (SQLite has one writer), and no
transaction is open on this thread's connection (a thread's connection would not see its rows;
a test's transaction is one). The thread sees this context's variables, the active language and
time zone, and closes its connection when done. Leaving the block waits for every thread it started; the
first exception one raised is raised again there, as a plain call would have raised it (the others
are logged), unless the block is already leaving with an exception of its own.
"""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone, translation

log = logging.getLogger(__name__)


class _Group:
    def __init__(self) -> None:
        self.threads: list[threading.Thread] = []
        self.errors: list[BaseException] = []


_open: contextvars.ContextVar[_Group | None] = contextvars.ContextVar(
    "liaison_alongside", default=None
)


def can_run_beside() -> bool:
    """Whether `beside` would start a thread here (see the module's docstring)."""
    connection = connections[DEFAULT_DB_ALIAS]
    return (
        _open.get() is not None
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block
    )


@contextmanager
def alongside() -> Iterator[None]:
    """Open a block whose `beside` work may run on threads; leaving it waits for them all."""
    group = _Group()
    token = _open.set(group)
    failed = False
    try:
        yield
    except BaseException:
        failed = True
        raise
    finally:
        _open.reset(token)
        for thread in group.threads:
            thread.join()
        if group.errors:
            for error in group.errors[0 if failed else 1 :]:
                log.error("work run beside the job failed", exc_info=error)
            if not failed:
                raise group.errors[0]


def beside(fn: Callable[..., Any], /, **kwargs: Any) -> None:
    """Run fn(**kwargs) on a thread of the open `alongside` block, or now (see the module)."""
    if not can_run_beside():
        fn(**kwargs)
        return
    group = _open.get()
    assert group is not None
    context = contextvars.copy_context()
    # Django keeps the active language and time zone per thread (asgiref's Local): carried over.
    language = translation.get_language()
    zone = timezone.get_current_timezone()

    def call() -> None:
        _open.set(None)  # work on the thread runs its own `beside` calls at once
        with translation.override(language), timezone.override(zone):
            fn(**kwargs)

    def run() -> None:
        try:
            context.run(call)
        except BaseException as error:  # raised again where the block is left
            group.errors.append(error)
        finally:
            connections.close_all()  # this thread's connections only

    thread = threading.Thread(target=run, name=f"liaison-beside-{fn.__name__}", daemon=False)
    group.threads.append(thread)
    thread.start()
