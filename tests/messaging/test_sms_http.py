"""The SMS channel's own HTTP/1.1 client: what a Twilio-compatible gateway may answer, and when it is
safe to send again (TemporaryFailure) or not (Uncertain)."""

import socket
import threading
import time
from urllib.parse import parse_qs

import pytest

from liaison.messaging.channels import Outgoing, TemporaryFailure, Uncertain
from liaison.messaging.channels.sms import TwilioSMS


class ScriptedServer:
    """Loopback server answering each request with the next scripted bytes; None closes the
    connection without an answer, ("close", bytes) answers and then closes the idle connection.
    Records each request's head and body."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.requests = []
        self.connections = 0
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while self.answers:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            buf = b""
            with conn:
                while self.answers:
                    while b"\r\n\r\n" not in buf:
                        chunk = conn.recv(65536)
                        if not chunk:
                            break
                        buf += chunk
                    if b"\r\n\r\n" not in buf:
                        break
                    head, buf = buf.split(b"\r\n\r\n", 1)
                    length = 0
                    for line in head.split(b"\r\n"):
                        if line.lower().startswith(b"content-length:"):
                            length = int(line.split(b":", 1)[1])
                    while len(buf) < length:
                        buf += conn.recv(65536)
                    body, buf = buf[:length], buf[length:]
                    self.requests.append((head.decode(), body.decode()))
                    answer = self.answers.pop(0)
                    if answer is None:
                        break
                    close = isinstance(answer, tuple)
                    if close:
                        answer = answer[1]
                    conn.sendall(answer)
                    if close or b"Connection: close" in answer:
                        break

    def close(self):
        self.sock.close()


def created(body=b'{"sid": "SM1"}', extra=b""):
    return (
        b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
        + extra
        + b"Content-Length: %d\r\n\r\n" % len(body)
        + body
    )


@pytest.fixture
def sms(settings):
    servers = []

    def make(answers):
        server = ScriptedServer(answers)
        servers.append(server)
        settings.MESSAGING_SMS_BASE_URL = server.url
        settings.MESSAGING_SMS_ACCOUNT_SID = "AC" + "0" * 32
        settings.MESSAGING_SMS_AUTH_TOKEN = "token"
        settings.MESSAGING_SMS_FROM = "+16175550199"
        settings.MESSAGING_SMS_TIMEOUT = 2
        return server, TwilioSMS("sms")

    yield make
    for server in servers:
        server.close()


def text(n=1, body="Hello & welcome: 100%"):
    return Outgoing(
        delivery_id=n,
        to="+16175550100",
        subject="",
        body=body,
        idempotency_key=f"liaison-delivery-{n}",
        status_callback="https://liaison.example.org/messages/sms/status/",
    )


def test_the_form_and_headers_are_what_twilio_expects(sms):
    server, backend = sms([created()])
    assert backend.send(text()) == "SM1"
    head, body = server.requests[0]
    assert head.startswith("POST /2010-04-01/Accounts/AC" + "0" * 32 + "/Messages.json HTTP/1.1")
    assert "Idempotency-Key: liaison-delivery-1" in head
    assert "Authorization: Basic " in head
    assert {k: v[0] for k, v in parse_qs(body).items()} == {
        "To": "+16175550100",
        "Body": "Hello & welcome: 100%",
        "From": "+16175550199",
        "StatusCallback": "https://liaison.example.org/messages/sms/status/",
    }


def test_one_keep_alive_connection_carries_many_texts(sms):
    server, backend = sms([created(b'{"sid": "SM%d"}' % i) for i in range(5)])
    assert [backend.send(text(i)) for i in range(5)] == [f"SM{i}" for i in range(5)]
    assert server.connections == 1


def test_chunked_answers_and_interim_100_continue_are_read(sms):
    chunked = (
        b"HTTP/1.1 100 Continue\r\n\r\n"
        b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
        b'5\r\n{"sid\r\n9;ext=1\r\n": "SM7"}\r\n0\r\n\r\n'
    )
    server, backend = sms([chunked, created(b'{"sid": "SM8"}')])
    assert backend.send(text(1)) == "SM7"
    assert backend.send(text(2)) == "SM8"
    assert server.connections == 1


def test_an_answer_with_connection_close_opens_a_new_connection_next_time(sms):
    server, backend = sms([created(extra=b"Connection: close\r\n"), created(b'{"sid": "SM2"}')])
    assert backend.send(text(1)) == "SM1"
    assert backend.send(text(2)) == "SM2"
    assert server.connections == 2


def test_an_idle_connection_the_gateway_closed_is_replaced_before_sending(sms):
    server, backend = sms([("close", created()), created(b'{"sid": "SM2"}')])
    assert backend.send(text(1)) == "SM1"
    time.sleep(0.2)  # the gateway has closed the kept-alive connection while it was idle
    assert backend.send(text(2)) == "SM2"
    assert server.connections == 2 and len(server.requests) == 2


def test_no_answer_after_the_request_went_out_is_uncertain(sms):
    server, backend = sms([None])
    with pytest.raises(Uncertain):
        backend.send(text())
    assert len(server.requests) == 1


def test_a_gateway_that_refuses_connections_is_a_temporary_failure(settings):
    sock = socket.create_server(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    settings.MESSAGING_SMS_BASE_URL = f"http://127.0.0.1:{port}"
    settings.MESSAGING_SMS_ACCOUNT_SID = "AC" + "0" * 32
    with pytest.raises(TemporaryFailure):
        TwilioSMS("sms").send(text())
