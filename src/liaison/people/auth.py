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
from django.core.exceptions import ValidationError
from django.db import router

from liaison.core.db import Compiled
from liaison.people.models import User

# Read on every request: compiled once (the memberships' subquery costs more to compile than to run).
_signed_in = Compiled(lambda pk: User.objects.with_memberships().filter(pk=pk).order_by())


class _ReadsMemberships:
    def get_user(self, user_id: Any) -> Any:
        try:
            pk = User._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        found = _signed_in.instances(pk, using=router.db_for_read(User))
        if not found:
            return None
        return found[0] if self.user_can_authenticate(found[0]) else None  # type: ignore[attr-defined]


class StaffBackend(_ReadsMemberships, ModelBackend):
    """Django's username-and-password backend."""


class AccountBackend(_ReadsMemberships, AuthenticationBackend):  # type: ignore[misc]
    """django-allauth's sign-in (the session of a person who signed in through its forms)."""
