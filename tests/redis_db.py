"""Redis databases for tests that run in parallel (pytest-xdist): each worker gets its own index.

The tests that use Redis empty their database (FLUSHDB, or the RQ queue) before and after, so two
workers must never share one. Worker gwN uses the configured index minus 2N: the worker and serve
tests start at 12 and the messaging tests at 13, so the two sets (12, 10, 8… and 13, 11, 9…) never
meet. Index 0, the one a developer's own Liaison uses by default, is never handed out.
"""

import os
from urllib.parse import urlsplit, urlunsplit


def for_this_worker(url: str) -> str:
    """`url` with its database index moved for this xdist worker (unchanged without xdist)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    number = int(worker.removeprefix("gw") or 0)
    parts = urlsplit(url)
    index = int(parts.path.strip("/") or 0) - 2 * number
    if index < 1:
        raise RuntimeError(
            f"xdist worker {worker} has no Redis database of its own left below {url} "
            "(Redis has 16): run fewer workers (-n) or start the test URL at a higher index"
        )
    return urlunsplit(parts._replace(path=f"/{index}"))
