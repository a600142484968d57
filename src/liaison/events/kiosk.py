"""Kiosk mode: a staff session handed to families at an event's door, locked to that one event.

The session carries the event and the language the family chose; `KioskLockMiddleware` sends
every other address back to the kiosk, and only the staff member's password ends it.
"""

import time

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation

SESSION_KEY = "liaison_kiosk"
FAILS_KEY = SESSION_KEY + "_fails"
# Wrong passwords allowed on the way out before the kiosk stops asking for a while.
LEAVE_TRIES = 5
LEAVE_LOCK_SECONDS = 300


def languages(event) -> list[str]:
    """The interface languages of the event: the one it is written in, then its interpretation."""
    codes = []
    for tag in [event.language, *(event.interpretation or [])]:
        try:
            code = translation.get_supported_language_variant((tag or "").lower())
        except LookupError:
            continue
        if code not in codes:
            codes.append(code)
    return codes or [settings.LANGUAGE_CODE]


def start(request, event) -> None:
    request.session[SESSION_KEY] = {"event": event.pk, "language": languages(event)[0]}


def end(request) -> None:
    request.session.pop(SESSION_KEY, None)
    request.session.pop(FAILS_KEY, None)


def locked_event_pk(request) -> int | None:
    state = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    return state.get("event") if state else None


def language(request) -> str | None:
    state = request.session.get(SESSION_KEY)
    return state.get("language") if state else None


def set_language(request, event, code: str) -> bool:
    if code not in languages(event) or locked_event_pk(request) != event.pk:
        return False
    request.session[SESSION_KEY] = {"event": event.pk, "language": code}
    return True


def reset_language(request, event) -> None:
    set_language(request, event, languages(event)[0])


def _recent_fails(request) -> list[float]:
    since = time.time() - LEAVE_LOCK_SECONDS
    return [t for t in request.session.get(FAILS_KEY, []) if t > since][-LEAVE_TRIES:]


def leave_locked_for(request) -> int:
    """Seconds until another password may be tried (0: it may now)."""
    fails = _recent_fails(request)
    if len(fails) < LEAVE_TRIES:
        return 0
    return int(fails[0] + LEAVE_LOCK_SECONDS - time.time()) + 1


def leave(request, password: str) -> bool:
    """End kiosk mode if `password` is the signed-in staff member's; wrong tries are counted
    in the session, which a family cannot clear without ending the staff sign-in too."""
    if leave_locked_for(request):
        return False
    if request.user.is_authenticated and request.user.check_password(password):
        end(request)
        return True
    request.session[FAILS_KEY] = [*_recent_fails(request), time.time()]
    return False


class KioskLockMiddleware:
    """While a session is in kiosk mode, only that event's kiosk answers, in the family's language.

    Sits after the session, authentication and staff-language middleware (it overrides the staff
    member's interface language) and after the session timeout (an ended session ends the kiosk).
    """

    ALWAYS = ("/static/",)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        pk = locked_event_pk(request)
        if pk is None:
            return self.get_response(request)
        home = reverse("events:kiosk", args=[pk])
        if request.path.startswith(self.ALWAYS):
            return self.get_response(request)
        if not request.path.startswith(home):
            return redirect(home)
        code = language(request)
        if code:
            translation.activate(code)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
