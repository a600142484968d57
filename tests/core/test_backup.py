"""`liaison backup` and `liaison restore` as an operator runs them, while Liaison keeps writing: the
restored database holds every message, delivery and access-log row committed before the backup
began, byte for byte (counts and checksums). On SQLite (the online backup API) and, when the suite
runs on PostgreSQL, on PostgreSQL (pg_dump/pg_restore, custom format)."""

import hashlib
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.processes import LIAISON, runner

pytestmark = pytest.mark.slow
TABLES = ["messaging_message", "messaging_delivery", "audit_accesslog"]

SEED = """
import django; django.setup()
from tests import factories as f
district = f.DistrictFactory(name="Backupville Schools", slug="backupville")
site = f.SiteFactory(district=district, name="Backup Elementary")
household = f.HouseholdFactory(district=district, name="Nguyen household")
f.GuardianFactory(household=household, phone="+18575550142")
f.UserFactory(username="liaison")
"""

# Liaison at work: one transaction at a time, each a message, its delivery and an access-log row,
# until told to stop; it says when it has written its first rows, and how many it wrote.
WRITER = """
import django, sys, pathlib; django.setup()
from django.db import transaction
from liaison.audit.models import AccessLog
from liaison.messaging.models import Delivery, Message
from liaison.people.models import District, Guardian, User
stop, started = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
district, guardian, user = District.objects.get(), Guardian.objects.get(), User.objects.get()
n = 0
while not stop.exists():
    with transaction.atomic():
        message = Message.objects.create(district=district, body=f"Reminder {n}: conferences")
        Delivery.objects.create(message=message, guardian=guardian, channel="sms",
                                household_id_copy=guardian.household_id, address=guardian.phone)
        AccessLog.objects.create(user=user, username=user.username, kind="household",
                                 object_id=guardian.household_id, household_id=guardian.household_id)
    n += 1
    if n == 25:
        started.touch()
print(n)
"""


def rows(url: str, table: str, up_to: int | None = None) -> list[tuple]:
    where = "" if up_to is None else f" WHERE id <= {int(up_to)}"
    query = f"SELECT * FROM {table}{where} ORDER BY id"
    if url.startswith("sqlite:///"):
        import sqlite3

        db = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=30)
        try:
            return db.execute(query).fetchall()
        finally:
            db.close()
    import psycopg

    with psycopg.connect(url) as db:
        return db.execute(query).fetchall()


def fingerprint(url: str, bounds: dict[str, int]) -> dict[str, tuple[int, str]]:
    """Each table's rows up to the id given: how many, and a SHA-256 of every value in them."""
    found = {}
    for table, bound in bounds.items():
        selected = rows(url, table, bound)
        found[table] = (len(selected), hashlib.sha256(repr(selected).encode()).hexdigest())
    return found


def fresh_database(source_url: str, tmp_path: Path, name: str) -> str:
    if source_url.startswith("sqlite:///"):
        return f"sqlite:///{tmp_path / f'{name}.sqlite3'}"
    import psycopg

    base, _, source = source_url.rpartition("/")
    target = f"{source}_{name}"[:63]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{target}"')
    return f"{base}/{target}"


def drop(url: str) -> None:
    if url.startswith("postgres"):
        import psycopg

        base, _, name = url.rpartition("/")
        with psycopg.connect(f"{base}/postgres", autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def liaison(url: str, tmp_path: Path, *args: str, check: bool = True, **env: str):
    run = runner(url, tmp_path, **env) | {"check": check}
    return subprocess.run([*LIAISON, *args], **run)


def test_a_backup_taken_during_writes_restores_everything_committed_before_it(
    own_database, tmp_path
):
    liaison(own_database, tmp_path, "migrate", "--no-input", "-v0")
    subprocess.run([sys.executable, "-c", SEED], **runner(own_database, tmp_path))
    stop, started = tmp_path / "stop", tmp_path / "started"
    env = runner(own_database, tmp_path)["env"]
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(stop), str(started)],
        cwd=runner(own_database, tmp_path)["cwd"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    restored = fresh_database(own_database, tmp_path, "restored")
    try:
        deadline = time.monotonic() + 120
        while not started.exists():
            assert writer.poll() is None and time.monotonic() < deadline, writer.communicate()
            time.sleep(0.05)
        # What was committed when the backup began: every row up to the highest id now.
        bounds = {table: max(row[0] for row in rows(own_database, table)) for table in TABLES}
        before = fingerprint(own_database, bounds)
        backup = tmp_path / "liaison.backup"
        done = liaison(own_database, tmp_path, "backup", str(backup))
        assert "Backed up" in done.stdout
        still_writing = writer.poll() is None
        stop.touch()
        out, err = writer.communicate(timeout=60)
        assert writer.returncode == 0, err
        assert still_writing, "the writer stopped before the backup ended"
        written = int(out)
        assert written > before["messaging_message"][0]  # it went on writing during the backup

        done = liaison(restored, tmp_path, "restore", str(backup))
        assert "Restored" in done.stdout
        assert fingerprint(restored, bounds) == before
        # Whole transactions only: each restored message has its delivery and its access-log row.
        counts = {table: len(rows(restored, table)) for table in TABLES}
        assert len(set(counts.values())) == 1, counts
        # And the restored database is one Liaison runs on: its migrations are all there.
        plan = liaison(restored, tmp_path, "migrate", "--plan")
        assert "No planned migration operations." in plan.stdout

        # Once more onto the restored database: refused as it is not empty, unless forced.
        refused = liaison(restored, tmp_path, "restore", str(backup), check=False)
        assert refused.returncode == 1
        assert "The database is not empty" in refused.stderr and "--force" in refused.stderr
        assert "Traceback" not in refused.stderr
        liaison(restored, tmp_path, "restore", "--force", str(backup))
        assert fingerprint(restored, bounds) == before
    finally:
        stop.touch()
        if writer.poll() is None:
            writer.kill()
        drop(restored)


def test_restore_of_a_missing_file_says_so(own_database, tmp_path):
    refused = liaison(
        own_database, tmp_path, "restore", str(tmp_path / "nowhere.backup"), check=False
    )
    assert refused.returncode == 1
    assert f"There is no backup file at {tmp_path / 'nowhere.backup'}" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_restore_of_a_file_that_is_no_backup_says_so(own_database, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database")
    refused = liaison(own_database, tmp_path, "restore", str(notes), check=False)
    assert refused.returncode == 1
    assert "is not a Liaison backup" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_a_postgresql_backup_without_pg_dump_says_what_to_install(tmp_path):
    """No connection is needed to find out: the tools are looked for first."""
    refused = liaison(
        "postgres://postgres@127.0.0.1:5432/liaison",
        tmp_path,
        "backup",
        str(tmp_path / "liaison.backup"),
        check=False,
        PATH=str(tmp_path),  # a PATH with no PostgreSQL client tools on it
    )
    assert refused.returncode == 1
    assert "pg_dump was not found" in refused.stderr
    assert "postgresql-client" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_a_backup_given_a_folder_asks_for_a_file_name_before_copying(own_database, tmp_path):
    """The nightly cron names a file; a hand-typed run often names the backups folder."""
    folder = tmp_path / "backups"
    folder.mkdir()
    refused = liaison(own_database, tmp_path, "backup", str(folder), check=False)
    assert refused.returncode == 1
    assert f"{folder} is a folder: name the backup file in it, e.g. " in refused.stderr
    assert "Traceback" not in refused.stderr
    assert list(tmp_path.glob("*.partial")) == [] and list(folder.iterdir()) == []
