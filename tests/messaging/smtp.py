"""A real SMTP server on loopback (aiosmtpd) that records what it accepted, and can be stopped and restarted.

While it is not running, its port stays bound (not listening): a connection is refused as by a
server that is down, and no other process's free port can be that one. A port that was only
looked up and let go could be handed to a server in another pytest-xdist worker, which then took
this test's "undeliverable" mail (CI saw a reminder sent while the server here was down).
"""

import socket
import threading
import weakref

from aiosmtpd.controller import Controller


class Recorder:
    def __init__(self, on_message=None):
        self.messages = []  # (envelope recipients, raw bytes)
        self.senders = []  # the envelope sender (MAIL FROM) of each
        self.lock = threading.Lock()
        self.on_message = on_message

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), envelope.original_content))
            self.senders.append(envelope.mail_from)
            count = len(self.messages)
        if self.on_message:
            self.on_message(count)
        return "250 OK"


class SMTPServer:
    def __init__(self, recorder=None):
        self.recorder = recorder or Recorder()
        self.controller = None
        self._held = None
        self.port = self._hold(0)

    def _hold(self, port: int) -> int:
        held = socket.socket()
        held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        held.bind(("127.0.0.1", port))
        self._held = held
        self._release = weakref.finalize(self, held.close)
        return held.getsockname()[1]

    def start(self):
        self._release()
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None
            self._hold(self.port)

    def mailers(self):
        return {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": self.port, "timeout": 5},
            }
        }
