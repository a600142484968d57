"""A real SMTP server on loopback (aiosmtpd) that records what it accepted, and can be stopped and restarted."""

import socket
import threading

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
    def __init__(self, recorder=None, port=None):
        self.recorder = recorder or Recorder()
        self.port = port or free_port()
        self.controller = None

    def start(self):
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def mailers(self):
        return {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": self.port, "timeout": 5},
            }
        }
