"""gunicorn's settings for `liaison serve`: a worker that ends stops counting in the live metrics."""

import os
from typing import Any


def child_exit(server: Any, worker: Any) -> None:
    directory = os.environ.get("LIAISON_METRICS_DIR")
    if directory:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid, directory)  # type: ignore[no-untyped-call]


# With LIAISON_LOG_FORMAT=json gunicorn's own lines are JSON too (its access lines are not
# written: the "liaison.request" logger writes each request's, with its id).
if os.environ.get("LIAISON_LOG_FORMAT") == "json":
    from liaison.core.logs import server_logging

    logconfig_dict = server_logging(["gunicorn.error"])
