"""Request middleware: who is acting, and no caching of pages that carry personal data."""

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
