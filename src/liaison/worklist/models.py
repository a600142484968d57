"""Tasks: what a member of staff owes a family by a date, by hand or from a follow-up date."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from liaison.core.today_writes import TodayWrites


class TaskQuerySet(TodayWrites, models.QuerySet["Task"]):
    def open(self) -> "TaskQuerySet":
        return self.filter(done_at__isnull=True)

    def due(self, today: dt.date) -> "TaskQuerySet":
        """Open and due by `today`: a snoozed task is due again on the day it was snoozed to."""
        return self.open().filter(
            Q(snoozed_until__isnull=True, due_on__lte=today) | Q(snoozed_until__lte=today)
        )

    def overdue(self, today: dt.date) -> "TaskQuerySet":
        """Due before `today` and not snoozed to today or later."""
        return self.open().filter(
            Q(snoozed_until__isnull=True, due_on__lt=today) | Q(snoozed_until__lt=today)
        )

    def owned_by(self, user: Any) -> "TaskQuerySet":
        return self.filter(owner=user)


class Task(models.Model):
    district = models.ForeignKey("people.District", on_delete=models.CASCADE, related_name="+")
    # PROTECT: a task outlives nothing of its owner's; staff accounts are deactivated, not deleted.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="tasks",
        verbose_name=_("owner"),
    )
    household = models.ForeignKey(
        "people.Household",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("family"),
    )
    title = models.CharField(_("task"), max_length=300)
    due_on = models.DateField(_("due"))
    snoozed_until = models.DateField(_("snoozed until"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Where the task came from: the source record's model label and id, and the page to open it
    # ("" on a task made by hand). One task per source: scheduling again moves its date.
    source_kind = models.CharField(max_length=60, blank=True)
    source_id = models.CharField(max_length=60, blank=True)
    source_url = models.CharField(max_length=300, blank=True)
    # The day its owner was last reminded that it is overdue: once a day, not more.
    last_reminded_on = models.DateField(null=True, blank=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_kind", "source_id"],
                condition=~Q(source_kind=""),
                name="one_task_per_source",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "done_at", "due_on"], name="task_owner_due"),
            models.Index(fields=["household", "created_at"], name="task_household"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    @property
    def due_day(self) -> dt.date:
        """The day it is due now: its due date, or the day it was snoozed to."""
        return self.snoozed_until or self.due_on
