"""Logs a machine can read: one JSON object a line (LIAISON_LOG_FORMAT=json), each carrying the id of
the request it was written in, and one line per request (view, status, duration, user id).

A request's line names the view, never the path (paths hold sign-in tokens) and the user by id only,
never by name, phone or email.
"""

import contextvars
import datetime as dt
import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.core.signals import request_finished
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.functional import empty

from liaison.core import metrics

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")

# What an incoming X-Request-ID may be to be kept (a proxy's UUID, a trace id); anything else,
# too long or with other characters, is replaced by one of ours.
_WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")
# The attributes every LogRecord has; anything else on a record was passed with extra=.
# Django passes the request object with its errors: its repr holds the path, and paths hold tokens.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {
    "message",
    "asctime",
    "request_id",
    "request",
    "color_message",  # uvicorn's message with terminal colours: the message says it plainly
}
request_log = logging.getLogger("liaison.request")


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record (empty outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message, request_id, and the extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "") or request_id.get(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def incoming_or_new(header: str | None) -> str:
    if header and _WELL_FORMED.fullmatch(header):
        return header
    return uuid.uuid4().hex


class RequestLogMiddleware:
    """First in the chain: gives the request its id (echoed as X-Request-ID), times it, counts it
    in the metrics by view, and writes its log line."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        rid = incoming_or_new(request.headers.get("X-Request-ID"))
        # Kept until the response is finished (request_finished below): Django logs a 4xx answer
        # after the middleware has returned, and that line belongs to the request too.
        request_id.set(rid)
        started = time.perf_counter()
        response = self.get_response(request)
        seconds = time.perf_counter() - started
        match = getattr(request, "resolver_match", None)
        view = (match.view_name if match else "") or "unmatched"
        metrics.observe_request(view, request.method or "", response.status_code, seconds)
        response["X-Request-ID"] = rid
        request_log.info(
            "%s %s %s",
            request.method,
            view,
            response.status_code,
            extra={
                "view": view,
                "method": request.method,
                "status": response.status_code,
                "duration_ms": round(seconds * 1000, 1),
                "user_id": _user_id(request),
            },
        )
        return response


def _forget_request_id(**kwargs: object) -> None:
    request_id.set("")


request_finished.connect(_forget_request_id, dispatch_uid="liaison-forget-request-id")


def _user_id(request: HttpRequest) -> int | None:
    """The signed-in staff member's id; None for families and visitors (read without a query when
    nothing in the request looked at the session)."""
    user = getattr(request, "user", None)
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    return user.pk if user.is_authenticated else None


def server_logging(loggers: list[str]) -> dict[str, Any]:
    """A logging configuration (dictConfig) that writes these loggers' lines as Liaison's JSON
    lines (core.logs.JsonFormatter), for the web server's own process."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "liaison.core.logs.JsonFormatter"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
        "loggers": {
            name: {"handlers": ["console"], "level": "INFO", "propagate": False} for name in loggers
        },
    }
