"""Locust users for `make loadtest`: staff at work, families in the portal, inbound texts.

bench/loadtest/run.py starts Locust headless with this file and the environment below; every
user reads bench/.work/loadtest/fixtures.json (bench/loadtest/prepare.py) for its session,
caseload, threads and links.

    LOADTEST_HOSTS         the web process groups, comma-separated; user i uses host i % n
    LOADTEST_STAFF         signed-in staff (each a session of its own)
    LOADTEST_FAMILIES      families in the portal, each signed in by a thread's link
    LOADTEST_SMS_RATE      inbound texts a second, over all the texting users
    LOADTEST_SMS_TOKEN     the SMS provider's auth token (the webhook checks its signature)
    LOADTEST_PUBLIC_URL    LIAISON_PUBLIC_URL of the deployment (what the signature covers)
    LOADTEST_RECORD        where to write, at the end, every request's time and every 2xx write

Request names say what they count in the report: `page: …` is a page a person waits for (the p95
and errors of the ramp), `poll: …` the open thread's conditional poll, `write: …` a write whose
2xx answer is checked against the database afterwards, `family: …` a portal page.
"""

import html
import itertools
import json
import math
import os
import re
import uuid
from pathlib import Path

from locust import FastHttpUser, HttpUser, between, constant, constant_throughput, events, task

FIXTURES = json.loads(
    (Path(__file__).resolve().parents[1] / ".work" / "loadtest" / "fixtures.json").read_text()
)
HOSTS = [h for h in os.environ.get("LOADTEST_HOSTS", "http://127.0.0.1:8000").split(",") if h]
STAFF = int(os.environ.get("LOADTEST_STAFF", "5"))
FAMILIES = int(os.environ.get("LOADTEST_FAMILIES", "1"))
SMS_RATE = float(os.environ.get("LOADTEST_SMS_RATE", "1"))
SMS_USERS = max(1, math.ceil(SMS_RATE)) if SMS_RATE > 0 else 0
SMS_TOKEN = os.environ.get("LOADTEST_SMS_TOKEN", "")
PUBLIC_URL = os.environ.get("LOADTEST_PUBLIC_URL", "").rstrip("/")
RECORD = os.environ.get("LOADTEST_RECORD", "")
RUN = os.environ.get("LOADTEST_RUN", uuid.uuid4().hex[:8])  # marks this run's writes

SURNAMES = ["garcia", "nguyen", "okafor", "haddad", "silva", "chen", "joseph", "ali", "kim"]
POLL = re.compile(r'id="thread"[^>]*?hx-get="([^"]+)"', re.S)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CALL_AT = re.compile(r'name="contact-at" value="([^"]+)"')

samples: list[tuple[str, float, bool]] = []  # (name, ms, ok) of every request
writes: dict[str, list[str]] = {"calls": [], "texts": []}  # markers of the 2xx-answered writes
_staff_seq = itertools.count()
_family_seq = itertools.count()
_sms_seq = itertools.count()


@events.request.add_listener
def _sample(name, response_time, exception, **_kw):
    samples.append((name, response_time, exception is None))


@events.quitting.add_listener
def _write_record(environment, **_kw):
    if RECORD:
        Path(RECORD).write_text(json.dumps({"samples": samples, "writes": writes}))


def _host(n: int) -> str:
    return HOSTS[n % len(HOSTS)]


class Staff(HttpUser):
    """A liaison through a working day: Today, a household, search, the inbox, an open thread
    that polls for live updates while read, and now and then a call logged."""

    fixed_count = STAFF
    wait_time = between(3, 10)

    def on_start(self):
        n = next(_staff_seq)
        me = FIXTURES["staff"][n % len(FIXTURES["staff"])]
        self.base = _host(n)
        name, value = me["cookie"]
        self.client.cookies.set(name, value)
        self.households = me["households"]
        self.threads = me["threads"]
        self.turn = n

    def _page(self, label: str, path: str):
        with self.client.get(
            self.base + path, name=f"page: {label}", allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} {response.headers.get('Location', '')}")
            return response

    def _pick(self, items):
        self.turn += 1
        return items[self.turn % len(items)]

    @task(3)
    def today(self):
        self._page("today", "/")

    @task(4)
    def household(self):
        self._page("household", f"/people/households/{self._pick(self.households)}/")

    @task(2)
    def search(self):
        self._page("search", f"/people/search/?q={self._pick(SURNAMES)}")

    @task(2)
    def inbox(self):
        self._page("inbox", "/messages/")

    @task(2)
    def open_thread(self):
        """Open a thread and read it for about 9 s: three polls of its live part, 3 s apart (the
        conditional poll: 304 while nothing changed)."""
        response = self._page("thread", f"/messages/threads/{self._pick(self.threads)}/")
        found = POLL.search(response.text or "")
        if not found:
            return
        poll = html.unescape(found.group(1))
        for _ in range(3):
            self._sleep(3)
            with self.client.get(
                self.base + poll, name="poll: thread", catch_response=True
            ) as answer:
                if answer.status_code == 200:
                    again = POLL.search(answer.text or "")
                    poll = html.unescape(again.group(1)) if again else poll
                elif answer.status_code != 304:
                    answer.failure(str(answer.status_code))

    @task(1)
    def log_call(self):
        household = self._pick(self.households)
        path = f"/concerns/households/{household}/contacts/"
        form = self._page("log a call (form)", path)
        token, at = CSRF.search(form.text or ""), CALL_AT.search(form.text or "")
        if not (token and at):
            return
        marker = f"loadtest {RUN} call {uuid.uuid4().hex}"
        with self.client.post(
            self.base + path,
            data={
                "csrfmiddlewaretoken": token.group(1),
                "contact-kind": "call",
                "contact-purpose": "Attendance check-in",
                "contact-result": "reached",
                "contact-outcome": marker,
                "contact-duration_minutes": "5",
                "contact-at": at.group(1),
            },
            headers={"Referer": self.base + path},
            name="write: log a call",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code == 302:
                writes["calls"].append(marker)
            else:
                response.failure(str(response.status_code))

    def _sleep(self, seconds):
        import gevent

        gevent.sleep(seconds)


class Family(HttpUser):
    """A family opening the link in a text from their liaison, then reading in the portal."""

    fixed_count = FAMILIES
    wait_time = between(5, 20)

    def on_start(self):
        n = next(_family_seq)
        me = FIXTURES["families"][(n * 7) % len(FIXTURES["families"])]
        self.base = _host(n)
        self.thread = me["thread"]
        with self.client.get(
            f"{self.base}/family/{me['link']}",
            name="family: open the link",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(str(response.status_code))

    def _page(self, label: str, path: str):
        with self.client.get(
            self.base + path, name=f"family: {label}", allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} {response.headers.get('Location', '')}")

    @task
    def thread(self):
        # A link's session is scoped to its thread (the rest of the portal asks for a sign-in).
        self._page("thread", f"/family/messages/{self.thread}/")


class InboundText(HttpUser):
    """The SMS provider posting families' texts to the webhook, signed as Twilio signs them."""

    fixed_count = SMS_USERS
    wait_time = constant_throughput(SMS_RATE / SMS_USERS if SMS_USERS else 1)

    def on_start(self):
        from twilio.request_validator import RequestValidator

        self.validator = RequestValidator(SMS_TOKEN)
        self.base = _host(next(_sms_seq))

    @task
    def text(self):
        n = next(_sms_seq)
        family = FIXTURES["families"][n % len(FIXTURES["families"])]
        sid = f"SMlt{RUN}{uuid.uuid4().hex[:20]}"
        path = "/messages/sms/inbound/"
        data = {
            "From": family["phone"],
            "To": "+16175550199",
            "Body": f"Thank you, see you Thursday ({sid})",
            "MessageSid": sid,
            "NumMedia": "0",
        }
        signature = self.validator.compute_signature(PUBLIC_URL + path, data)
        with self.client.post(
            self.base + path,
            data=data,
            headers={"X-Twilio-Signature": signature},
            name="write: inbound text",
            catch_response=True,
        ) as response:
            if 200 <= response.status_code < 300:
                writes["texts"].append(sid)
            else:
                response.failure(str(response.status_code))


class Healthz(FastHttpUser):
    """/healthz as fast as it answers (the same run's yardstick for the pages' figure); run alone
    (`locust … Healthz`), LOADTEST_HEALTHZ users with no pause."""

    fixed_count = int(os.environ.get("LOADTEST_HEALTHZ", "0"))
    wait_time = constant(0)

    def on_start(self):
        self.base = _host(next(_staff_seq))

    @task
    def healthz(self):
        self.client.get(self.base + "/healthz", name="healthz")
