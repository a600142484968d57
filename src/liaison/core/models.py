"""Base models shared by every app: who created and last changed a record, and when; a person's name."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from liaison.core.current import current_user
from liaison.core.validators import strip_bidi_controls


class NameField(models.CharField):
    """A person's or household's name: stored without bidi control characters, whichever way it
    comes in (a form, the admin, a service's save(), a queryset update() or bulk_create())."""

    def to_python(self, value):
        return strip_bidi_controls(super().to_python(value))

    def pre_save(self, model_instance, add):
        value = strip_bidi_controls(super().pre_save(model_instance, add))
        setattr(model_instance, self.attname, value)
        return value

    def get_prep_value(self, value):
        return strip_bidi_controls(super().get_prep_value(value))


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


class PeriodicRun(models.Model):
    """The queued next run of a job that repeats itself (retention, nightly): one row a job.

    Scheduling it again while a run is queued changes nothing, and a run that finds another token
    than its own was superseded and stops, so a job never has two chains of runs."""

    name = models.CharField(max_length=64, unique=True)
    token = models.CharField(max_length=32)
    # Which queue holds the run (core.periodic.queue_identity): a run queued on another (the
    # database's, before a move to Redis) is one no worker will take, and is queued again.
    queued_on = models.CharField(max_length=16, blank=True, default="")
    next_run_at = models.DateTimeField()
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.name} at {self.next_run_at:%Y-%m-%d %H:%M}"
