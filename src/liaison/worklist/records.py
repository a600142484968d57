"""The worklist's part of a family's record: the tasks about the family (export and erasure)."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from liaison.core import family_record
from liaison.worklist.models import Task


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def export_household(household: Any) -> list[dict[str, Any]]:
    return [
        {
            "type": "task",
            "id": t.pk,
            "task": t.title,
            "owner": str(t.owner),
            "due_on": _iso(t.due_on),
            "snoozed_until": _iso(t.snoozed_until),
            "done_at": _iso(t.done_at),
            "outcome": t.outcome,
            "created_at": _iso(t.created_at),
        }
        for t in Task.objects.filter(household=household).select_related("owner").order_by("pk")
    ]


def erase_household(household: Any, *, keep_tombstone: bool = True) -> int:
    deleted, _by_model = Task.objects.filter(household=household).delete()
    return deleted


def register() -> None:
    family_record.register(
        section="tasks", export=export_household, erase=erase_household, label=_("Tasks")
    )
