"""Issue #22's acceptance for live updates, as a district runs it: two `liaison serve --asgi`
(each a uvicorn web process and a worker) on one database (PostgreSQL when the suite runs there)
and one Redis; a family's text is posted to the SMS webhook of one, and a browser with the thread
open on the other sees it within 2 s, told by its stream, with polling turned off."""

import time
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
                    lambda r: polls.append(time.monotonic()) if "lv=" in r.url else None,
                )
                page.goto(second.url + "/sign-in/")
                page.get_by_label("Username").fill("liaison")
                page.get_by_label("Password").fill("correct-horse-battery")
                page.get_by_role("button", name="Sign in").click()
                page.goto(f"{second.url}/messages/households/{household_id}/write/")
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
                assert len(polls) == before + 1
            finally:
                context.close()
        finally:
            output = first.stop() + (second.stop() if second else "")
    assert "Traceback" not in output, output
