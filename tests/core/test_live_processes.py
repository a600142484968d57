"""Issue #22's acceptance for live updates, as a district runs it: two `liaison serve --asgi`
(each a uvicorn web process and a worker) on one database (PostgreSQL when the suite runs there)
and one Redis; a family's text is posted to the SMS webhook of one, and a browser with the thread
open on the other sees it within 2 s, told by its stream, with polling turned off; so does the
navigation's "awaiting reply" count. Pages served by gunicorn with a uvicorn beside them for
/live/ alone (LIAISON_LIVE_ASGI_BESIDE) hear of it the same way."""

import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from twilio.request_validator import RequestValidator

from tests.core.conftest import REDIS_URL
from tests.core.test_serve import MANAGE, ROOT, Served, free_port, prepare
from tests.core.test_worker import command_env
from tests.messaging.gateway import FakeGateway

PHONE = "+16175550177"  # the family test_serve's SETUP makes


def text_from_family(base_url: str, public_url: str, token: str, body: str) -> None:
    path = "/messages/sms/inbound/"
    data = {"From": PHONE, "To": "+16175550199", "Body": body, "MessageSid": "SMlive1"}
    signature = RequestValidator(token).compute_signature(public_url + path, data)
    request = urllib.request.Request(  # noqa: S310 - loopback
        base_url + path,
        data=urllib.parse.urlencode(data).encode(),
        headers={"X-Twilio-Signature": signature},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
        assert response.status == 200


class ServedAsgi(Served):
    """`liaison serve --asgi`: uvicorn and the worker."""

    def __init__(self, env, port):
        import subprocess

        self.url = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [*MANAGE, "serve", "--asgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )


@pytest.mark.slow
@pytest.mark.browser
def test_a_reply_posted_to_one_web_process_shows_in_a_thread_open_on_the_other_within_2s(
    own_database, redis_db, tmp_path, browser
):
    from playwright.sync_api import expect

    with FakeGateway() as gateway:
        env = command_env(own_database, tmp_path, gateway, "redis")
        env.update(
            {
                "CACHE_URL": REDIS_URL,  # as docs/live.md sets it: the live versions follow
                "LIAISON_LIVE_STREAM_POLL_SECONDS": "0",  # no polling: only the stream
                "LIAISON_PUBLIC_URL": "https://liaison.example.org",
            }
        )
        household_id = prepare(env)
        first, second = ServedAsgi(env, free_port()), None
        try:
            assert first.wait_until_up(), first.stop()
            second = ServedAsgi(env, free_port())
            assert second.wait_until_up(), second.stop()
            context = browser.new_context()
            try:
                page = context.new_page()
                page.set_default_timeout(20_000)
                polls = []
                page.on(
                    "request",
                    lambda r: polls.append(r.url) if "lv=" in r.url else None,
                )
                page.goto(second.url + "/sign-in/")
                page.get_by_label("Username").fill("liaison")
                page.get_by_label("Password").fill("correct-horse-battery")
                page.get_by_role("button", name="Sign in").click()
                page.goto(f"{second.url}/messages/households/{household_id}/write/")
                expect(page.locator('#nav-counts [data-count="awaiting"] .count-n')).to_have_text(
                    "0"
                )
                thread = page.locator("#thread")
                trigger = thread.get_attribute("hx-trigger")
                assert trigger.startswith("sse:thread-") and "every" not in trigger
                # The stream is open once its first event (one per topic on connecting) came.
                deadline = time.monotonic() + 20
                while not polls and time.monotonic() < deadline:
                    page.wait_for_timeout(100)
                page.wait_for_timeout(500)
                before = len(polls)
                page.evaluate("window.__noReload = true")

                text_from_family(
                    first.url, env["LIAISON_PUBLIC_URL"], gateway.token, "Voy a llegar tarde"
                )
                posted = time.monotonic()
                expect(thread).to_contain_text("Voy a llegar tarde", timeout=2_000)
                assert time.monotonic() - posted < 2.0
                assert page.evaluate("window.__noReload") is True, "the page was reloaded"
                # One fetch of the thread, when its stream said it changed; none before.
                assert len([u for u in polls[before:] if "/messages/" in u]) == 1
                # The navigation's count heard of it by the same stream.
                awaiting = page.locator('#nav-counts [data-count="awaiting"] .count-n')
                expect(awaiting).to_have_text("1", timeout=2_000)
                assert time.monotonic() - posted < 2.5
                assert len([u for u in polls[before:] if "/tasks/counts/" in u]) == 1
            finally:
                context.close()
        finally:
            output = first.stop() + (second.stop() if second else "")
    assert "Traceback" not in output, output


class ServedLiveBeside(Served):
    """`liaison serve --asgi --no-worker`: the uvicorn that a proxy sends /live/ to, beside the
    gunicorn (`liaison serve`) that serves the pages."""

    def __init__(self, env, port):
        import subprocess

        self.url = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [*MANAGE, "serve", "--asgi", "--no-worker", "--bind", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )


def _signed_in(url: str):
    """An HTTP client with the liaison signed in on `url` (its cookie jar, and an opener)."""
    import re
    from http.cookiejar import CookieJar

    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(url + "/sign-in/", timeout=30) as r:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', r.read().decode())[1]
    data = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "login": "liaison", "password": "correct-horse-battery"}
    ).encode()
    signing_in = urllib.request.Request(url + "/sign-in/", data=data)  # noqa: S310 - loopback
    with opener.open(signing_in, timeout=30) as r:
        r.read()
    return jar, opener


def _get(opener, url: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"HX-Request": "true"})  # noqa: S310 - loopback
    try:
        with opener.open(request, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as answer:  # 304 comes as an "error"
        return answer.code, ""


@pytest.mark.slow
def test_pages_from_gunicorn_hear_of_a_reply_through_a_stream_from_the_uvicorn_beside_it(
    own_database, redis_db, tmp_path
):
    """LIAISON_LIVE_ASGI_BESIDE=1: gunicorn serves the pages, with the stream's attributes; the
    stream (which the proxy routes to uvicorn) tells the navigation's counts of a family's text
    taken in by gunicorn within 2 s, and their next poll shows it (304 until then)."""
    import http.client
    import re
    from html import unescape

    with FakeGateway() as gateway:
        env = command_env(own_database, tmp_path, gateway, "redis")
        env.update(
            {
                "CACHE_URL": REDIS_URL,
                "LIAISON_LIVE_ASGI_BESIDE": "1",
                "LIAISON_PUBLIC_URL": "https://liaison.example.org",
            }
        )
        prepare(env)
        pages, stream = Served(env, free_port()), None
        try:
            assert pages.wait_until_up(), pages.stop()
            stream = ServedLiveBeside(env, free_port())
            assert stream.wait_until_up(), stream.stop()
            jar, opener = _signed_in(pages.url)
            status, home = _get(opener, pages.url + "/")
            assert status == 200
            stream_path = unescape(re.search(r'sse-connect="([^"]+)"', home)[1])
            status, counts = _get(opener, pages.url + "/tasks/counts/")
            trigger = re.search(r'hx-trigger="([^"]+)"', counts)[1]
            assert re.search(r"sse:inbox-\d+", trigger), trigger
            poll = unescape(re.search(r'hx-get="([^"]+)"', counts)[1])
            assert _get(opener, pages.url + poll)[0] == 304
            assert re.search(r'count-n">0</span> awaiting reply', counts)

            # The browser's EventSource, as the proxy routes it: to uvicorn, with the cookie.
            cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
            host, port = stream.url.removeprefix("http://").split(":")
            connection = http.client.HTTPConnection(host, int(port), timeout=10)
            connection.request("GET", stream_path, headers={"Cookie": cookie})
            response = connection.getresponse()
            assert response.status == 200
            assert response.getheader("Content-Type").startswith("text/event-stream")
            inbox_event = re.search(r"sse:(inbox-\d+)", trigger)[1]

            def next_event() -> str:
                while True:
                    line = response.readline().decode()
                    if line.startswith("event:"):
                        return (
                            line.strip().removeprefix("event: ")
                            + ":"
                            + (response.readline().decode().strip().removeprefix("data: "))
                        )

            while next_event() != f"{inbox_event}:connected":
                pass
            text_from_family(pages.url, env["LIAISON_PUBLIC_URL"], gateway.token, "Ya voy")
            posted = time.monotonic()
            while (event := next_event()) != f"{inbox_event}:changed":
                assert event.endswith(":connected"), event
            assert time.monotonic() - posted < 2.0
            connection.close()
            status, now = _get(opener, pages.url + poll)
            assert status == 200 and re.search(r'count-n">1</span> awaiting reply', now), now
        finally:
            output = pages.stop() + (stream.stop() if stream else "")
    assert "Traceback" not in output, output
