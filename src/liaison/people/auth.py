"""Sign-in backends that read a signed-in person's memberships along with them.

Every staff page asks the access policy for the person's roles; the user is read on every request
(AuthenticationMiddleware), so their memberships come in the same query (User.objects
.with_memberships()) and the policy reads them from it (core.policy.scopes.access_for) instead of
a query of its own. Only the first answer of a request uses them: once the policy forgets (a
membership changed mid-request), it asks the database.
"""

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth.backends import ModelBackend

from liaison.people.models import User


class _ReadsMemberships:
    def get_user(self, user_id: Any) -> Any:
        try:
            user = User.objects.with_memberships().get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None  # type: ignore[attr-defined]


class StaffBackend(_ReadsMemberships, ModelBackend):
    """Django's username-and-password backend."""


class AccountBackend(_ReadsMemberships, AuthenticationBackend):  # type: ignore[misc]
    """django-allauth's sign-in (the session of a person who signed in through its forms)."""
