"""Fixtures of the events tests."""

# The translation engine on loopback (an event's title reaches families through it).
from tests.language.conftest import engine_server, libretranslate  # noqa: F401
