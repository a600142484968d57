"""Issue #22's acceptance for the load test, small and in the suite: killing a web process or a
worker under load loses no request that was answered 2xx and no delivery.

Real processes, as docs/deploy.md runs them: `liaison serve --asgi --no-worker --workers 2` (a
uvicorn supervisor and two Django processes), `liaison scheduler` and a `liaison worker` on the
RQ backend, on a database of their own (an SQLite file, or PostgreSQL when the suite runs there)
and the worker tests' Redis (never skipped: tests/core/conftest.py), with the SMS gateway stub on loopback. A
liaison logs calls and the provider posts families' texts for a few seconds while an
announcement to 1,501 guardians drains; one Django process is killed with SIGKILL, then the worker
(and its work horse) while texts are being handed over, and a new worker is started. Afterwards
every call and text answered 2xx is in the database, every delivery reached a final state, and
none reached the gateway twice. `make loadtest` (bench/loadtest/) runs the same check at size.
"""

import http.client
import http.cookiejar
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
from twilio.request_validator import RequestValidator

from tests.core.conftest import REDIS_URL
from tests.core.test_serve import MANAGE, ROOT, free_port, healthy
from tests.core.test_worker import command_env
from tests.messaging.gateway import FakeGateway

GUARDIANS = 1500  # and the family who texts: the announcement goes to 1,501
PUBLIC_URL = "https://liaison.example.org"
FINAL = {"sent", "delivered", "failed", "suppressed", "cancelled"}

# A liaison with a family on her caseload (who texts), 1,500 more guardians who take texts, and an
# announcement to all of them (its deliveries are written by the worker, then drained).
SETUP = f"""
import django; django.setup()
from liaison.messaging.audiences import Audience
from liaison.messaging.services import send_announcement
from liaison.people.models import Guardian, Household
from tests import factories as f
district = f.DistrictFactory(name="Killtown Schools", slug="killtown")
school = f.SiteFactory(district=district, name="Kill Elementary")
liaison = f.UserFactory(username="liaison")
f.MembershipFactory(user=liaison, district=district, site=school, role="liaison")
household = f.HouseholdFactory(district=district, name="Okafor household", home_languages=["en"])
f.GuardianFactory(household=household, given_name="Ngozi", family_name="Okafor",
                  preferred_language="en", phone="+16175550177", preferred_channels=["sms"])
f.AssignmentFactory(staff=liaison, household=household)
families = Household.objects.bulk_create(
    [Household(district=district, name=f"Family {{i}}") for i in range({GUARDIANS})])
Guardian.objects.bulk_create([
    Guardian(household=h, given_name="Parent", family_name=f"Family{{i}}", preferred_language="en",
             phone=f"+1857555{{i:04d}}", preferred_channels=["sms"])
    for i, h in enumerate(families)])
message = send_announcement(district=district, audience=Audience(), subject="Snow day",
                            body="Schools are closed tomorrow.", by=None, urgent=True)
print(household.pk, message.pk)
"""

REPORT = """
import django, json, re; django.setup()
from collections import Counter
from liaison.concerns.models import Contact
from liaison.messaging.models import Delivery, Message
texts = set()
for body in Message.objects.filter(direction="in").values_list("body", flat=True):
    texts.update(re.findall(r"\\((SMkill\\w+)\\)", body))
print(json.dumps({
    "calls": list(Contact.objects.filter(outcome__startswith="kill ").values_list("outcome", flat=True)),
    "texts": sorted(texts),
    "deliveries": dict(Counter(Delivery.objects.filter(message_id=MESSAGE).values_list("state", flat=True))),
}))
"""


def children(pid: int) -> list[int]:
    """Every descendant of `pid` (from /proc: no third-party package needed)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        kids = [p for p, pp in parents.items() if pp == parent]
        found += kids
        frontier += kids
    return found


def django_processes(pid: int) -> list[int]:
    """The uvicorn workers under a `liaison serve --asgi` process (its spawned children)."""
    out = []
    for child in children(pid):
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "multiprocessing" in cmdline and "resource_tracker" not in cmdline:
            out.append(child)
    return out


def start(cmd, env, log: Path) -> subprocess.Popen:
    """A command in its own process group, its output in a file: a pipe nobody reads while it
    runs fills up with the access log and the worker's job lines, and the process then blocks."""
    with open(log, "a") as out:
        return subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop(process: subprocess.Popen, log: Path) -> str:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    return log.read_text()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Load:
    """A liaison logging calls and the provider posting texts, each in a thread, until stopped;
    keeps the marker of every write answered 2xx, and when it was answered."""

    def __init__(self, url: str, household_id: int, token: str):
        self.url, self.household_id, self.token = url, household_id, token
        self.calls: list[tuple[float, str]] = []
        self.texts: list[tuple[float, str]] = []
        self.failures = 0
        self.stopping = threading.Event()
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        self.no_redirect = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(jar), NoRedirect
        )
        page = self._open("/sign-in/").read().decode()
        self._open(
            "/sign-in/",
            {
                "csrfmiddlewaretoken": self._token(page),
                "login": "liaison",
                "password": "correct-horse-battery",
            },
        )
        self.threads = [
            threading.Thread(target=self._loop, args=(self._call,)),
            threading.Thread(target=self._loop, args=(self._text,)),
            threading.Thread(target=self._loop, args=(self._text,)),
        ]

    def _open(self, path, data=None, headers=None, opener=None):
        request = urllib.request.Request(  # noqa: S310 - loopback
            self.url + path,
            data=urllib.parse.urlencode(data).encode() if data is not None else None,
            headers=headers or {},
        )
        return (opener or self.opener).open(request, timeout=20)

    @staticmethod
    def _token(page: str) -> str:
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    def _call(self):
        path = f"/concerns/households/{self.household_id}/contacts/"
        page = self._open(path).read().decode()
        at = re.search(r'name="contact-at" value="([^"]+)"', page).group(1)
        marker = f"kill call {uuid.uuid4().hex}"
        data = {
            "csrfmiddlewaretoken": self._token(page),
            "contact-kind": "call",
            "contact-purpose": "Attendance check-in",
            "contact-result": "reached",
            "contact-outcome": marker,
            "contact-at": at,
        }
        try:
            self._open(path, data, opener=self.no_redirect)
        except urllib.error.HTTPError as answer:
            if answer.code != 302:  # the redirect after a write that was kept
                raise
            self.calls.append((time.monotonic(), marker))

    def _text(self):
        sid = f"SMkill{uuid.uuid4().hex[:24]}"
        path = "/messages/sms/inbound/"
        data = {
            "From": "+16175550177",
            "To": "+16175550199",
            "Body": f"See you Thursday ({sid})",
            "MessageSid": sid,
            "NumMedia": "0",
        }
        signature = RequestValidator(self.token).compute_signature(PUBLIC_URL + path, data)
        plain = urllib.request.build_opener()
        with self._open(path, data, {"X-Twilio-Signature": signature}, plain) as response:
            if 200 <= response.status < 300:
                self.texts.append((time.monotonic(), sid))

    def _loop(self, action):
        while not self.stopping.is_set():
            try:
                action()
            # Refused, reset, an error status, or an answer cut off by the kill after its headers
            # (http.client's IncompleteRead): not answered 2xx, not counted.
            except (OSError, http.client.HTTPException):
                self.failures += 1
                time.sleep(0.05)

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for t in self.threads:
            t.join(timeout=30)


@pytest.mark.slow
@pytest.mark.postgresql  # the deployment it kills runs on PostgreSQL and Redis (docs/deploy.md)
def test_killing_a_web_process_and_a_worker_under_load_loses_no_answered_write_and_no_delivery(
    own_database, redis_db, tmp_path
):
    outputs = []
    with FakeGateway() as gateway:
        env = command_env(own_database, tmp_path, gateway, "redis")
        env.update(
            {
                "CACHE_URL": REDIS_URL,
                "LIAISON_PUBLIC_URL": PUBLIC_URL,
                "LIAISON_DELIVERY_LEASE_SECONDS": "3",
                "LIAISON_LIVE_STREAM": "0",
            }
        )
        run = dict(cwd=ROOT, env=env, check=True, capture_output=True, text=True, timeout=300)
        subprocess.run([*MANAGE, "migrate", "--no-input"], **run)
        household_id, message_id = map(
            int, subprocess.run([sys.executable, "-c", SETUP], **run).stdout.split()
        )
        port = free_port()
        web = start(
            [
                *MANAGE,
                "serve",
                "--asgi",
                "--no-worker",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{port}",
            ],
            env,
            tmp_path / "web.log",
        )
        worker = second_worker = None
        # The scheduler's drain sweep restarts a drain that died with its worker.
        scheduler = start([*MANAGE, "scheduler", "--interval", "2"], env, tmp_path / "sch.log")
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 120
            while not healthy(url) and web.poll() is None and time.monotonic() < deadline:
                time.sleep(0.3)
            assert healthy(url), stop(web, tmp_path / "web.log")
            with Load(url, household_id, gateway.token) as load:
                time.sleep(2)
                [victim, *_] = django_processes(web.pid)
                os.kill(victim, signal.SIGKILL)
                # The worker starts now: it writes the announcement's deliveries, then drains.
                worker = start([*MANAGE, "worker"], env, tmp_path / "worker.log")
                # The worker dies while the announcement's texts are being handed over (a loaded
                # CI machine may take minutes to start it and write the 1,501 deliveries).
                deadline = time.monotonic() + 300
                while len(gateway.requests) < GUARDIANS // 4 and time.monotonic() < deadline:
                    time.sleep(0.005)
                os.killpg(worker.pid, signal.SIGKILL)
                killed_at = time.monotonic()
                seen_at_kill = len(gateway.requests)
                outputs.append(stop(worker, tmp_path / "worker.log"))
                second_worker = start([*MANAGE, "worker"], env, tmp_path / "worker2.log")
                time.sleep(4)
            replaced = [p for p in django_processes(web.pid) if p != victim]
            deadline = time.monotonic() + 240  # the sweep's turn comes once a minute
            while time.monotonic() < deadline:
                report = json.loads(
                    subprocess.run(
                        [sys.executable, "-c", REPORT.replace("MESSAGE", str(message_id))], **run
                    ).stdout
                )
                if (
                    sum(report["deliveries"].values()) == GUARDIANS + 1
                    and set(report["deliveries"]) <= FINAL
                ):
                    break
                time.sleep(1)
        finally:
            outputs.append(stop(web, tmp_path / "web.log"))
            outputs.append(stop(scheduler, tmp_path / "sch.log"))
            if second_worker is not None:
                outputs.append(stop(second_worker, tmp_path / "worker2.log"))
            if worker is not None and worker.poll() is None:
                outputs.append(stop(worker, tmp_path / "worker.log"))

    assert len(replaced) == 2, "uvicorn started a new Django process for the killed one"
    assert 0 < seen_at_kill < GUARDIANS, "the worker was killed mid-drain"
    calls = [m for _t, m in load.calls]
    texts = [s for _t, s in load.texts]
    assert any(t > killed_at for t, _s in load.texts), "texts were still answered after the kills"
    assert calls and texts
    assert sorted(set(calls) - set(report["calls"])) == [], "a logged call answered 2xx was lost"
    assert sorted(set(texts) - set(report["texts"])) == [], "a text answered 2xx was lost"
    assert set(report["deliveries"]) <= FINAL, report["deliveries"]
    assert sum(report["deliveries"].values()) == GUARDIANS + 1
    keys = [r["key"] for r in gateway.requests]
    assert len(keys) == len(set(keys)), "no delivery reached the gateway twice"
    assert "Traceback" not in "".join(outputs), "".join(outputs)
