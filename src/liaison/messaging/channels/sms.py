"""SMS through a Twilio-compatible HTTP API (Twilio itself, or any gateway speaking its Messages API).

Settings: MESSAGING_SMS_BASE_URL, MESSAGING_SMS_ACCOUNT_SID, MESSAGING_SMS_AUTH_TOKEN,
MESSAGING_SMS_FROM (a number or a Messaging Service SID "MG..."), MESSAGING_SMS_TIMEOUT.
One keep-alive connection per worker thread. Each request carries `Idempotency-Key` for gateways that
honour it; for those that don't, a timeout after the request went out is "uncertain" and the row is
reconciled by listing the provider's messages to that number, never by sending again.
"""

import base64
import contextlib
import datetime as dt
import email.utils
import json
import select
import socket
import ssl
import threading
from urllib.parse import quote_plus, urlencode, urlsplit

from django.conf import settings

from liaison.messaging.channels.base import (
    ChannelBackend,
    ChannelUnavailable,
    PermanentFailure,
    TemporaryFailure,
    Uncertain,
)

# Twilio error codes that mean the number will never take a text (carrier rejection, not mobile...).
UNREACHABLE_CODES = {21211, 21612, 21614, 30005, 30006}
OPTED_OUT_CODES = {21610}

MAX_HEAD = 64 * 1024


class _Malformed(Exception):
    pass


class _Connection:
    """One keep-alive HTTP/1.1 connection: just enough client for a Twilio-style JSON API.

    http.client parsed every answer's headers with the email package and built each request header
    by header; at thousands of texts a second that was a large share of a worker's time. This writes
    prebuilt bytes and reads a Content-Length, chunked or read-to-close body.
    """

    def __init__(self, scheme: str, host: str, port: int | None, timeout: float):
        self.scheme, self.host, self.timeout = scheme, host, timeout
        self.port = port or (443 if scheme == "https" else 80)
        self.sock = None
        self.poll = None
        self.buf = b""

    def close(self):
        if self.sock is not None:
            with contextlib.suppress(OSError):
                self.sock.close()
        self.sock = self.poll = None
        self.buf = b""

    def _stale(self) -> bool:
        # An idle keep-alive connection with something to read has been closed by the server (or
        # holds garbage): reconnecting costs nothing, a request on it would end "uncertain".
        return bool(self.buf) or bool(self.poll.poll(0))

    def _connect(self):
        sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.scheme == "https":
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=self.host)
        self.sock = sock
        self.poll = select.poll()
        self.poll.register(sock, select.POLLIN)

    def request(self, data: bytes) -> tuple[int, bytes]:
        """Send one whole request; (status, body). TemporaryFailure if it never went out, Uncertain
        if it went out and no complete answer came back."""
        try:
            if self.sock is not None and self._stale():
                self.close()
            if self.sock is None:
                self._connect()
            self.sock.sendall(data)
        except OSError as exc:
            # The request did not go out (refused, reset before sending): safe to retry, and
            # nothing to do with the number: the channel waits.
            self.close()
            raise ChannelUnavailable(f"SMS gateway unreachable: {exc}") from exc
        try:
            status, body, keep = self._response()
        except (OSError, ValueError, _Malformed) as exc:
            self.close()
            raise Uncertain(f"no answer from the SMS gateway: {exc!r}") from exc
        if not keep:
            self.close()
        return status, body

    def _recv(self) -> bytes:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise _Malformed("connection closed by the gateway")
        return chunk

    def _until(self, sep: bytes) -> bytes:
        while True:
            i = self.buf.find(sep)
            if i >= 0:
                out, self.buf = self.buf[:i], self.buf[i + len(sep) :]
                return out
            if len(self.buf) > MAX_HEAD:
                raise _Malformed("answer head too long")
            self.buf += self._recv()

    def _exactly(self, n: int) -> bytes:
        while len(self.buf) < n:
            self.buf += self._recv()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _response(self) -> tuple[int, bytes, bool]:
        while True:
            lines = self._until(b"\r\n\r\n").split(b"\r\n")
            version, status = lines[0].split(None, 2)[:2]
            if not version.startswith(b"HTTP/"):
                raise _Malformed(f"not an HTTP answer: {lines[0][:40]!r}")
            status = int(status)
            if not 100 <= status < 200:
                break  # 1xx answers (100 Continue) come before the real one
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        connection = headers.get(b"connection", b"").lower()
        keep = connection != b"close" if version == b"HTTP/1.1" else connection == b"keep-alive"
        if b"chunked" in headers.get(b"transfer-encoding", b"").lower():
            parts = []
            while size := int(self._until(b"\r\n").split(b";", 1)[0], 16):
                parts.append(self._exactly(size))
                self._until(b"\r\n")
            while self._until(b"\r\n"):  # trailers, then the blank line
                pass
            return status, b"".join(parts), keep
        if b"content-length" in headers:
            return status, self._exactly(int(headers[b"content-length"])), keep
        if status in (204, 304):
            return status, b"", keep
        while True:  # no length: the body runs to the end of the connection
            chunk = self.sock.recv(65536)
            if not chunk:
                body, self.buf = self.buf, b""
                return status, body, False
            self.buf += chunk


class TwilioSMS(ChannelBackend):
    concurrent = True

    def __init__(self, name):
        super().__init__(name)
        self._local = threading.local()
        self._prepared = (None, None)

    @property
    def base(self):
        return urlsplit(settings.MESSAGING_SMS_BASE_URL)

    @property
    def account(self):
        return settings.MESSAGING_SMS_ACCOUNT_SID

    def _auth(self):
        raw = f"{self.account}:{settings.MESSAGING_SMS_AUTH_TOKEN}".encode()
        return "Basic " + base64.b64encode(raw).decode()

    def _setup(self):
        """What every request shares, built once per configuration (tests change the settings)."""
        key = (
            settings.MESSAGING_SMS_BASE_URL,
            settings.MESSAGING_SMS_ACCOUNT_SID,
            settings.MESSAGING_SMS_AUTH_TOKEN,
            settings.MESSAGING_SMS_FROM,
            settings.MESSAGING_SMS_TIMEOUT,
        )
        prepared_key, prepared = self._prepared
        if prepared_key == key:
            return prepared
        base = self.base
        default_port = 443 if base.scheme == "https" else 80
        host = (
            base.hostname if base.port in (None, default_port) else f"{base.hostname}:{base.port}"
        )
        common = (
            f"Host: {host}\r\nAuthorization: {self._auth()}\r\nAccept-Encoding: identity\r\n"
            "User-Agent: liaison\r\n"
        )
        sender = settings.MESSAGING_SMS_FROM
        prepared = {
            "endpoint": (base.scheme, base.hostname, base.port, settings.MESSAGING_SMS_TIMEOUT),
            "common": common,
            "send_head": (
                f"POST {self._path('Messages.json')} HTTP/1.1\r\n{common}"
                "Content-Type: application/x-www-form-urlencoded\r\nIdempotency-Key: "
            ).encode(),
            "sender": ("&MessagingServiceSid=" if sender.startswith("MG") else "&From=")
            + quote_plus(sender),
            "callbacks": {},
        }
        self._prepared = (key, prepared)
        return prepared

    def _connection(self, prepared) -> _Connection:
        conn = getattr(self._local, "conn", None)
        endpoint = prepared["endpoint"]
        if conn is None or getattr(self._local, "endpoint", None) != endpoint:
            if conn is not None:
                conn.close()
            conn = self._local.conn = _Connection(*endpoint)
            self._local.endpoint = endpoint
        return conn

    def close(self):
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def _path(self, suffix):
        prefix = self.base.path.rstrip("/")
        return f"{prefix}/2010-04-01/Accounts/{self.account}/{suffix}"

    def _request(self, method, path, body=None, headers=None):
        prepared = self._setup()
        head = f"{method} {path} HTTP/1.1\r\n{prepared['common']}"
        for name, value in (headers or {}).items():
            head += f"{name}: {value}\r\n"
        body = body.encode() if isinstance(body, str) else body
        if body is not None:
            head += f"Content-Length: {len(body)}\r\n"
        return self._connection(prepared).request(head.encode() + b"\r\n" + (body or b""))

    def send(self, outgoing):
        prepared = self._setup()
        # The form urlencode() would make (same fields, same order), quoting only what varies.
        form = f"To={quote_plus(outgoing.to)}&Body={quote_plus(outgoing.body)}{prepared['sender']}"
        if callback := outgoing.status_callback:
            quoted = prepared["callbacks"].get(callback)
            if quoted is None:
                quoted = prepared["callbacks"][callback] = "&StatusCallback=" + quote_plus(callback)
            form += quoted
        body = form.encode()
        status, data = self._connection(prepared).request(
            b"%s%s\r\nContent-Length: %d\r\n\r\n%s"
            % (prepared["send_head"], outgoing.idempotency_key.encode(), len(body), body)
        )
        try:
            payload = json.loads(data or b"{}")
        except ValueError:
            payload = {}
        if 200 <= status < 300:
            return str(payload.get("sid", ""))
        code = int(payload.get("code") or 0)
        message = payload.get("message") or f"HTTP {status}"
        if code in OPTED_OUT_CODES:
            raise PermanentFailure(f"{code}: {message}", opted_out=True)
        if code in UNREACHABLE_CODES:
            raise PermanentFailure(f"{code}: {message}", unreachable=True)
        if status == 409:
            # This message's Idempotency-Key is still being worked on there: about this message
            # only, and temporary (retried with backoff, counting attempts).
            raise TemporaryFailure(f"SMS gateway answered {status}: {message}")
        if status in (401, 403, 404, 429) or status >= 500:
            # Busy, down, or our account or configuration refused: nothing about this number.
            raise ChannelUnavailable(f"SMS gateway answered {status}: {message}")
        raise PermanentFailure(f"SMS gateway refused ({status}): {message}")

    def reconcile(self, delivery, outgoing):
        """Did the gateway take this text before the worker died? Look for it among messages to the
        number created since the row turned "sending" (updated_at; a few seconds' leeway for clocks):
        the same words sent to the same number earlier (a notice repeated, three announcements
        alike in `make loadtest`) are another delivery's text, and counting them would mark this
        one sent when it never left."""
        since = (delivery.updated_at - dt.timedelta(minutes=5)).astimezone(dt.UTC)
        handed_over = delivery.updated_at - RECONCILE_LEEWAY
        query = urlencode({"To": delivery.address, "DateSent>": since.date().isoformat()})
        try:
            status, data = self._request("GET", self._path(f"Messages.json?{query}"))
        except (TemporaryFailure, Uncertain):
            return "unknown", ""
        if status != 200:
            return "unknown", ""
        messages = json.loads(data or b"{}").get("messages", [])
        wanted = (outgoing.body if outgoing else "")[:60]
        for item in messages:
            created = _created(item)
            if (
                item.get("to") == delivery.address
                and wanted
                and item.get("body", "")[:60] == wanted
                and (created is None or created >= handed_over)
            ):
                return "sent", str(item.get("sid", ""))
        return "not_sent", ""


# How far the provider's clock may be behind ours (and its whole seconds) when a reconcile compares
# a message's creation with the moment its delivery turned "sending".
RECONCILE_LEEWAY = dt.timedelta(seconds=10)


def _created(item) -> dt.datetime | None:
    """A message's date_created: RFC 2822 from Twilio ("Wed, 18 Aug 2010 20:01:40 +0000"), ISO 8601
    from some gateways; None when absent or unreadable (then the date cannot rule it out)."""
    raw = item.get("date_created") or ""
    for parse in (email.utils.parsedate_to_datetime, dt.datetime.fromisoformat):
        try:
            value = parse(raw)
        except (TypeError, ValueError, IndexError):
            continue
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return None
