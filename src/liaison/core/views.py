"""Health, readiness and metrics endpoints, and the 400 page."""

from django.conf import settings
from django.db import connection
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache

from liaison.core import health, metrics


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request):
    """200 when the database, cache, task queue and file storage all answer; 503 naming the
    failing ones otherwise. No sign-in: it says nothing about anyone."""
    ready, checks = health.readiness()
    return JsonResponse(
        {"status": "ready" if ready else "unavailable", "checks": checks},
        status=200 if ready else 503,
    )


@never_cache
def metrics_view(request):
    """Prometheus metrics, for a scraper that sends the token (404 to anyone else, and to everyone
    while LIAISON_METRICS_TOKEN is unset)."""
    token = settings.LIAISON_METRICS_TOKEN
    sent = request.headers.get("Authorization", "")
    if not token or not constant_time_compare(sent, f"Bearer {token}"):
        raise Http404
    return HttpResponse(metrics.exposition(), content_type=metrics.CONTENT_TYPE)


def bad_request(request, exception=None):
    """400: a parameter we could not read says which one (BadParameter); anything else says little."""
    from django.utils.translation import gettext as _

    from liaison.core.params import BadParameter

    # Other 400s (a forged host, a broken upload) carry messages meant for the log, not a person.
    detail = str(exception) if isinstance(exception, BadParameter) else ""
    return render(
        request,
        "400.html",
        {"detail": detail, "title": _("That request could not be read")},
        status=400,
    )
