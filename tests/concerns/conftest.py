"""Fixtures of the concerns tests."""

# The translation engine on loopback (what staff write reaches families through it).
from tests.language.conftest import engine_server, libretranslate  # noqa: F401
