"""Who is acting in this request or task, so every record can say who created and changed it."""

from contextvars import ContextVar

_current_user: ContextVar = ContextVar("liaison_current_user", default=None)


def current_user():
    user = _current_user.get()
    if user is not None and getattr(user, "is_authenticated", False):
        return user
    return None
