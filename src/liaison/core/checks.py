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


@checks.register(checks.Tags.caches, deploy=True)
def live_versions_shared(app_configs, **kwargs):
    """Open pages compare what they show with versions in the live cache (core/live.py). Without
    Redis those are files on one server: a district on PostgreSQL may run several servers, and a
    page on one would never hear of a change taken in by another."""
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" in engine and not settings.LIAISON_LIVE_REDIS_URL:
        return [
            checks.Warning(
                "Open threads and inboxes, and the pages kept for their reader (core/kept.py), "
                "keep their versions in files on this server: pages served by another server "
                "would not show changes taken in here.",
                hint="With more than one server, set LIAISON_LIVE_REDIS_URL (or CACHE_URL) to "
                "redis://… (docs/live.md).",
                id="liaison.W021",
            )
        ]
    return []


@checks.register(checks.Tags.files)
def media_bucket_named(app_configs, **kwargs):
    """Uploads in object storage need a bucket: without one the first family's picture would fail
    after its message was kept, so say so when the server starts."""
    if settings.LIAISON_MEDIA_STORAGE == "s3" and not settings.STORAGES["default"]["OPTIONS"].get(
        "bucket_name"
    ):
        return [
            checks.Error(
                "LIAISON_MEDIA_STORAGE is s3 but no bucket is named.",
                hint="Set LIAISON_S3_BUCKET (and LIAISON_S3_ENDPOINT_URL for a store other than "
                "Amazon S3): docs/deploy.md.",
                id="liaison.E030",
            )
        ]
    return []
