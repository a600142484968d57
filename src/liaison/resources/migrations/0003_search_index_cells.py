"""PostgreSQL's text index without the pending list (each search read it through), and the
listings renumbered by map cell (search.rebuild)."""

from django.db import migrations

PG_UP = [
    "DROP INDEX IF EXISTS resources_listing_document",
    "CREATE INDEX resources_listing_document ON resources_listing USING GIN (document) "
    "WITH (fastupdate = off)",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in PG_UP:
            schema_editor.execute(sql)
    Service = apps.get_model("resources", "Service")
    if Service.objects.exists():
        from liaison.resources import search

        search.rebuild()


class Migration(migrations.Migration):
    dependencies = [("resources", "0002_search_index")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
