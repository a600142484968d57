"""Before any district exists, a signed-in person is told how to set one up instead of meeting 404s."""

from django.shortcuts import render

from liaison.core import policy
from liaison.people.models import District

# Pages that work without a district: signing in and out, second factors, Django's admin, the
# family portal, webhooks, static files and health checks.
_OPEN_PATHS = (
    "/accounts/",
    "/admin/",
    "/family/",
    "/static/",
    "/healthz",
    "/readyz",
    "/metrics",
    "/i18n/",
    "/media/",
)


class DistrictSetUpMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.district_exists = False  # once true, it stays true: districts are never deleted

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            not self.district_exists
            and user is not None
            and user.is_authenticated
            and not request.path.startswith(_OPEN_PATHS)
        ):
            # A person with a role is in a district (the page reads their roles anyway: no query).
            self.district_exists = bool(policy.access_for(user).district_ids) or (
                District.objects.exists()
            )
            if not self.district_exists:
                return render(request, "people/no_district.html", status=200)
        return self.get_response(request)
