"""A guardian's "last opened" time per thread, now that a household can have several threads
(the shared one and staff members' own). Existing rows were for the shared thread."""

import django.db.models.deletion
from django.db import migrations, models


def to_shared_thread(apps, schema_editor):
    ThreadSeen = apps.get_model("portal", "ThreadSeen")
    Conversation = apps.get_model("messaging", "Conversation")
    shared = dict(Conversation.objects.filter(staff__isnull=True).values_list("household_id", "pk"))
    for seen in ThreadSeen.objects.select_related("guardian").iterator():
        conversation_id = shared.get(seen.guardian.household_id)
        if conversation_id is None:
            seen.delete()
        else:
            seen.conversation_id = conversation_id
            seen.save(update_fields=["conversation"])


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0005_staff_threads"),
        ("people", "0001_initial"),
        ("portal", "0002_threadseen"),
    ]

    operations = [
        migrations.AddField(
            model_name="threadseen",
            name="conversation",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="messaging.conversation",
            ),
        ),
        migrations.RunPython(to_shared_thread, migrations.RunPython.noop, elidable=True),
    ]
