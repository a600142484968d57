"""Dates read straight from a request's query string or form: a value that is no date answers 400,
naming the parameter ("'since' is not a date: 2026-02-30"), never a server error."""

import datetime as dt

from django.core.exceptions import BadRequest
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _


class BadParameter(BadRequest):
    """A request parameter that cannot be read; its message is shown on the 400 page."""


def _raw(request, name: str, source: str) -> str:
    return (getattr(request, source).get(name) or "").strip()


def datetime_param(request, name: str, *, source: str = "GET") -> dt.datetime | None:
    """The moment in parameter `name` (ISO 8601; a time without a zone is the site's), None when
    absent; BadParameter when not a date and time."""
    raw = _raw(request, name, source)
    if not raw:
        return None
    try:
        value = parse_datetime(raw)
        if value is not None and timezone.is_naive(value):
            value = timezone.make_aware(value)
    except (ValueError, OverflowError):
        value = None
    if value is None:
        raise BadParameter(
            _("'%(name)s' is not a date and time: %(value)s") % {"name": name, "value": raw}
        )
    return value
