"""Request middleware: who is acting, in which language staff read, and no caching of personal pages."""

import functools

from django.urls import reverse
from django.utils import translation

from liaison.core.current import _current_user


class CurrentUserMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current_user.set(getattr(request, "user", None))
        try:
            return self.get_response(request)
        finally:
            _current_user.reset(token)


class NoStoreMiddleware:
    """Pages for signed-in people carry personal data: browsers and proxies must not keep them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith("/static/"):
            return response
        if (
            getattr(request, "user", None) is not None and request.user.is_authenticated
        ) or getattr(request, "family", None):
            response["Cache-Control"] = "no-store"
        return response


# Paths a person may reach while their session is limited to enrolling a second factor.
_ENROLMENT_PATHS = (
    "/accounts/",
    "/sign-out/",
    "/static/",
    "/i18n/",
    "/healthz",
    "/readyz",
    "/metrics",
)
_MFA_OK_KEY = "liaison_mfa_ok"


class RequireSecondFactorMiddleware:
    """District admins and site leaders (LIAISON_MFA_REQUIRED_ROLES) use the workspace only with a
    second factor: signed in without one, every page sends them to enrol one (TOTP or a passkey).

    Applies to sessions made by the sign-in flow (allauth records how a session authenticated);
    with a factor enrolled, allauth itself asks for it at sign-in.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(_ENROLMENT_PATHS)
            and self.must_enrol(request, user)
        ):
            from django.contrib import messages
            from django.shortcuts import redirect
            from django.utils.translation import gettext as _

            messages.warning(
                request,
                _("Your role needs a second factor. Set up an authenticator app or a passkey."),
            )
            return redirect("mfa_index")
        return self.get_response(request)

    @staticmethod
    def must_enrol(request, user) -> bool:
        session = request.session
        if session.get(_MFA_OK_KEY) or not session.get("account_authentication_methods"):
            return False
        from django.conf import settings

        from liaison.core import policy

        required = set(settings.LIAISON_MFA_REQUIRED_ROLES)
        if not (policy.access_for(user).roles & required):
            session[_MFA_OK_KEY] = True
            return False
        from allauth.mfa.models import Authenticator

        if (
            Authenticator.objects.filter(user=user)
            .exclude(type=Authenticator.Type.RECOVERY_CODES)
            .exists()
        ):
            session[_MFA_OK_KEY] = True
            return False
        return True


class SessionTimeoutMiddleware:
    """Idle and absolute session timeouts for staff.

    A session ends LIAISON_IDLE_SECONDS after its last request and SESSION_COOKIE_AGE after sign-in.
    The last-seen time is written at most once a minute so that most requests write nothing.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        import time

        from django.conf import settings

        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            session = request.session
            started = session.setdefault("liaison_started", now)
            seen = session.get("liaison_seen", now)
            if (
                now - seen > settings.LIAISON_IDLE_SECONDS
                or now - started > settings.SESSION_COOKIE_AGE
            ):
                from django.contrib.auth import logout
                from django.contrib.auth.views import redirect_to_login

                logout(request)
                return redirect_to_login(request.get_full_path())
            if now - seen >= 60 or "liaison_seen" not in session:
                session["liaison_seen"] = now
        return self.get_response(request)


@functools.cache
def _family_prefix() -> str:
    return reverse("portal:home")


class StaffLanguageMiddleware:
    """A signed-in staff member reads the workspace in their interface_language; left blank (or a
    language the interface lacks), the browser's language chosen by LocaleMiddleware stands.

    Sits after AuthenticationMiddleware. The family portal picks its own language
    (portal.session.activate_language), so its pages are left alone.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        lang = self.staff_language(request)
        if lang:
            translation.activate(lang)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)

    @staticmethod
    def staff_language(request) -> str | None:
        if request.path_info.startswith(_family_prefix()):
            return None
        user = getattr(request, "user", None)
        tag = getattr(user, "interface_language", "") if user is not None else ""
        if not tag or not user.is_authenticated:
            return None
        try:
            return translation.get_supported_language_variant(tag.lower())
        except LookupError:
            return None
