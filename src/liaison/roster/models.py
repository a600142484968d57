"""Import runs and the rows they refused: the record of every roster import."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liaison.roster.choices import RunKind, RunStatus, Severity

COUNT_KEYS = ("created", "updated", "unchanged", "deactivated", "rejected", "warnings")


class ImportRunQuerySet(models.QuerySet):
    def for_districts(self, district_ids):
        return self.filter(models.Q(district_id__in=district_ids) | models.Q(district__isnull=True))


class ImportRun(models.Model):
    district = models.ForeignKey(
        "people.District", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=RunKind.choices, default=RunKind.ONEROSTER)
    dry_run = models.BooleanField(_("dry run"), default=False)
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    source_name = models.CharField(_("file"), max_length=255, blank=True)
    upload = models.FileField(upload_to="roster/", blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Progress while running: the stage and how far through it.
    stage = models.CharField(max_length=64, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)
    message = models.TextField(blank=True)
    # {"created": n, "updated": n, ...} in total, and per record kind under "by_kind".
    counts = models.JSONField(default=dict, blank=True)

    objects = ImportRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def finished(self) -> bool:
        return self.status in (RunStatus.DONE, RunStatus.REFUSED, RunStatus.FAILED)

    def total(self, key: str) -> int:
        return int(self.counts.get(key, 0))


class RejectedRow(models.Model):
    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="rejected_rows")
    severity = models.CharField(max_length=16, choices=Severity.choices, default=Severity.REJECTED)
    file = models.CharField(max_length=64)
    line = models.PositiveIntegerField()
    column = models.CharField(max_length=64, blank=True)
    value = models.TextField(blank=True)
    reason = models.TextField()

    class Meta:
        ordering = ["file", "line", "id"]
        indexes = [models.Index(fields=["run", "severity"])]

    def __str__(self):
        return f"{self.file}:{self.line} {self.reason}"
