"""System checks that keep a production deployment safe."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def csp_enabled(app_configs, **kwargs):
    errors = []
    if (
        "django.middleware.csp.ContentSecurityPolicyMiddleware" not in settings.MIDDLEWARE
        or not getattr(settings, "SECURE_CSP", None)
    ):
        errors.append(
            checks.Error(
                "The Content Security Policy is off.",
                hint="Keep ContentSecurityPolicyMiddleware in MIDDLEWARE and SECURE_CSP set.",
                id="liaison.E001",
            )
        )
    return errors


@checks.register(checks.Tags.caches, deploy=True)
def rate_limits_shared(app_configs, **kwargs):
    """Sign-in limits are counted in the cache; a per-process cache lets each gunicorn worker (and
    each server) count on its own, so an attacker gets the limit once per process."""
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    workers = settings.LIAISON_WEB_WORKERS
    if backend.endswith("LocMemCache") and workers > 1:
        return [
            checks.Warning(
                f"The cache is local to each process (CACHE_URL=locmem://) but {workers} web "
                "processes serve Liaison: every sign-in limit would be counted per process.",
                hint="Set CACHE_URL to redis://… or db:// (the default), or LIAISON_WEB_WORKERS=1.",
                id="liaison.W020",
            )
        ]
    return []
