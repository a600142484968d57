"""The full-text index of search listings: FTS5 on SQLite, a generated tsvector + GIN on PostgreSQL."""

from django.db import migrations

SQLITE_UP = [
    "CREATE VIRTUAL TABLE resources_listing_fts USING fts5("
    "name, body, facets, prefix='2 3', tokenize='porter unicode61 remove_diacritics 2')",
]
SQLITE_DOWN = ["DROP TABLE IF EXISTS resources_listing_fts"]
PG_UP = [
    "ALTER TABLE resources_listing ADD COLUMN document tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('english', name_text), 'A') || "
    "setweight(to_tsvector('english', body_text), 'B') || "
    "setweight(to_tsvector('simple', facet_text), 'D')) STORED",
    "CREATE INDEX resources_listing_document ON resources_listing USING GIN (document)",
]
PG_DOWN = [
    "DROP INDEX IF EXISTS resources_listing_document",
    "ALTER TABLE resources_listing DROP COLUMN IF EXISTS document",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor, [])
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("resources", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": PG_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": PG_DOWN}),
        )
    ]
