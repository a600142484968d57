"""Where the roster's background entry point used to live: run_import_task is defined beside its
service now; tasks queued before that name this path, so the name stays for a worker."""

from liaison.roster.services import run_import_task  # noqa: F401
