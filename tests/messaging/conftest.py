"""Messaging fixtures: the real channel backends pointed at loopback servers."""

import pytest

from tests.language.conftest import engine_server, libretranslate  # noqa: F401 (the engine)
from tests.messaging.gateway import FakeGateway


@pytest.fixture
def gateway(settings):
    from liaison.messaging import channels

    with FakeGateway() as gw:
        settings.MESSAGING_SMS_BASE_URL = gw.url
        settings.MESSAGING_SMS_ACCOUNT_SID = gw.account
        settings.MESSAGING_SMS_AUTH_TOKEN = gw.token
        settings.MESSAGING_SMS_FROM = "+16175550199"
        settings.MESSAGING_CHANNELS = {"email": "liaison.messaging.channels.email.DjangoEmail"}
        settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
        channels.reset()
        yield gw
        channels.reset()


@pytest.fixture(autouse=True)
def _messaging_settings(settings):
    from liaison.messaging import channels

    settings.PUBLIC_URL = "https://liaison.example.org"
    settings.MESSAGING_SMS_AUTH_TOKEN = settings.MESSAGING_SMS_AUTH_TOKEN or "test-auth-token"
    settings.MESSAGING_RETRY_BASE_SECONDS = 0.01
    settings.MESSAGING_RETRY_MAX_SECONDS = 0.05
    settings.MESSAGING_FANOUT_PAUSE = 0
    # Quiet hours off unless a test turns them on (they depend on the clock).
    settings.MESSAGING_QUIET_HOURS_CHANNELS = []
    channels.reset()
    yield
    channels.reset()
