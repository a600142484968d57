"""What makes the kept Today queues stale (core/today.py): a version in the shared cache, drawn
anew when a table Today reads is written. Apart from core.today so that models can use
`TodayWrites` without importing the policy."""

import functools
import secrets
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.core.cache import cache
from django.db import models, transaction

VERSION = "liaison:today:version"  # every district's queues


def key(district_id: int | None) -> str:
    """The version of one district's queues (None: of every district's)."""
    return VERSION if district_id is None else f"{VERSION}:{district_id}"


@functools.cache
def _drawer(district_id: int | None) -> Callable[[], None]:
    """The function that draws a new version for a district: one object per district, so that
    a transaction queues it once however many rows it writes."""

    def draw() -> None:
        cache.set(key(district_id), secrets.token_hex(8), None)

    return draw


# True once a queue was read (and kept) since this context last drew a version: a write after it
# draws again, though its transaction already queued a draw for its commit.
read_since_drawn: ContextVar[bool] = ContextVar("liaison_today_read", default=False)


def changed(district_id: int | None = None) -> None:
    """Something Today shows in this district (None: in any) may have changed: its kept queues
    are stale once the current transaction commits (at once outside one), and, as the writer's
    own connection sees the write at once, now too (once per transaction, unless a queue was
    read since: a bulk load writing many rows draws once)."""
    draw = _drawer(district_id)
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        draw()
        return
    queued = any(callback is draw for _ids, callback, _r in connection.run_on_commit)
    if not queued or read_since_drawn.get():
        draw()
        read_since_drawn.set(False)
    if not queued:
        transaction.on_commit(draw)


class TodayWrites(models.QuerySet[Any]):
    """Bulk writes to a table Today reads send no model signal: they make the kept queues stale
    themselves (the model's QuerySet inherits this)."""

    def update(self, **kwargs: Any) -> int:
        done = super().update(**kwargs)
        if done:
            changed()
        return done

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> Any:
        made = super().bulk_create(objs, *args, **kwargs)
        if made:
            changed()
        return made

    def bulk_update(self, objs: Any, fields: Any, *args: Any, **kwargs: Any) -> int:
        done = super().bulk_update(objs, fields, *args, **kwargs)
        if done:
            changed()
        return done

    def delete(self) -> tuple[int, dict[str, int]]:
        done = super().delete()
        if done[0]:
            changed()
        return done
