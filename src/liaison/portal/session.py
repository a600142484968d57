"""The family session: a guardian id in the Django session, beside (never instead of) staff sign-in."""

import functools
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation

from liaison.people.models import Guardian
from liaison.portal import services

SESSION_KEY = "portal_guardian_id"
SCOPE_KEY = "portal_scope"  # set when a deep link signed the family in: only that page opens
LANGUAGE_KEY = "portal_language"
DEVICE_COOKIE = "liaison_family_device"


def sign_in(request, guardian, *, scope: dict | None = None) -> None:
    request.session.cycle_key()
    request.session[SESSION_KEY] = guardian.pk
    if scope:
        request.session[SCOPE_KEY] = scope
    else:
        request.session.pop(SCOPE_KEY, None)
    request.session[LANGUAGE_KEY] = services.portal_language(guardian.preferred_language)
    request.family = guardian


def sign_out(request) -> None:
    for key in (SESSION_KEY, SCOPE_KEY):
        request.session.pop(key, None)
    request.session.cycle_key()
    request.family = None


def activate_language(request, guardian=None) -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    lang = request.session.get(LANGUAGE_KEY)
    if lang not in codes:
        lang = (
            services.portal_language(guardian.preferred_language)
            if guardian is not None
            else getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
        )
    if lang not in codes:
        lang = settings.LANGUAGE_CODE
    translation.activate(lang)
    request.LANGUAGE_CODE = lang
    return lang


def current_family(request: HttpRequest) -> Guardian | None:
    """The signed-in guardian (re-checked each request: restricted or inactive means signed out)."""
    guardian_id = request.session.get(SESSION_KEY)
    guardian = services.active_guardian(guardian_id)
    if guardian is None and guardian_id:
        sign_out(request)
    if guardian is None:
        guardian = services.guardian_for_device(request.COOKIES.get(DEVICE_COOKIE, ""))
        if guardian is not None:
            sign_in(request, guardian)
    return guardian


def _to_sign_in(request):
    return redirect(reverse("portal:sign_in") + "?" + urlencode({"next": request.get_full_path()}))


def family_required(view=None, *, scope: str | None = None):
    """Only a signed-in family gets the page; sets request.family and the family's language.

    `scope` names the deep-link purpose whose target is the view's `pk`: a family signed in by
    such a link may open that one page and nothing else until they sign in properly.
    """

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            guardian = current_family(request)
            if guardian is None:
                activate_language(request)
                return _to_sign_in(request)
            granted = request.session.get(SCOPE_KEY)
            if granted and not (
                scope == granted.get("purpose") and kwargs.get("pk") == granted.get("target")
            ):
                activate_language(request, guardian)
                return _to_sign_in(request)
            request.family = guardian
            activate_language(request, guardian)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate


def portal_page(view):
    """A page open to anyone (sign-in, links): in the chosen or browser language."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        activate_language(request)
        return view(request, *args, **kwargs)

    return wrapper
