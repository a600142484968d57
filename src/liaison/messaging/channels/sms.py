"""SMS through a Twilio-compatible HTTP API (Twilio itself, or any gateway speaking its Messages API).

Settings: MESSAGING_SMS_BASE_URL, MESSAGING_SMS_ACCOUNT_SID, MESSAGING_SMS_AUTH_TOKEN,
MESSAGING_SMS_FROM (a number or a Messaging Service SID "MG..."), MESSAGING_SMS_TIMEOUT.
One keep-alive connection per worker thread. Each request carries `Idempotency-Key` for gateways that
honour it; for those that don't, a timeout after the request went out is "uncertain" and the row is
reconciled by listing the provider's messages to that number, never by sending again.
"""

import base64
import datetime as dt
import http.client
import json
import threading
from urllib.parse import urlencode, urlsplit

from django.conf import settings

from liaison.messaging.channels.base import (
    ChannelBackend,
    PermanentFailure,
    TemporaryFailure,
    Uncertain,
)

# Twilio error codes that mean the number will never take a text (carrier rejection, not mobile...).
UNREACHABLE_CODES = {21211, 21612, 21614, 30005, 30006}
OPTED_OUT_CODES = {21610}


class TwilioSMS(ChannelBackend):
    def __init__(self, name):
        super().__init__(name)
        self._local = threading.local()

    @property
    def base(self):
        return urlsplit(settings.MESSAGING_SMS_BASE_URL)

    @property
    def account(self):
        return settings.MESSAGING_SMS_ACCOUNT_SID

    def _auth(self):
        raw = f"{self.account}:{settings.MESSAGING_SMS_AUTH_TOKEN}".encode()
        return "Basic " + base64.b64encode(raw).decode()

    def _connection(self):
        conn = getattr(self._local, "conn", None)
        if conn is None:
            base = self.base
            cls = (
                http.client.HTTPSConnection
                if base.scheme == "https"
                else http.client.HTTPConnection
            )
            conn = cls(base.hostname, base.port, timeout=settings.MESSAGING_SMS_TIMEOUT)
            self._local.conn = conn
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
        headers = {"Authorization": self._auth(), **(headers or {})}
        conn = self._connection()
        try:
            conn.request(method, path, body=body, headers=headers)
        except (ConnectionError, OSError) as exc:
            # The request did not go out (refused, reset before sending): safe to retry.
            self.close()
            raise TemporaryFailure(f"SMS gateway unreachable: {exc}") from exc
        try:
            response = conn.getresponse()
            data = response.read()
        except (TimeoutError, ConnectionError, http.client.HTTPException) as exc:
            self.close()
            raise Uncertain(f"no answer from the SMS gateway: {exc}") from exc
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        return response.status, data

    def send(self, outgoing):
        sender = settings.MESSAGING_SMS_FROM
        form = {"To": outgoing.to, "Body": outgoing.body}
        form["MessagingServiceSid" if sender.startswith("MG") else "From"] = sender
        if outgoing.status_callback:
            form["StatusCallback"] = outgoing.status_callback
        status, data = self._request(
            "POST",
            self._path("Messages.json"),
            body=urlencode(form),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Idempotency-Key": outgoing.idempotency_key,
            },
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
        if status == 429 or status >= 500:
            raise TemporaryFailure(f"SMS gateway answered {status}: {message}")
        raise PermanentFailure(f"SMS gateway refused ({status}): {message}")

    def reconcile(self, delivery, outgoing):
        """Did the gateway take this text before the worker died? Look for it among messages to the number."""
        since = (delivery.updated_at - dt.timedelta(minutes=5)).astimezone(dt.UTC)
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
            if (
                item.get("to") == delivery.address
                and wanted
                and item.get("body", "")[:60] == wanted
            ):
                return "sent", str(item.get("sid", ""))
        return "not_sent", ""
