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
