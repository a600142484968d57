"""ASGI entry point (`liaison serve --asgi`, uvicorn): the live stream through Django's ASGI
handler, every other request through its WSGI handler on a few threads of the process.

Why not everything through the ASGI handler: our views and middleware are synchronous, and for
each request Django's ASGI handler starts a thread of its own and hands the request between it
and the event loop three times (into the middleware, out to the async get_response, back into
the view). Measured on one process of `make loadtest`'s deployment: the same pages cost about
twice the CPU they cost under a WSGI server (/healthz 7 ms against 3; a household page 19 against
11), and as many threads ran at once as requests had arrived, so under load every page slowed
down together. Only /live/ (server-sent events, an async view holding its connection open) needs
ASGI. The pages' threads are as many as gunicorn's (LIAISON_WEB_THREADS, 4).
"""

import os
from typing import Any

from a2wsgi import WSGIMiddleware
from django.core.asgi import get_asgi_application
from django.core.wsgi import get_wsgi_application
from django.urls import reverse

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liaison.config.settings")
# A persistent database connection belongs to its thread, and the live stream's requests each
# run in a thread of their own: kept, they piled up past PostgreSQL's max_connections under
# `make loadtest` (97 of 100 from four processes), so each is closed after its request. Opening
# one for every request cost more than most pages (a PostgreSQL backend started and signed in):
# on PostgreSQL the process's threads borrow from a pool of at most LIAISON_DB_POOL instead.
os.environ.setdefault("LIAISON_DB_CONN_MAX_AGE", "0")
os.environ.setdefault("LIAISON_DB_POOL", "10")

streams = get_asgi_application()
_wsgi = get_wsgi_application()
_LIVE_PATH = reverse("live_stream")  # "/live/"


def _pages_app(environ: dict[str, Any], start_response: Any) -> Any:
    # The page was served by the process whose /live/ holds streams open (core.live.streaming).
    environ["liaison.live_asgi"] = True
    return _wsgi(environ, start_response)


pages = WSGIMiddleware(_pages_app, workers=int(os.environ.get("LIAISON_WEB_THREADS", "4")))  # type: ignore[arg-type]


async def application(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] == "http" and not _is_live(scope):
        await pages(scope, receive, send)
    else:
        await streams(scope, receive, send)


def _is_live(scope: Any) -> bool:
    path: str = scope["path"]
    return path.removeprefix(scope.get("root_path", "")) == _LIVE_PATH
