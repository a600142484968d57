import pytest

from liaison.language.engines import http as engines_http
from liaison.language.models import DistrictLanguageSettings
from tests.language.servers import EngineServer


@pytest.fixture
def engine_server():
    engines_http._LANGUAGES_CACHE.clear()
    with EngineServer() as server:
        yield server
    engines_http._LANGUAGES_CACHE.clear()


@pytest.fixture
def libretranslate(world, engine_server):
    DistrictLanguageSettings.objects.create(
        district=world.district, engine="libretranslate", endpoint=engine_server.url
    )
    return engine_server
