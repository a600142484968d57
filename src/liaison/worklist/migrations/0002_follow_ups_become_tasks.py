"""Follow-up dates written before tasks existed become tasks: a call's or visit's follow-up (its
logger's), a referral's (its liaison's). Dates more than two weeks past are history, not work."""

import datetime as dt

from django.db import migrations
from django.urls import reverse
from django.utils import timezone

RECENT = dt.timedelta(days=14)


def forwards(apps, schema_editor):
    Task = apps.get_model("worklist", "Task")
    Contact = apps.get_model("concerns", "Contact")
    Referral = apps.get_model("resources", "Referral")
    since = timezone.localdate() - RECENT
    tasks = []
    for contact in Contact.objects.filter(
        follow_up_on__gte=since, by__isnull=False
    ).select_related("household"):
        tasks.append(
            Task(
                district_id=contact.household.district_id,
                owner_id=contact.by_id,
                household_id=contact.household_id,
                title=f"Follow up: {contact.next_step or contact.purpose}"[:300],
                due_on=contact.follow_up_on,
                created_by_id=contact.by_id,
                source_kind="concerns.contact",
                source_id=str(contact.pk),
                source_url=reverse("concerns:contacts", args=[contact.household_id]),
            )
        )
    for referral in Referral.objects.filter(
        follow_up_on__gte=since, liaison__isnull=False, closed_at__isnull=True
    ).select_related("household"):
        tasks.append(
            Task(
                district_id=referral.household.district_id,
                owner_id=referral.liaison_id,
                household_id=referral.household_id,
                title=f"Follow up on the referral to {referral.service_name}"[:300],
                due_on=referral.follow_up_on,
                created_by_id=referral.liaison_id,
                source_kind="resources.referral",
                source_id=str(referral.pk),
                source_url=reverse("resources:referral", args=[referral.pk]),
            )
        )
    Task.objects.bulk_create(tasks, batch_size=500, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("worklist", "0001_initial"),
        ("concerns", "0004_staff_concern_subject"),
        ("resources", "0004_changed_since_indexes"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
