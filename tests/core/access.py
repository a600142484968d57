"""URLs outside the apps' namespaces: the site's own, the Django admin's and django-allauth's.

Every URL of the whole URLconf must be listed somewhere; names here are explicit, and the few
prefix groups below are allow-listed with the reason they need no row of their own.
"""

from tests.access import ROLES

NO_RECORD = {
    "home": dict.fromkeys(ROLES, 200),  # Today (tests/worklist/test_today.py)
    "healthz": dict.fromkeys(ROLES, 200),
    "readyz": dict.fromkeys(ROLES, 200),  # names its checks only (tests/core/test_readyz.py)
    # The page's change events; asked without a page's signed topics, no stream (tests/core/test_live.py).
    "live_stream": dict.fromkeys(ROLES, 204),
    "login": dict.fromkeys(ROLES, 302),  # already signed in: on to the workspace
}
EXEMPT = {
    "metrics": "Prometheus's bearer token only, 404 to every session (tests/core/test_metrics.py)",
    "logout": "POST only; signs the person out (tests/audit/test_signin.py)",
    "set_language": "POST only; Django's language switch, no record",
}
# Groups of third-party URLs, by name prefix, each with why it is safe without a matrix row.
EXEMPT_PREFIXES = {
    "admin:": "Django admin: is_staff superusers only, behind the same sign-in and second factor",
    "account_": "django-allauth sign-in, password and email pages: the person's own account only",
    "mfa_": "django-allauth second-factor pages: the person's own authenticators only",
    "socialaccount_": "django-allauth single sign-on: the person's own connections only",
    "google_": "Google sign-in (OIDC) endpoints, off unless configured",
    "openid_connect_": "Microsoft Entra ID (OIDC) endpoints, off unless configured",
}
# Patterns without a name (they cannot be reversed), by the start of their route.
EXEMPT_ROUTES = {
    "admin/": "Django admin object pages and catch-all, superusers only",
    "accounts/": "django-allauth's unnamed redirects under /accounts/",
}
