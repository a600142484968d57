"""A thread's row is updated with every message written to it (its last_message_at): on
PostgreSQL the table leaves a fifth of each page free, so the new version of a row fits on the
page of the old one and, as that column has no index, the update is HOT (none of the table's ten
index entries is written again). A day's attendance nudges update thousands of threads at once:
0.1–0.2 s of index writes at 6,000 families.

A table already filled keeps its pages as they are until it is rewritten (VACUUM FULL); new pages
are filled to four fifths."""

from django.db import migrations

TABLE = "messaging_conversation"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} SET (fillfactor = 80)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} RESET (fillfactor)")


class Migration(migrations.Migration):

    dependencies = [
        ("messaging", "0008_savedreply"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
