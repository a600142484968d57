"""Keep each household's search terms current when a member is edited through the ORM."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from liaison.people.models import Guardian, Household, Student


def _reindex_later(household_id):
    if household_id:
        from liaison.people.search import reindex

        transaction.on_commit(lambda: reindex([household_id]))


@receiver(post_save, sender=Household)
def household_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        _reindex_later(instance.pk)


@receiver(post_save, sender=Guardian)
@receiver(post_save, sender=Student)
@receiver(post_delete, sender=Guardian)
@receiver(post_delete, sender=Student)
def member_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        _reindex_later(instance.household_id)
