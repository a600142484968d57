"""Template context every staff page needs: the signed-in person's scopes and navigation."""

from liaison.core import nav, policy


def workspace(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    access = policy.access_for(user)
    return {"access": access, "nav_items": nav.items_for(access, request.path)}
