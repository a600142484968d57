"""Recording access to family records."""

from liaison.audit.models import AccessLog


def client_ip(request) -> str | None:
    from django.conf import settings

    if settings.SECURE_PROXY_SSL_HEADER:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def record_access(
    request,
    *,
    kind: str,
    object_id: int,
    household_id: int | None = None,
    action: str = "view",
    reason: str = "",
) -> AccessLog:
    """One row per view of a family record; a single insert so every page can afford it."""
    user = request.user
    return AccessLog.objects.create(
        user=user if user.is_authenticated else None,
        username=user.get_username() if user.is_authenticated else "",
        kind=kind,
        object_id=object_id,
        household_id=household_id,
        action=action,
        path=request.path[:300],
        ip=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:200],
        reason=reason,
    )
