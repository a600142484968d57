"""The mail settings the README gives do what it says: EMAIL_HOST alone sends family mail there."""

import email
import email.policy
import os
import subprocess
import sys

from tests.messaging.smtp import SMTPServer

SEND = """
import django
django.setup()
from liaison.messaging import channels
from liaison.messaging.channels.base import Outgoing
channels.get("email").send(Outgoing(delivery_id=1, to="parent@example.org", subject="Field trip",
                                    body="The bus leaves at 8.", idempotency_key="d1-a1"))
"""


def send_family_email(tmp_path, **env) -> subprocess.CompletedProcess:
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("EMAIL_", "LIAISON_", "DJANGO_ALLOW"))
    }
    environ |= {
        "DJANGO_SETTINGS_MODULE": "liaison.config.settings",
        "LIAISON_DATA_DIR": str(tmp_path),
        "LIAISON_LOG_LEVEL": "INFO",
        **env,
    }
    environ.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-c", SEND], env=environ, capture_output=True, text=True, check=False
    )


def test_setting_email_host_sends_family_mail_to_that_server(tmp_path):
    server = SMTPServer().start()
    try:
        done = send_family_email(tmp_path, EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(server.port))
        assert done.returncode == 0, done.stderr
        [(recipients, raw)] = server.recorder.messages
        assert recipients == ["parent@example.org"] and b"The bus leaves at 8." in raw
    finally:
        server.stop()


def test_families_read_the_district_sender_and_bounces_go_to_liaison(tmp_path):
    server = SMTPServer().start()
    try:
        done = send_family_email(
            tmp_path,
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(server.port),
            DEFAULT_FROM_EMAIL="Riverside Schools <schools@riverside.example.org>",
            LIAISON_EMAIL_DOMAIN="mail.riverside.example.org",
        )
        assert done.returncode == 0, done.stderr
        [(_to, raw)] = server.recorder.messages
        headers = email.message_from_bytes(raw, policy=email.policy.SMTP)
        assert headers["From"] == "Riverside Schools <schools@riverside.example.org>"
        assert server.recorder.senders == ["reply+bounces@mail.riverside.example.org"]
    finally:
        server.stop()


def test_without_a_mail_server_family_mail_is_printed(tmp_path):
    server = SMTPServer().start()
    try:
        done = send_family_email(tmp_path)
        assert done.returncode == 0, done.stderr
        assert "parent@example.org" in done.stderr + done.stdout
        assert server.recorder.messages == []
    finally:
        server.stop()
