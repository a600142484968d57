"""Keep each household's search terms current when a member is edited through the ORM.

Reindexing one household is a handful of rows, so it runs inside the same transaction as the
edit: the index can never disagree with what was committed. Bulk loaders call reindex() themselves.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from liaison.people.models import Guardian, Household, Student
from liaison.people.search import reindex


@receiver(post_save, sender=Household)
def household_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        reindex([instance.pk])


@receiver(post_save, sender=Guardian)
@receiver(post_save, sender=Student)
@receiver(post_delete, sender=Guardian)
@receiver(post_delete, sender=Student)
def member_changed(sender, instance, raw=False, **kwargs):
    if not raw and instance.household_id:
        reindex([instance.household_id])
