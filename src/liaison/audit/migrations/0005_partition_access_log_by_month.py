"""The access log becomes a table partitioned by month of `at` on PostgreSQL (nothing changes on
SQLite, nor in Django's model state).

In the database the primary key is (id, at): PostgreSQL needs the partition key in it. Django
still treats `id` as the pk; ids come from the one identity sequence of the partitioned table, so
they stay unique. Nothing points at the access log by foreign key (a key to a partitioned table
would need id and at). The rows are moved in this migration (one INSERT … SELECT), the indexes and
the key to the staff member remade under their Django names; `liaison.core.partitions` explains
the rest (the default partition, the coming months made by ensure_partitions).
"""

from django.db import migrations

from liaison.core import partitions

TABLE, COLUMN = "audit_accesslog", "at"


def forwards(apps, schema_editor):
    partitions.partition_table(schema_editor, TABLE, COLUMN)


def backwards(apps, schema_editor):
    partitions.unpartition_table(schema_editor, TABLE)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_access_log_action_length"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
