"""`liaison serve` as a district runs it: gunicorn and the worker it starts, in real processes,
against a database of their own (an SQLite file, or a fresh PostgreSQL database when the suite
runs on PostgreSQL), a real Redis (LIAISON_TEST_WORKER_REDIS_URL, database 12 by default, one per
xdist worker) and the SMS gateway stub on loopback.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from tests.core.test_worker import command_env
from tests.messaging.gateway import FakeGateway

ROOT = Path(__file__).resolve().parents[2]
MANAGE = [sys.executable, "-m", "liaison.cli"]

# A liaison at a school, and a family of her caseload there that reads texts.
SETUP = """
import django; django.setup()
from tests import factories as f
district = f.DistrictFactory(name="Servetown Schools", slug="servetown")
school = f.SiteFactory(district=district, name="Serve Elementary")
liaison = f.UserFactory(username="liaison")
f.MembershipFactory(user=liaison, district=district, site=school, role="liaison")
household = f.HouseholdFactory(district=district, name="Okafor household", home_languages=["en"])
guardian = f.GuardianFactory(household=household, given_name="Ngozi", family_name="Okafor",
                             preferred_language="en", phone="+16175550177",
                             preferred_channels=["sms"])
student = f.StudentFactory(household=household, given_name="Chidi", family_name="Okafor")
f.EnrolmentFactory(student=student, site=school)
guardian.student_links.create(student=student)
f.AssignmentFactory(staff=liaison, household=household)  # on her caseload
print(household.pk)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=2) as response:  # noqa: S310
            return response.status == 200
    except OSError:
        return False


class Served:
    """`liaison serve` in its own process group, stopped (with its children) at the end."""

    def __init__(self, env, port, workers=1, extra=()):
        self.url = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [*MANAGE, "serve", "--bind", f"127.0.0.1:{port}", "--workers", str(workers), *extra],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )

    def wait_until_up(self, timeout=90):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            if healthy(self.url):
                return True
            time.sleep(0.3)
        return False

    def stop(self) -> str:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            out, _ = self.process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            out, _ = self.process.communicate()
        return out


def prepare(env) -> int:
    run = dict(cwd=ROOT, env=env, check=True, capture_output=True, text=True, timeout=180)
    subprocess.run([*MANAGE, "migrate", "--no-input"], **run)
    return int(subprocess.run([sys.executable, "-c", SETUP], **run).stdout.strip())


@pytest.mark.slow
def test_serve_keeps_serving_with_the_immediate_backend(own_database, tmp_path):
    with FakeGateway() as gateway:
        env = command_env(own_database, tmp_path, gateway, "immediate")
        prepare(env)
        served = Served(env, free_port())
        try:
            assert served.wait_until_up(), served.stop()
            time.sleep(5)  # the worker it used to start failed after two seconds, taking it down
            assert served.process.poll() is None, served.stop()
            assert healthy(served.url)
        finally:
            served.stop()


@pytest.mark.slow
@pytest.mark.browser
def test_a_message_written_in_the_browser_is_delivered_by_the_worker_serve_starts(
    own_database, redis_db, tmp_path, browser
):
    """The district's setup: LIAISON_TASK_BACKEND=redis (on PostgreSQL when the suite runs there)."""
    from playwright.sync_api import expect

    with FakeGateway() as gateway:
        env = command_env(own_database, tmp_path, gateway, "redis")
        household_id = prepare(env)
        served = Served(env, free_port())
        try:
            assert served.wait_until_up(), served.stop()
            context = browser.new_context()
            try:
                page = context.new_page()
                page.set_default_timeout(20_000)
                page.goto(served.url + "/sign-in/")
                page.get_by_label("Username").fill("liaison")
                page.get_by_label("Password").fill("correct-horse-battery")
                page.get_by_role("button", name="Sign in").click()
                page.goto(f"{served.url}/messages/households/{household_id}/write/")
                page.get_by_role("textbox", name="Message").fill("Conferences are on Thursday")
                page.get_by_role("button", name="Send").click()
                expect(page.locator("#thread")).to_contain_text("Conferences are on Thursday")
            finally:
                context.close()
            deadline = time.monotonic() + 60
            while not gateway.sent and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            output = served.stop()
    assert [(m["to"], m["body"].split("\n")[0]) for m in gateway.sent] == [
        ("+16175550177", "Conferences are on Thursday")
    ], output


def sign_in_over_http(url: str, username: str, password: str, forwarded: str) -> str:
    """A fresh browser session signing in, through a proxy that sends `forwarded`; each request
    on a new connection, so either web process may answer it. Returns the page it ends on."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    headers = {"X-Forwarded-For": forwarded}
    first = urllib.request.Request(url + "/sign-in/", headers=headers)  # noqa: S310 - loopback
    with opener.open(first, timeout=30) as r:
        page = r.read().decode()
    token = page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    data = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "login": username, "password": password}
    ).encode()
    request = urllib.request.Request(url + "/sign-in/", data=data, headers=headers)  # noqa: S310
    with opener.open(request, timeout=30) as r:  # follows the redirect after a sign-in
        return r.read().decode()


@pytest.mark.slow
def test_behind_a_proxy_sign_in_limits_hold_across_web_processes(own_database, tmp_path):
    """Two gunicorn processes, LIAISON_BEHIND_PROXY=1 (the test plays the proxy): one client
    writing made-up addresses into its own X-Forwarded-For is refused after its 8 failures (the
    limit set here, counted over half an hour so a slow machine stays inside it), however the
    requests were shared between the processes; a colleague behind the same proxy is not."""
    with FakeGateway() as gateway:
        env = command_env(own_database, tmp_path, gateway, "database")
        env.update(
            {
                "LIAISON_BEHIND_PROXY": "1",
                "LIAISON_WEB_WORKERS": "2",
                "LIAISON_LOGIN_FAILED_LIMIT": "8/30m/ip,5/5m/key",
            }
        )
        env.pop("CACHE_URL", None)  # the default
        prepare(env)
        served = Served(env, free_port(), workers=2)
        try:
            assert served.wait_until_up(), served.stop()
            for i in range(8):
                page = sign_in_over_http(
                    served.url, f"nobody{i}", "wrong-password-1", f"198.51.100.{i}, 203.0.113.66"
                )
                assert "not correct" in page
            page = sign_in_over_http(
                served.url, "liaison", "correct-horse-battery", "198.51.100.99, 203.0.113.66"
            )
            assert "Too many failed login attempts" in page
            page = sign_in_over_http(served.url, "liaison", "correct-horse-battery", "192.0.2.10")
            assert "Too many" not in page and "Sign out" in page
        finally:
            served.stop()


@pytest.mark.slow
@pytest.mark.parametrize("server", ["gunicorn", "uvicorn"])
def test_with_json_logs_every_line_the_server_writes_is_json(own_database, tmp_path, server):
    """LIAISON_LOG_FORMAT=json for a log collector: the servers' own lines (started, a worker
    booted, stopping) are JSON objects too, and a request is logged once, by Liaison, with its
    id (not again by the server's plain access log)."""
    import json

    with FakeGateway() as gateway:
        env = command_env(own_database, tmp_path, gateway, "immediate")
        env.update(LIAISON_LOG_FORMAT="json", LIAISON_LOG_LEVEL="")
        prepare(env)
        served = Served(env, free_port(), extra=["--asgi"] if server == "uvicorn" else [])
        try:
            assert served.wait_until_up(), served.stop()
            request = urllib.request.Request(  # noqa: S310 - the server the test started
                served.url + "/healthz", headers={"X-Request-ID": "collector-check-1"}
            )
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                assert response.status == 200
        finally:
            out = served.stop()
    lines = [json.loads(line) for line in out.splitlines() if line.strip()]
    loggers = {line["logger"] for line in lines}
    assert {"liaison.serve", f"{'uvicorn' if server == 'uvicorn' else 'gunicorn'}.error"} <= loggers
    mine = [line for line in lines if line.get("request_id") == "collector-check-1"]
    assert [(line["logger"], line["view"], line["status"]) for line in mine] == [
        ("liaison.request", "healthz", 200)
    ]
    assert not any("\x1b[" in line["message"] or "color_message" in line for line in lines)
