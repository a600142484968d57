"""Work handed `beside` the rest of a job: on PostgreSQL outside a transaction it runs on a thread
with a connection of its own, sees what was committed, speaks the caller's language, and is done
(or has raised its error) when the `alongside` block is left; anywhere else it runs at once."""

import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone, translation

from liaison.core.alongside import alongside, beside
from liaison.people.models import District


def _where(seen):
    def record(**kwargs):
        seen.append((threading.current_thread(), kwargs))

    return record


@pytest.mark.django_db
def test_without_an_open_block_or_inside_a_transaction_the_work_runs_at_once():
    seen: list = []
    beside(_where(seen), n=1)
    with alongside():
        beside(_where(seen), n=2)  # a test's transaction is open: a thread would not see its rows
        with transaction.atomic():
            beside(_where(seen), n=3)
        assert len(seen) == 3  # done before the block is left
    assert [thread for thread, _ in seen] == [threading.current_thread()] * 3
    assert [kwargs["n"] for _, kwargs in seen] == [1, 2, 3]


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_work_runs_on_its_own_connection_and_is_done_when_the_block_is_left():
    District.objects.create(name="Committed before", slug="committed")
    found: dict = {}

    def work(*, slug):
        time.sleep(0.3)  # still running when the job's own work is done
        found["thread"] = threading.current_thread()
        found["connection"] = connections["default"]
        found["seen"] = District.objects.filter(slug="committed").exists()
        found["language"] = translation.get_language()
        found["zone"] = timezone.get_current_timezone_name()
        District.objects.create(name="Written beside", slug=slug)

    with translation.override("es"), timezone.override("America/Chicago"), alongside():
        beside(work, slug="beside")
        assert not District.objects.filter(slug="beside").exists()
    assert District.objects.filter(slug="beside").exists()
    assert found["thread"] is not threading.current_thread()
    assert found["connection"] is not connection
    assert found["seen"] and found["language"] == "es" and found["zone"] == "America/Chicago"
    assert found["connection"].connection is None  # closed when the thread finished


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_an_error_beside_is_raised_where_the_block_is_left_after_the_jobs_own_work():
    def fails():
        raise ValueError("the scores could not be written")

    with pytest.raises(ValueError, match="could not be written"), alongside():
        beside(fails)
        District.objects.create(name="The job's own work", slug="own")
    assert District.objects.filter(slug="own").exists()
