"""Landing and health views."""

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


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
