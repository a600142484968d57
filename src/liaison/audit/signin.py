"""Staff sign-in rules for django-allauth: no self sign-up; single sign-on only for existing staff."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.core.exceptions import PermissionDenied

from liaison.core.clientaddr import client_address


class StaffAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        # Staff accounts come from the roster or an admin; nobody signs themselves up.
        return False

    def get_client_ip(self, request):
        # The sign-in limits count per address: the one the access log and the portal use, i.e.
        # the address our outermost proxy saw, never one the client wrote into X-Forwarded-For
        # (allauth's own reading would raise ImproperlyConfigured on a short header: a 500).
        ip = client_address(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip


class StaffSocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin):
        # A Google or Entra ID sign-in reaches an account only when it matches an existing staff
        # member's verified email (SOCIALACCOUNT_EMAIL_AUTHENTICATION); it never creates one.
        return False
