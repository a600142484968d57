"""The `liaison` command: every task a user or operator runs, plus all of Django's management commands."""

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path


def _django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liaison.config.settings")


def _data_dir() -> str:
    from django.conf import settings

    return str(settings.DATA_DIR)


def serve(argv: list[str]) -> int:
    """Serve the web app with gunicorn and run the task worker beside it until interrupted."""
    import argparse

    parser = argparse.ArgumentParser(prog="liaison serve", description=serve.__doc__)
    parser.add_argument("--bind", default=os.environ.get("LIAISON_BIND", "127.0.0.1:8000"))
    parser.add_argument(
        "--workers", type=int, default=int(os.environ.get("LIAISON_WEB_WORKERS", "2"))
    )
    parser.add_argument("--no-worker", action="store_true", help="do not start the task worker")
    parser.add_argument(
        "--asgi",
        action="store_true",
        default=os.environ.get("LIAISON_ASGI", "") in {"1", "true", "yes", "on"},
        help="serve with uvicorn (ASGI) instead of gunicorn, so that open pages hear of changes "
        "through a stream (live updates, with Redis: docs/live.md)",
    )
    args = parser.parse_args(argv)

    _django_setup()
    env = dict(os.environ)
    exe = sys.executable
    # The web processes (gunicorn's or uvicorn's) and the task worker count into files here, which /metrics adds up; the
    # counts of an earlier run are stale (and their process ids may be reused): start empty.
    metrics_dir = Path(
        os.environ.get("LIAISON_METRICS_DIR") or Path(_data_dir(), "metrics")
    ).resolve()
    shutil.rmtree(metrics_dir, ignore_errors=True)
    metrics_dir.mkdir(parents=True)
    env["LIAISON_METRICS_DIR"] = str(metrics_dir)
    subprocess.run(
        [exe, "-m", "liaison.cli", "collectstatic", "--no-input", "-v0"], check=True, env=env
    )
    from django.conf import settings

    procs = []
    # The immediate backend runs each task inside the request that enqueues it: no worker.
    if not args.no_worker and settings.TASK_BACKEND != "immediate":
        procs.append(subprocess.Popen([exe, "-m", "liaison.cli", "worker"], env=env))
    # With JSON logs the servers' own lines (started, stopped, a worker restarted) are JSON too,
    # and their access lines are left to the "liaison.request" logger, which says the same with
    # the request's id: a log collector reads every line.
    json_logs = settings.LIAISON_LOG_FORMAT == "json"
    if args.asgi:
        host, _, port = args.bind.rpartition(":")
        web = [
            exe,
            "-m",
            "uvicorn",
            "liaison.config.asgi:application",
            "--host",
            host.strip("[]") or "127.0.0.1",
            "--port",
            port,
            "--workers",
            str(args.workers),
            # Open streams end when the server stops rather than holding it up.
            "--timeout-graceful-shutdown",
            "5",
        ]
        if json_logs:
            config = Path(metrics_dir.parent, "uvicorn-logging.json")
            from liaison.core.logs import server_logging

            config.write_text(json.dumps(server_logging(["uvicorn", "uvicorn.error"])))
            web += ["--log-config", str(config), "--no-access-log"]
    else:
        web = [
            exe,
            "-m",
            "gunicorn",
            "liaison.config.wsgi",
            "--bind",
            args.bind,
            "--workers",
            str(args.workers),
            "--threads",
            "4",
            *([] if json_logs else ["--access-logfile", "-"]),
            "--config",
            "python:liaison.config.gunicorn",
        ]
    procs.append(subprocess.Popen(web, env=env))
    if json_logs:
        import logging
        import logging.config

        from liaison.core.logs import server_logging

        logging.config.dictConfig(server_logging(["liaison.serve"]))
        logging.getLogger("liaison.serve").info("Liaison is serving on http://%s/", args.bind)
    else:
        print(f"Liaison is serving on http://{args.bind}/ (Ctrl-C stops it)", flush=True)

    def stop(*_):
        for p in procs:
            if p.poll() is None:
                p.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
        while all(p.poll() is None for p in procs):
            with contextlib.suppress(subprocess.TimeoutExpired):
                procs[-1].wait(timeout=1)
    except KeyboardInterrupt:
        pass
    finally:
        stop()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
    return 0


ALIASES = {
    "demo": ["demo"],
    "worker": ["worker"],
    "import-oneroster": ["import_oneroster"],
    "import-households": ["import_households"],
    "import-attendance": ["import_attendance"],
    "import-hsds": ["import_hsds"],
    "export-hsds": ["export_hsds"],
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "serve":
        return serve(argv[1:])
    if argv and argv[0] == "manage":
        argv = argv[1:]
    if argv and argv[0] in ALIASES:
        argv = ALIASES[argv[0]] + argv[1:]
    _django_setup()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["liaison", *argv])
    return 0


if __name__ == "__main__":
    sys.exit(main())
