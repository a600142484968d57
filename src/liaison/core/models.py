"""Base models shared by every app: who created and last changed a record, and when."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from liaison.core.current import current_user


class TrackedModel(models.Model):
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        user = current_user()
        now = timezone.now()
        if self._state.adding:
            self.created_at = self.created_at or now
            if user and not self.created_by_id:
                self.created_by = user
        self.updated_at = now
        if user:
            self.updated_by = user
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "updated_at", "updated_by"}
        super().save(*args, **kwargs)
