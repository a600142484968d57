"""The error pages under /family/: a family who meets a missing page or a fault gets the portal's
look, in their language, with a way back to the portal's start; everywhere else Django's handlers
show the staff pages (templates/404.html, 500.html)."""

import logging

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.views import defaults

from liaison.portal.session import activate_language, current_family

log = logging.getLogger(__name__)


def _start() -> str:
    return reverse("portal:home")


def _for_family(request: HttpRequest) -> bool:
    return request.path.startswith(_start())


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not _for_family(request):
        return defaults.page_not_found(request, exception)
    # A path no view answered never chose the family's language: the signed-in guardian's, else
    # the one picked on the portal, else the browser's.
    activate_language(request, current_family(request))
    return render(request, "portal/404.html", {"start": _start()}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """Rendered without the request's context (no database, no context processors), as Django's
    own is: the fault may be the database itself."""
    if not _for_family(request):
        return defaults.server_error(request)
    try:
        # The session and the guardian are read from the database, which may be the fault.
        activate_language(request, current_family(request))
    except Exception:  # the browser's language, as LocaleMiddleware chose it, then
        log.warning("portal error page: the family's language could not be read", exc_info=True)
    html = loader.get_template("portal/500.html").render({"start": _start()})
    return HttpResponseServerError(html)
