"""The access log is partitioned by month on PostgreSQL, its coming months made ahead, old months
dropped whole by retention; on SQLite it is one table and retention deletes old rows."""

import datetime as dt
import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from liaison.audit import services
from liaison.audit.models import AccessLog
from liaison.core import partitions

TABLE = AccessLog._meta.db_table
POSTGRES = connection.vendor == "postgresql"
# Partitions exist on PostgreSQL only: CI's PostgreSQL stage runs these; the SQLite run deselects
# them (tests/conftest.py), which pytest reports, rather than skipping them.
postgres_only = pytest.mark.postgresql

THIS_MONTH = partitions.month_start(dt.datetime.now(dt.UTC).date())


def at(month: dt.date, day: int = 15) -> dt.datetime:
    return dt.datetime(month.year, month.month, day, 12, tzinfo=dt.UTC)


def log(when: dt.datetime, object_id: int = 1) -> AccessLog:
    return AccessLog.objects.create(
        at=when, username="liaison", kind="household", object_id=object_id, household_id=1
    )


def partition_of(entry: AccessLog) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {TABLE} WHERE id = %s", [entry.pk])
        return cursor.fetchone()[0]


def names() -> list[str]:
    return [p.name for p in partitions.partitions(TABLE)]


@pytest.mark.django_db
def test_the_access_log_is_partitioned_by_month_on_postgresql_and_plain_on_sqlite():
    with connection.cursor() as cursor:
        if not POSTGRES:
            assert not partitions.is_partitioned(TABLE)
            assert partitions.ensure_partitions() == []
            cursor.execute("SELECT type FROM sqlite_master WHERE name = %s", [TABLE])
            assert cursor.fetchone() == ("table",)
            return
        cursor.execute(
            "SELECT p.partstrat, a.attname FROM pg_partitioned_table p "
            "JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0] "
            "WHERE p.partrelid = %s::regclass",
            [TABLE],
        )
        assert cursor.fetchone() == ("r", "at")
    # The migration (from an empty database here) and post_migrate made this month and the next two.
    for n in range(3):
        assert partitions.partition_name(TABLE, partitions.add_months(THIS_MONTH, n)) in names()
    assert names()[-1] == f"{TABLE}_default"


@postgres_only
@pytest.mark.django_db
def test_a_row_for_a_new_month_lands_in_its_partition():
    month = partitions.add_months(THIS_MONTH, 5)
    early = log(at(month))
    # No partition for that month yet: the default partition caught it.
    assert partition_of(early) == f"{TABLE}_default"
    made = partitions.ensure_partitions(months_ahead=5)
    assert partitions.partition_name(TABLE, month) in made
    # Making the month moved the row the default held into it; a new row goes there too.
    assert partition_of(early) == partitions.partition_name(TABLE, month)
    later = log(at(month, day=20), object_id=2)
    assert partition_of(later) == partitions.partition_name(TABLE, month)
    assert later.pk > early.pk
    assert set(AccessLog.objects.filter(at__gte=at(month, 1)).values_list("pk", flat=True)) == {
        early.pk,
        later.pk,
    }


@postgres_only
@pytest.mark.django_db
def test_ensure_partitions_is_idempotent():
    partitions.ensure_partitions(months_ahead=3)
    before = names()
    assert partitions.ensure_partitions(months_ahead=3) == []
    assert names() == before


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_schedulers_making_the_same_months_at_once_make_each_once():
    months = [partitions.add_months(THIS_MONTH, n) for n in (7, 8)]
    made, errors = [], []
    start = threading.Barrier(2)

    def scheduler():
        try:
            start.wait()
            made.extend(partitions.make_months(TABLE, months))
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(made) == [partitions.partition_name(TABLE, m) for m in months]


@pytest.mark.django_db
def test_retention_drops_the_months_past_the_kept_ones_and_keeps_the_rest(settings):
    settings.LIAISON_ACCESS_LOG_MONTHS = 12
    months = {n: partitions.add_months(THIS_MONTH, -n) for n in (14, 13, 12, 1)}
    partitions.make_months(TABLE, list(months.values()))  # nothing to make on SQLite
    entries = {n: log(at(month), object_id=n) for n, month in months.items()}
    removed = services.expire_access_log()
    kept = set(AccessLog.objects.values_list("object_id", flat=True))
    assert kept == {12, 1}
    if POSTGRES:
        # Whole partitions went (two months), no row was deleted one by one.
        assert removed == 2
        assert partitions.partition_name(TABLE, months[14]) not in names()
        assert partitions.partition_name(TABLE, months[13]) not in names()
        assert partition_of(entries[12]) == partitions.partition_name(TABLE, months[12])
    else:
        assert removed == 2


@pytest.mark.django_db
def test_retention_deletes_old_rows_in_bounded_batches(settings, monkeypatch):
    # On SQLite this is the whole of retention; on PostgreSQL, the old rows the default
    # partition caught (no month partition so far back).
    settings.LIAISON_ACCESS_LOG_MONTHS = 12
    monkeypatch.setattr(services, "ACCESS_LOG_DELETE_BATCH", 3)
    long_ago = at(partitions.add_months(THIS_MONTH, -60))
    for n in range(7):
        log(long_ago, object_id=n)
    log(at(THIS_MONTH), object_id=99)
    with CaptureQueriesContext(connection) as queries:
        services.expire_access_log()
    deletes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("DELETE")]
    assert len(deletes) == 3  # 3 + 3 + 1 rows: no statement deleted more than the batch
    assert list(AccessLog.objects.values_list("object_id", flat=True)) == [99]


@pytest.mark.django_db
def test_the_whole_access_log_is_kept_unless_a_period_is_set(settings):
    settings.LIAISON_ACCESS_LOG_MONTHS = 0
    log(at(partitions.add_months(THIS_MONTH, -120)))
    assert services.expire_access_log() == 0
    assert AccessLog.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_existing_rows_and_can_be_undone():
    executor = MigrationExecutor(connection)
    executor.migrate([("audit", "0004_access_log_action_length")])
    old_months = [partitions.add_months(THIS_MONTH, -n) for n in (15, 3, 0)]
    with connection.cursor() as cursor:
        assert not partitions.is_partitioned(TABLE)
        for n, month in enumerate(old_months):
            cursor.execute(
                f"INSERT INTO {TABLE} (at, username, kind, object_id, household_id, action, path, "
                "user_agent, reason) VALUES (%s, 'liaison', 'household', %s, 1, 'view', '', '', '')",
                [at(month), n],
            )
    before = list(AccessLog.objects.order_by("pk").values_list("pk", "at", "object_id"))
    executor = MigrationExecutor(connection)
    executor.migrate([("audit", "0006_access_log_break_glass_index")])
    assert list(AccessLog.objects.order_by("pk").values_list("pk", "at", "object_id")) == before
    assert log(at(THIS_MONTH)).pk > before[-1][0]
    if POSTGRES:
        assert partitions.is_partitioned(TABLE)
        # A partition for every month from the oldest row's on, each row in its own.
        assert partitions.partition_name(TABLE, old_months[0]) in names()
        assert AccessLog.objects.count() == 4
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {TABLE}_default")
            assert cursor.fetchone()[0] == 0
    executor = MigrationExecutor(connection)
    executor.migrate([("audit", "0004_access_log_action_length")])
    assert not partitions.is_partitioned(TABLE)
    assert AccessLog.objects.count() == 4
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert partitions.is_partitioned(TABLE) == POSTGRES


@pytest.mark.django_db
def test_the_break_glass_page_shows_a_period_and_older_openings_on_asking(client, world):
    recent = AccessLog.objects.create(
        username="liaison",
        kind="household",
        object_id=world.site_family.pk,
        household_id=world.site_family.pk,
        action="break_glass",
        reason="Recent bus problem call",
    )
    AccessLog.objects.create(
        at=recent.at - dt.timedelta(days=200),
        username="liaison",
        kind="household",
        object_id=world.site_family.pk,
        household_id=world.site_family.pk,
        action="break_glass",
        reason="Older lunch form question",
    )
    client.force_login(world.leader)
    url = reverse("audit:break_glass")
    page = client.get(url).content.decode()
    assert "Recent bus problem call" in page and "Older lunch form question" not in page
    page = client.get(url, {"months": "12"}).content.decode()
    assert "Recent bus problem call" in page and "Older lunch form question" in page
    response = client.get(url, {"months": "lots"})
    assert response.status_code == 200
    assert "Older lunch form question" not in response.content.decode()


@postgres_only
@pytest.mark.django_db
def test_the_break_glass_page_reads_only_the_months_of_its_period(client, world):
    old = partitions.add_months(THIS_MONTH, -8)
    partitions.make_months(TABLE, [old])
    client.force_login(world.leader)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("audit:break_glass")).status_code == 200
    reads = [q["sql"] for q in queries.captured_queries if f'"{TABLE}"' in q["sql"]]
    assert reads
    with connection.cursor() as cursor:
        for sql in reads:
            cursor.execute("EXPLAIN " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert partitions.partition_name(TABLE, THIS_MONTH) in plan
            assert partitions.partition_name(TABLE, old) not in plan


@postgres_only
@pytest.mark.django_db
def test_liaison_migrate_makes_the_coming_months_when_they_are_missing():
    coming = partitions.partition_name(TABLE, partitions.add_months(THIS_MONTH, 2))
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {TABLE} DETACH PARTITION {coming}")
        cursor.execute(f"DROP TABLE {coming}")
    assert coming not in names()
    call_command("migrate", verbosity=0)  # nothing to migrate: post_migrate alone
    assert coming in names()
