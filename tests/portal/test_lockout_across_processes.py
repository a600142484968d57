"""The family portal's lockout holds across web processes: two `liaison serve` processes over one
database (and the cache configured as README says for several processes, the default `db://`),
wrong codes alternating between them; after five, the right code is refused on either."""

import re
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest

from tests.core.test_metrics import value
from tests.core.test_serve import Served, free_port, prepare
from tests.core.test_worker import command_env
from tests.messaging.gateway import FakeGateway

pytestmark = pytest.mark.slow
PHONE = "+16175550177"  # the family test_serve's setup makes
TOKEN = "scrape-token-for-tests"


class Browser:
    """One family's phone: its cookies go to both servers (they share the host, not the port)."""

    def __init__(self):
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def get(self, url: str) -> str:
        with self.opener.open(url, timeout=30) as response:
            return response.read().decode()

    def post(self, url: str, form_page: str, **fields: str) -> tuple[int, str]:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', self.get(form_page))
        assert token, "no form on " + form_page
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token[1], **fields}).encode()
        request = urllib.request.Request(url, data=data, headers={"Referer": url})  # noqa: S310
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


def metrics_of(url: str) -> str:
    request = urllib.request.Request(  # noqa: S310 - loopback
        url + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return response.read().decode()


def test_wrong_codes_on_alternate_processes_lock_the_number_on_both(own_database, tmp_path):
    with FakeGateway() as gateway:
        env = command_env(own_database, tmp_path, gateway, "database")
        env.pop("CACHE_URL", None)  # the default, db://, shared by every process
        env["LIAISON_METRICS_TOKEN"] = TOKEN
        prepare(env)
        servers = [
            Served({**env, "LIAISON_METRICS_DIR": str(tmp_path / f"metrics-{i}")}, free_port())
            for i in range(2)
        ]
        try:
            for served in servers:
                assert served.wait_until_up(), served.stop()
            phone = Browser()
            first, second = (s.url for s in servers)
            status, _page = phone.post(
                first + "/family/sign-in/", first + "/family/sign-in/", contact=PHONE
            )
            assert status == 200
            deadline = time.monotonic() + 30
            while not gateway.sent and time.monotonic() < deadline:
                time.sleep(0.1)
            code = re.search(r"\b(\d{6})\b", gateway.sent[0]["body"])[1]
            wrong = f"{(int(code) + 1) % 1_000_000:06d}"
            for attempt in range(5):
                url = servers[attempt % 2].url + "/family/sign-in/code/"
                status, page = phone.post(url, url, code=wrong)
                assert status == 200 and "not right" in page, (attempt, status)
            for url in (first, second):
                status, page = phone.post(
                    url + "/family/sign-in/code/", url + "/family/sign-in/code/", code=code
                )
                assert status == 429 and "Too many wrong codes" in page
            # Each process counted the code answers it gave: 3 and 2 wrong, one refusal each.
            counts = [
                {
                    status: value(
                        metrics_of(s.url),
                        "liaison_request_duration_seconds_count",
                        view="portal:verify",
                        method="POST",
                        status=status,
                    )
                    for status in ("200", "429")
                }
                for s in servers
            ]
            assert counts == [{"200": 3, "429": 1}, {"200": 2, "429": 1}]
        finally:
            outputs = [served.stop() for served in servers]
            # Shown by pytest when the test fails: a 500's traceback is in its server's log.
            for served, output in zip(servers, outputs, strict=True):
                print(f"--- liaison serve at {served.url}:\n{output}")
    assert "Traceback" not in "".join(outputs)
