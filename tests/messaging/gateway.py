"""A Twilio-compatible SMS gateway on loopback that records every request it gets (tests and bench).

    with FakeGateway() as gw:
        settings.MESSAGING_SMS_BASE_URL = gw.url
        ...
        gw.sent  # [{"to", "body", "key", "sid"}] in arrival order, one per POST it answered

`fail_next(n, status=503)` answers the next n sends with an error; `reject` is a set of numbers
answered with Twilio error 21211 (invalid number, a permanent refusal). `delay` (seconds) holds
each answer to a send after the text is taken: a provider slow to answer, a worker whose batch
outlasts its lease.
"""

import base64
import datetime as dt
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

ACCOUNT = "AC" + "0" * 32
TOKEN = "test-auth-token-0123456789abcdef"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def _json(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        # Headers and body in one write: no delayed-ACK stall on keep-alive connections.
        self._headers_buffer.append(b"\r\n" + data)
        self.flush_headers()

    def _authorised(self):
        expected = "Basic " + base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()
        return self.headers.get("Authorization") == expected

    def do_POST(self):
        gw = self.server.gateway
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        if not self._authorised():
            return self._json(401, {"code": 20003, "message": "Authenticate"})
        if not urlsplit(self.path).path.endswith("/Messages.json"):
            return self._json(404, {"code": 20404, "message": "not found"})
        with gw.lock:
            gw.requests.append(
                {
                    "to": form.get("To"),
                    "body": form.get("Body"),
                    "key": self.headers.get("Idempotency-Key"),
                }
            )
            if gw._fail > 0:
                gw._fail -= 1
                return self._json(gw._fail_status, {"code": 20500, "message": "try later"})
            if form.get("To") in gw.reject:
                return self._json(400, {"code": 21211, "message": "The 'To' number is not valid."})
            sid = "SM" + uuid.uuid4().hex
            item = {
                "sid": sid,
                "to": form.get("To"),
                "from": form.get("From") or form.get("MessagingServiceSid"),
                "body": form.get("Body"),
                "key": self.headers.get("Idempotency-Key"),
                "status": "queued",
                "status_callback": form.get("StatusCallback", ""),
                "date_created": dt.datetime.now(dt.UTC).isoformat(),
            }
            gw.sent.append(item)
        if gw.delay:
            time.sleep(gw.delay)
        return self._json(201, item)

    def do_GET(self):
        gw = self.server.gateway
        if not self._authorised():
            return self._json(401, {"code": 20003, "message": "Authenticate"})
        path = urlsplit(self.path).path
        if "/Media/" in path:
            if path not in gw.media:
                return self._json(404, {"code": 20404, "message": "not found"})
            content, content_type = gw.media[path]
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)
            return None
        query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
        with gw.lock:
            items = [m for m in gw.sent if not query.get("To") or m["to"] == query["To"]]
        return self._json(200, {"messages": items})


class FakeGateway:
    account = ACCOUNT
    token = TOKEN

    def __init__(self):
        self.lock = threading.Lock()
        self.sent: list[dict] = []
        self.requests: list[dict] = []
        self.reject: set[str] = set()
        self.media: dict[str, tuple[bytes, str]] = {}  # path → (content, type) of MMS items
        self._fail = 0
        self._fail_status = 503
        self.delay = 0.0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.gateway = self
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def add_media(self, content: bytes, content_type: str) -> str:
        """An MMS item the gateway holds, as the URL a webhook would name."""
        path = f"/2010-04-01/Accounts/{ACCOUNT}/Messages/MM{uuid.uuid4().hex}/Media/ME{uuid.uuid4().hex}"
        self.media[path] = (content, content_type)
        return self.url + path

    def fail_next(self, n: int, status: int = 503) -> None:
        with self.lock:
            self._fail, self._fail_status = n, status

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
