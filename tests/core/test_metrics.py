"""/metrics: Prometheus reads request latency by view, the task queue's depth, deliveries by state and
channel, import and rollup durations and live connections; only with the token, and added up over
every process of a server."""

import subprocess
import sys

import pytest
from prometheus_client.parser import text_string_to_metric_families

from liaison.messaging.choices import DeliveryState, MessageKind
from liaison.messaging.models import Delivery, Message
from tests.messaging.factories import family
from tests.processes import runner

pytestmark = pytest.mark.django_db
TOKEN = "scrape-token-for-tests"


@pytest.fixture
def scraper(client, settings):
    settings.LIAISON_METRICS_TOKEN = TOKEN

    def scrape() -> str:
        response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/plain")
        return response.content.decode()

    return scrape


def value(text: str, name: str, **labels: str) -> float:
    """The sample `name` with exactly these labels (0 when there is none yet)."""
    for family_ in text_string_to_metric_families(text):
        for sample in family_.samples:
            if sample.name == name and sample.labels == labels:
                return sample.value
    return 0.0


def test_without_the_token_it_is_not_found(client, settings):
    settings.LIAISON_METRICS_TOKEN = TOKEN
    assert client.get("/metrics").status_code == 404
    wrong = client.get("/metrics", headers={"Authorization": "Bearer guessed"})
    assert wrong.status_code == 404
    assert b"liaison_" not in wrong.content


def test_while_no_token_is_set_nobody_reads_it(client, settings):
    settings.LIAISON_METRICS_TOKEN = ""
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


def test_requests_are_counted_and_timed_by_view(client, scraper):
    before = scraper()
    for _ in range(3):
        client.get("/healthz")
    after = scraper()
    labels = dict(view="healthz", method="GET", status="200")
    count = "liaison_request_duration_seconds_count"
    assert value(after, count, **labels) - value(before, count, **labels) == 3
    assert value(after, "liaison_request_duration_seconds_sum", **labels) > value(
        before, "liaison_request_duration_seconds_sum", **labels
    )


def test_deliveries_by_state_and_channel_and_the_queue(world, scraper):
    message = Message.objects.create(
        district=world.district, kind=MessageKind.ANNOUNCEMENT, body="Snow day"
    )
    household, guardians = family(world.district, guardians=4, language="en")
    for guardian, channel, state in zip(
        guardians,
        ["sms", "sms", "email", "sms"],
        [DeliveryState.QUEUED, DeliveryState.QUEUED, DeliveryState.QUEUED, DeliveryState.FAILED],
        strict=True,
    ):
        Delivery.objects.create(
            message=message,
            guardian=guardian,
            household_id_copy=household.pk,
            channel=channel,
            state=state,
        )
    from liaison.insights.tasks import refresh_insights

    refresh_insights.using(run_after=None).enqueue()
    text = scraper()
    assert value(text, "liaison_deliveries_open", state="queued", channel="sms") == 2
    assert value(text, "liaison_deliveries_open", state="queued", channel="email") == 1
    assert value(text, "liaison_deliveries_last_day", state="failed", channel="sms") == 1
    assert value(text, "liaison_queue_depth", queue="default") >= 1


def test_rollup_and_import_durations(world, scraper, tmp_path):
    from liaison.insights.services import refresh_all
    from liaison.roster.generator import generate
    from liaison.roster.services import import_path

    before = scraper()
    refresh_all()
    import_path(path=generate(tmp_path / "bulk", students=20, seed=3))
    after = scraper()
    rollups = "liaison_rollup_duration_seconds_count"
    assert (
        value(after, rollups, mode="incremental") - value(before, rollups, mode="incremental") == 1
    )
    imports = "liaison_import_duration_seconds_count"
    labels = dict(kind="oneroster", outcome="done")
    assert value(after, imports, **labels) - value(before, imports, **labels) == 1
    assert "liaison_sse_connections" in after


# Each process answers its own requests, as a gunicorn worker does, into the shared directory.
SERVE = """
import django, sys; django.setup()
from django.test import Client
for _ in range(int(sys.argv[1])):
    assert Client().get("/healthz").status_code == 200
"""
SCRAPE = f"""
import django; django.setup()
from django.test import Client
response = Client().get("/metrics", headers={{"Authorization": "Bearer {TOKEN}"}})
print(response.content.decode())
"""


@pytest.mark.slow
def test_the_counts_of_several_processes_add_up(own_database, tmp_path):
    run = runner(
        own_database,
        tmp_path,
        ALLOWED_HOSTS="testserver",
        LIAISON_METRICS_DIR=str(tmp_path / "metrics"),
        LIAISON_METRICS_TOKEN=TOKEN,
    )
    subprocess.run([sys.executable, "-m", "liaison.cli", "migrate", "-v0"], **run)
    workers = [
        subprocess.Popen([sys.executable, "-c", SERVE, str(n)], **_popen(run)) for n in (4, 7)
    ]
    for worker in workers:
        assert worker.wait(timeout=120) == 0, worker.stderr.read() if worker.stderr else ""
    text = subprocess.run([sys.executable, "-c", SCRAPE], **run).stdout
    labels = dict(view="healthz", method="GET", status="200")
    assert value(text, "liaison_request_duration_seconds_count", **labels) == 11
    assert value(text, "liaison_queue_depth", queue="default") == 0  # read by the scraping process


def _popen(run: dict) -> dict:
    return {k: v for k, v in run.items() if k in {"cwd", "env", "text"}} | {
        "stderr": subprocess.PIPE
    }


@pytest.mark.django_db
def test_open_live_streams_are_counted_while_open(settings, redis_db):
    import asyncio

    from prometheus_client import REGISTRY

    from liaison.core import live
    from tests.core.conftest import REDIS_URL

    settings.LIAISON_LIVE_REDIS_URL = REDIS_URL

    def open_now() -> float:
        return REGISTRY.get_sample_value("liaison_sse_connections") or 0.0

    async def scenario() -> list[float]:
        before = open_now()
        first, second = live._events(["thread:1"]), live._events(["thread:2"])
        await anext(first)
        await anext(second)
        both = open_now()
        await first.aclose()
        one = open_now()
        await second.aclose()
        return [both - before, one - before, open_now() - before]

    assert asyncio.run(scenario()) == [2, 1, 0]
