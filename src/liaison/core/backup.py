"""Backups an operator can restore from: SQLite through its online backup API, PostgreSQL through
pg_dump/pg_restore (custom format). Both copy one consistent moment while writes go on: everything
committed before the backup began is in it, nothing half-written is.
"""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.db import connections

SQLITE_HEADER = b"SQLite format 3\x00"
PG_CUSTOM_HEADER = b"PGDMP"


class BackupError(Exception):
    """What went wrong, in words an operator can act on (no traceback)."""


def _database(alias: str = "default") -> dict[str, Any]:
    return connections[alias].settings_dict


def _vendor(alias: str = "default") -> str:
    return connections[alias].vendor


def backup(path: Path, *, alias: str = "default") -> str:
    """Write a backup of the database to `path` (replaced only once the backup is whole); returns
    the format written ("sqlite" or "postgresql")."""
    path = Path(path)
    if not path.parent.is_dir():
        raise BackupError(f"The folder {path.parent} does not exist.")
    if path.is_dir():
        # Found out before the copy, not after minutes of it (the file replaces what is at path).
        raise BackupError(
            f"{path} is a folder: name the backup file in it, e.g. {path / 'liaison.backup'}."
        )
    partial = path.with_name(path.name + ".partial")
    vendor = _vendor(alias)
    try:
        if vendor == "sqlite":
            _sqlite_backup(Path(_database(alias)["NAME"]), partial)
        elif vendor == "postgresql":
            _pg_dump(_database(alias), partial)
        else:
            raise BackupError(f"Backups of a {vendor} database are not supported.")
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return vendor


def restore(path: Path, *, force: bool = False, alias: str = "default") -> str:
    """Restore the backup at `path` into the configured database; refuses a database that holds
    tables already unless `force`. Returns the format restored."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"There is no backup file at {path}.")
    with path.open("rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    vendor = _vendor(alias)
    expected = SQLITE_HEADER if vendor == "sqlite" else PG_CUSTOM_HEADER
    if not header.startswith(expected):
        kind = (
            "an SQLite backup"
            if header.startswith(SQLITE_HEADER)
            else "a PostgreSQL backup"
            if header.startswith(PG_CUSTOM_HEADER)
            else "not a Liaison backup"
        )
        raise BackupError(f"{path} is {kind}; this server's database is {vendor}.")
    if not force and _has_tables(alias):
        raise BackupError(
            "The database is not empty: restore into a new, empty database, or add --force to "
            "replace everything in it with the backup."
        )
    connections[alias].close()
    if vendor == "sqlite":
        _sqlite_restore(path, Path(_database(alias)["NAME"]))
    else:
        _pg_restore(_database(alias), path, clean=force)
    return vendor


def _has_tables(alias: str) -> bool:
    connection = connections[alias]
    with connection.cursor() as cursor:
        return bool(connection.introspection.table_names(cursor))


# --- SQLite ----------------------------------------------------------------------------------


def _sqlite_backup(source: Path, target: Path) -> None:
    if not source.is_file():
        raise BackupError(f"There is no database at {source}.")
    target.unlink(missing_ok=True)
    # One step (pages=-1): the copy is of a single moment; under WAL writers go on meanwhile.
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        dst.close()
        src.close()
    _sqlite_check(target)


def _sqlite_restore(source: Path, target: Path) -> None:
    _sqlite_check(source)
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target, timeout=30)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _sqlite_check(path: Path) -> None:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        answer = db.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a readable SQLite database: {error}") from error
    finally:
        db.close()
    if answer != "ok":
        raise BackupError(f"{path} failed SQLite's integrity check: {answer}")


# --- PostgreSQL --------------------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(
            f"{name} was not found on this server's PATH. Install PostgreSQL's client tools "
            f"(Debian: apt-get install postgresql-client), of the server's major version or newer."
        )
    return found


def _pg_env(database: dict[str, Any]) -> dict[str, str]:
    """libpq's environment for the configured database (the password never on a command line)."""
    env = dict(os.environ)
    for key, var in [
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ]:
        if database.get(key):
            env[var] = str(database[key])
    return env


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        tool = Path(command[0]).name
        raise BackupError(f"{tool} failed: {done.stderr.strip() or done.stdout.strip()}")


def _pg_dump(database: dict[str, Any], target: Path) -> None:
    # pg_dump reads one snapshot: whatever commits after it starts is not in the file.
    _run(
        [
            _pg_tool("pg_dump"),
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            f"--file={target}",
        ],
        _pg_env(database),
    )


def _pg_restore(database: dict[str, Any], source: Path, *, clean: bool) -> None:
    command = [
        _pg_tool("pg_restore"),
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        "--single-transaction",
        f"--dbname={database['NAME']}",
    ]
    env = _pg_env(database)
    if clean:
        # Not pg_restore --clean: it drops a partition's index before the partitioned index that
        # requires it (the access log is partitioned by month) and fails. The schema is emptied
        # instead, then the backup restored into it.
        _run(
            [
                _pg_tool("psql"),
                "--no-psqlrc",
                "--set=ON_ERROR_STOP=1",
                f"--dbname={database['NAME']}",
                "--command=DROP SCHEMA public CASCADE; CREATE SCHEMA public;",
            ],
            env,
        )
    _run([*command, str(source)], env)
