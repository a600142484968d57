"""Staff sign-in rules for django-allauth: no self sign-up; single sign-on only for existing staff."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter


class StaffAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        # Staff accounts come from the roster or an admin; nobody signs themselves up.
        return False


class StaffSocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin):
        # A Google or Entra ID sign-in reaches an account only when it matches an existing staff
        # member's verified email (SOCIALACCOUNT_EMAIL_AUTHENTICATION); it never creates one.
        return False
