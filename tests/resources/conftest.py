"""Fixtures of the resources tests: the hand-checked HSDS sample imported, an SMTP server on loopback."""

import shutil
import uuid
from pathlib import Path

import pytest

from tests.language.conftest import engine_server, libretranslate  # noqa: F401 (the engine)

DATA = Path(__file__).resolve().parent / "data"
NS = uuid.UUID("6f1c1d3e-2b1a-4c9a-9a51-0d6a2e3c4b5a")


def sample_id(name: str) -> uuid.UUID:
    """The id of a record of the sample package (they are uuid5 of a short name)."""
    return uuid.uuid5(NS, name)


@pytest.fixture
def sample_dir(tmp_path):
    target = tmp_path / "sample"
    shutil.copytree(DATA / "sample", target)
    return target


@pytest.fixture
def directory(db):
    from liaison.resources.hsds import importer

    report = importer.import_path(DATA / "sample")
    assert not report.problems
    return report


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback that keeps what it receives."""
    from aiosmtpd.controller import Controller

    class Keep:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(envelope)
            return "250 OK"

    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Keep()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port},
        }
    }
    yield handler
    controller.stop()
