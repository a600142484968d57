"""Small database helpers that differ between SQLite and PostgreSQL."""

from django.db import connection


def refresh_statistics(*models) -> None:
    """After a bulk load, let the query planner see the new row counts (both databases plan by them)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
            cursor.execute(f"ANALYZE {tables}" if tables else "ANALYZE")
        elif connection.vendor == "sqlite":
            cursor.execute("PRAGMA optimize")


def is_postgres() -> bool:
    return connection.vendor == "postgresql"
