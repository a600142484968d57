"""Each student's measures row is updated in place every school day (attendance.carry): on
PostgreSQL the table leaves half of each page free, so the new version of a row fits on the page of
the old one and, as no indexed column changes, the update is HOT (no index entry is written). The
index on the student alone goes: the unique (student, school year) index serves lookups by student.

A table already filled keeps its pages as they are until it is rewritten (VACUUM FULL); new pages
are filled to half."""

from django.db import migrations, models
import django.db.models.deletion

TABLE = "attendance_studentattendance"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} SET (fillfactor = 50)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} RESET (fillfactor)")


class Migration(migrations.Migration):

    dependencies = [
        ("attendance", "0007_att_event_fk_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="studentattendance",
            name="student",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="attendance",
                to="people.student",
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
