"""JSON logs (LIAISON_LOG_FORMAT=json): one object a line, each with its request's id (the proxy's
X-Request-ID when well formed, else ours, echoed in the response), and a line per request with the
view, status, duration and user id, never a name, phone, email or path."""

import io
import json
import logging
import subprocess
import sys

import pytest

from liaison.core.logs import JsonFormatter, RequestIdFilter
from tests.processes import runner


@pytest.fixture
def json_lines():
    """What the request logger writes, through the formatter and filter settings.py configures."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    loggers = [logging.getLogger(name) for name in ("liaison.request", "django.request")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)
            logger.propagate = True


@pytest.mark.django_db
def test_a_proxys_request_id_is_kept_and_echoed(client, json_lines):
    response = client.get("/healthz", headers={"X-Request-ID": "4bf92f3577b34da6a3ce929d0e0e4736"})
    assert response["X-Request-ID"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    [line] = json_lines()
    assert line["request_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert line["view"] == "healthz" and line["status"] == 200 and line["method"] == "GET"
    assert line["duration_ms"] >= 0 and line["user_id"] is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sent", ["", "short", "has spaces in it", "x" * 200, "<script>alert(1)</script>", "ok\nforged"]
)
def test_a_malformed_request_id_is_replaced_by_ours(client, json_lines, sent):
    response = client.get("/healthz", headers={"X-Request-ID": sent})
    ours = response["X-Request-ID"]
    assert ours != sent and len(ours) == 32 and ours.isalnum()
    assert json_lines()[0]["request_id"] == ours


@pytest.mark.django_db
def test_each_request_gets_its_own_id(client, json_lines):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]
    assert first != second
    assert [line["request_id"] for line in json_lines()] == [first, second]


@pytest.mark.django_db
def test_djangos_own_line_about_a_page_not_found_carries_the_request_id(client, json_lines):
    response = client.get("/no-such-page/", headers={"X-Request-ID": "trace-0001-not-found"})
    assert response.status_code == 404
    lines = json_lines()
    assert [(line["logger"], line["request_id"]) for line in lines] == [
        ("liaison.request", "trace-0001-not-found"),
        ("django.request", "trace-0001-not-found"),
    ]
    assert "/no-such-page/" not in lines[0]["message"]
    logging.getLogger("liaison.request").info("between requests")
    assert json_lines()[-1]["request_id"] == ""  # forgotten once the response was finished


def test_a_signed_in_person_is_logged_by_id_only(client, world, json_lines):
    world.liaison.email = "rosa.delgado@example.org"
    world.liaison.first_name = "Rosa"
    world.liaison.save()
    client.force_login(world.liaison)
    household = world.caseload_family
    response = client.get(f"/people/households/{household.pk}/")
    assert response.status_code == 200
    [line] = json_lines()
    assert line["user_id"] == world.liaison.pk
    assert line["view"] == "people:household"
    raw = json.dumps(line)
    for personal in ["rosa", "Rosa", "example.org", "liaison", str(household.name), "/people/"]:
        assert personal not in raw.replace("liaison.request", ""), personal


SNIPPET = """
import django, logging; django.setup()
from django.test import Client
logging.getLogger("liaison.people").warning("written while no request runs")
response = Client().get("/healthz", headers={"X-Request-ID": "req-from-the-proxy-1"})
print(response["X-Request-ID"])
"""


def test_the_setting_turns_every_log_line_into_json(tmp_path):
    """As an operator sets it: LIAISON_LOG_FORMAT=json in the environment of a fresh process."""
    run = runner(
        f"sqlite:///{tmp_path / 'logs.sqlite3'}",
        tmp_path,
        LIAISON_LOG_FORMAT="json",
        LIAISON_LOG_LEVEL="",
        ALLOWED_HOSTS="testserver",
    )
    done = subprocess.run([sys.executable, "-c", SNIPPET], **run)
    assert done.stdout.strip() == "req-from-the-proxy-1"
    lines = [json.loads(line) for line in done.stderr.splitlines()]
    assert [(line["logger"], line["request_id"]) for line in lines] == [
        ("liaison.people", ""),
        ("liaison.request", "req-from-the-proxy-1"),
    ]
    assert lines[1]["view"] == "healthz" and lines[1]["level"] == "INFO"
