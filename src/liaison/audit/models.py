"""The access log: who opened which family record, when, from where, and why. Append-only."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    pass


class AccessLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("The access log is append-only.")

    def delete(self):
        raise AppendOnlyError("The access log is append-only.")

    def for_household(self, household_id):
        return self.filter(household_id=household_id)

    def broke_glass(self):
        return self.exclude(reason="")


class AccessLog(models.Model):
    class Kind(models.TextChoices):
        HOUSEHOLD = "household", _("household")
        GUARDIAN = "guardian", _("guardian")
        STUDENT = "student", _("student")
        CONCERN = "concern", _("concern")
        REFERRAL = "referral", _("referral")
        EXPORT = "export", _("export")

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150)  # kept when the account is gone
    kind = models.CharField(max_length=16, choices=Kind.choices)
    object_id = models.BigIntegerField()
    household_id = models.BigIntegerField(null=True, db_index=True)
    action = models.CharField(max_length=16, default="view")
    path = models.CharField(max_length=300, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)
    reason = models.TextField(blank=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["kind", "object_id"])]

    def __str__(self):
        return (
            f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.kind} {self.object_id}"
        )

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("The access log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("The access log is append-only.")
