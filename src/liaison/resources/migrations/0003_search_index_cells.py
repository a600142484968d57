"""Search listings numbered by map cell (search.cell_of), without the indexes that searches no
longer use; the text indexes rebuilt: FTS5 with prefixes of up to five letters, PostgreSQL's GIN
without a pending list (each search read it through).

The listings are derived data, and this migration only empties them: numbering them is the search
code's business, which changes after this migration is written. Once `migrate` has finished, the
app refills them (search.rebuild_if_missing, on post_migrate); `liaison rebuild_resource_index`
does the same by hand."""

import django.db.models.deletion
from django.db import migrations, models


SQLITE_FTS = (
    "CREATE VIRTUAL TABLE resources_listing_fts USING fts5("
    "name, body, facets, prefix='2 3 4 5', tokenize='porter unicode61 remove_diacritics 2')"
)
PG_GIN = (
    "CREATE INDEX resources_listing_document ON resources_listing USING GIN (document) "
    "WITH (fastupdate = off)"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS resources_listing_document")
        schema_editor.execute(PG_GIN)
    elif schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS resources_listing_fts")
        schema_editor.execute(SQLITE_FTS)
    # Listings numbered the old way would sit outside every map cell a search looks in.
    schema_editor.execute("DELETE FROM resources_listing")


class Migration(migrations.Migration):

    dependencies = [
        ('resources', '0002_search_index'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='listing',
            name='listing_lat_lon',
        ),
        migrations.AlterField(
            model_name='listing',
            name='hours',
            field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, to='resources.hourspattern'),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
