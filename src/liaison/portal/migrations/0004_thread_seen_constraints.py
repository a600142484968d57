"""Second step of 0003 (its own transaction: PostgreSQL does not alter a table with pending
deferred-constraint checks from the rows 0003 updated)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("portal", "0003_thread_seen_per_thread")]

    operations = [
        migrations.AlterField(
            model_name="threadseen",
            name="conversation",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="messaging.conversation",
            ),
        ),
        migrations.AlterField(
            model_name="threadseen",
            name="guardian",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="portal_threads_seen",
                to="people.guardian",
            ),
        ),
        migrations.AddConstraint(
            model_name="threadseen",
            constraint=models.UniqueConstraint(
                fields=("guardian", "conversation"), name="thread_seen_once"
            ),
        ),
    ]
