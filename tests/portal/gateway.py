"""A loopback SMS gateway (Twilio-compatible) that keeps what it was sent."""

import json
import re
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class SmsGateway:
    def __init__(self):
        self.sent: list[dict] = []
        handler = self._handler()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _handler(self):
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                form = urllib.parse.parse_qs(self.rfile.read(length).decode())
                gateway.sent.append(
                    {
                        "path": self.path,
                        "auth": self.headers.get("Authorization", ""),
                        **{k: v[0] for k, v in form.items()},
                    }
                )
                body = json.dumps({"sid": f"SM{len(gateway.sent):032d}", "status": "queued"})
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, *args):
                pass

        return Handler

    def to(self, number: str) -> list[dict]:
        return [m for m in self.sent if m.get("To") == number]

    def last_code(self, number: str) -> str:
        messages = self.to(number)
        assert messages, f"no text message was sent to {number}"
        return re.search(r"\b(\d{6})\b", messages[-1]["Body"]).group(1)

    def close(self):
        from liaison.messaging import channels

        channels.reset()
        self.server.shutdown()
        self.server.server_close()


def use_gateway(settings):
    """Point messaging's SMS channel (which texts the codes) at a new loopback gateway."""
    from liaison.messaging import channels

    gateway = SmsGateway()
    settings.MESSAGING_SMS_BASE_URL = gateway.url
    settings.MESSAGING_SMS_ACCOUNT_SID = "ACtest"
    settings.MESSAGING_SMS_AUTH_TOKEN = "secret"
    settings.MESSAGING_SMS_FROM = "+16175550199"
    settings.MESSAGING_CHANNELS = {}
    channels.reset()
    return gateway
