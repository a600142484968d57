"""A new district starts with the standard concern categories and service targets."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from liaison.people.models import District


@receiver(post_save, sender=District, dispatch_uid="concerns_district_defaults")
def district_defaults(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        from liaison.concerns.services import ensure_district_defaults

        ensure_district_defaults(instance)
