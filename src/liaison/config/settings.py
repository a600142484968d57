"""Liaison's settings: each read once from the environment, with a default that is safe on a laptop."""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PACKAGE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("LIAISON_DATA_DIR", Path.cwd() / "data")).resolve()


def _secret_key() -> str:
    """SECRET_KEY from the environment, or one generated once and kept in the data folder."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    key_file = DATA_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")


def default_public_url(bind: str) -> str:
    """Where a server listening on `bind` (LIAISON_BIND, host:port) is reached from this machine:
    the base of its links when LIAISON_PUBLIC_URL is not set (a server on another port prints and
    sends links to that port). An address on every interface is reached on 127.0.0.1."""
    host, sep, port = bind.rpartition(":")
    if not sep or not port.isdigit() or host.startswith("unix"):
        return "http://127.0.0.1:8000"
    if host in ("", "0.0.0.0", "[::]", "::"):  # noqa: S104 - read, not bound
        host = "127.0.0.1"
    return f"http://{host}:{port}"


# The public base URL is used in links sent to families and in webhook signatures.
PUBLIC_URL = (
    os.environ.get("LIAISON_PUBLIC_URL")
    or default_public_url(os.environ.get("LIAISON_BIND", "127.0.0.1:8000"))
).rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tasks_db",
    # Staff sign-in: accounts, second factors (TOTP, passkeys) and single sign-on (OIDC).
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.google",
    "allauth.socialaccount.providers.openid_connect",
    "liaison.core",
    "liaison.people",
    "liaison.audit",
    "liaison.roster",
    "liaison.messaging",
    "liaison.worklist",
    "liaison.language",
    "liaison.concerns",
    "liaison.resources",
    "liaison.events",
    "liaison.attendance",
    "liaison.portal",
    "liaison.insights",
    "liaison.demo",
]

MIDDLEWARE = [
    "liaison.core.logs.RequestLogMiddleware",  # first: the request id, timing and metrics
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A page's poll for what has not changed is answered here, before the session or the database.
    "liaison.core.live.ConditionalPollMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "liaison.core.policy.DoorMiddleware",
    "liaison.core.middleware.StaffLanguageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "liaison.core.middleware.SessionTimeoutMiddleware",
    "liaison.core.middleware.RequireSecondFactorMiddleware",
    "liaison.people.middleware.DistrictSetUpMiddleware",
    "liaison.events.kiosk.KioskLockMiddleware",
    "liaison.audit.middleware.AccessLogMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "liaison.core.middleware.CurrentUserMiddleware",
    "liaison.core.middleware.NoStoreMiddleware",
]

ROOT_URLCONF = "liaison.config.urls"
WSGI_APPLICATION = "liaison.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "liaison.core.context_processors.workspace",
                "liaison.core.live.context",
            ],
        },
    },
]

# SQLite in the data folder unless DATABASE_URL names another database.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
# Every SQLite database gets these, the data folder's or one DATABASE_URL names (sqlite:///…): the
# web processes, the worker and the scheduler share the file. WAL lets readers go on while one
# writer writes; IMMEDIATE makes a writing transaction take its lock up front, waiting up to the
# busy timeout for it. Without it a transaction that read first and then writes (get_or_create)
# is refused at once with "database is locked" when another process writes too: SQLite cannot
# wait there without a deadlock, so it does not wait at all.
SQLITE_OPTIONS = {
    "init_command": (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
    ),
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}
if DATABASE_URL:
    # 0 under ASGI (config/asgi.py): there a kept connection stays with its request's thread;
    # on PostgreSQL the pool below keeps them instead.
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=int(os.environ.get("LIAISON_DB_CONN_MAX_AGE", "60"))
        )
    }
    # A pool of PostgreSQL connections that every thread of the process borrows from (psycopg's,
    # through Django): what an ASGI server needs, where each request runs in a thread of its own
    # and otherwise opened and closed a connection of its own (config/asgi.py turns it on). A
    # request that finds every connection lent waits for one, up to 20 s.
    LIAISON_DB_POOL = int(os.environ.get("LIAISON_DB_POOL", "0"))
    if LIAISON_DB_POOL and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps them (Django refuses both)
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": LIAISON_DB_POOL,
            "timeout": 20,
        }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # No JIT compilation for Liaison's connections (unless the URL's `options` name `jit`):
        # its statements run in milliseconds to a few hundred, and the bulk ones (a day's
        # attendance, an announcement) cross the planner's JIT threshold by their estimated cost,
        # then spend 50 ms to seconds compiling what runs faster interpreted.
        options = DATABASES["default"].setdefault("OPTIONS", {})
        if "jit=" not in str(options.get("options", "")).replace(" ", ""):
            options["options"] = f"-c jit=off {options.get('options', '')}".strip()
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        DATABASES["default"]["OPTIONS"] = {
            **SQLITE_OPTIONS,
            **DATABASES["default"].get("OPTIONS", {}),
        }
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "liaison.sqlite3",
            "OPTIONS": dict(SQLITE_OPTIONS),
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "people.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "people:caseload"
LOGOUT_REDIRECT_URL = "login"
# Django's and allauth's backends, each reading the person's memberships along with them
# (people/auth.py): the access policy then asks no query of its own for their roles.
# The backends before them stay listed (last), so that a session signed in before an upgrade is
# still served (Django keeps the backend's name in the session) instead of signing everyone out.
AUTHENTICATION_BACKENDS = [
    "liaison.people.auth.StaffBackend",
    "liaison.people.auth.AccountBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
# django-allauth: staff sign in with their username and password (no self sign-up), then a second
# factor (TOTP or a passkey) that district admins and site leaders must have (RequireSecondFactor).
ACCOUNT_ADAPTER = "liaison.audit.signin.StaffAccountAdapter"
SOCIALACCOUNT_ADAPTER = "liaison.audit.signin.StaffSocialAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGOUT_REDIRECT_URL = "login"
ACCOUNT_REAUTHENTICATION_TIMEOUT = int(os.environ.get("LIAISON_REAUTH_SECONDS", 300))
# Failed sign-ins are throttled per IP and per account (allauth's rate limits, kept in the cache).
ACCOUNT_RATE_LIMITS = {
    "login_failed": os.environ.get("LIAISON_LOGIN_FAILED_LIMIT", "20/m/ip,5/5m/key"),
    "login": "30/m/ip",
    "reauthenticate": "10/m/user",
}
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = os.environ.get("LIAISON_MFA_ISSUER", "Liaison")
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
# Roles that may not use the workspace until they have a second factor.
LIAISON_MFA_REQUIRED_ROLES = env_list("LIAISON_MFA_REQUIRED_ROLES", "district_admin,site_leader")
# Single sign-on: Google Workspace and Microsoft Entra ID (OpenID Connect), each on only when its
# client id and secret are set. Only existing staff accounts (matched by verified email) sign in.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_PROVIDERS = {}
if os.environ.get("LIAISON_GOOGLE_CLIENT_ID") and os.environ.get("LIAISON_GOOGLE_SECRET"):
    SOCIALACCOUNT_PROVIDERS["google"] = {
        "APPS": [
            {
                "client_id": os.environ["LIAISON_GOOGLE_CLIENT_ID"],
                "secret": os.environ["LIAISON_GOOGLE_SECRET"],
                "settings": {"hd": os.environ.get("LIAISON_GOOGLE_DOMAIN", "")},
            }
        ],
        "SCOPE": ["openid", "email", "profile"],
        "AUTH_PARAMS": {"prompt": "select_account"},
    }
if os.environ.get("LIAISON_ENTRA_CLIENT_ID") and os.environ.get("LIAISON_ENTRA_SECRET"):
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "APPS": [
            {
                "provider_id": "entra",
                "name": "Microsoft",
                "client_id": os.environ["LIAISON_ENTRA_CLIENT_ID"],
                "secret": os.environ["LIAISON_ENTRA_SECRET"],
                "settings": {
                    "server_url": "https://login.microsoftonline.com/"
                    + os.environ.get("LIAISON_ENTRA_TENANT", "organizations")
                    + "/v2.0",
                },
            }
        ]
    }
# Sessions end after LIAISON_IDLE_MINUTES without a request, and LIAISON_SESSION_SECONDS after
# sign-in whatever happens (checked by core.middleware.SessionTimeoutMiddleware).
LIAISON_IDLE_SECONDS = int(os.environ.get("LIAISON_IDLE_MINUTES", 30)) * 60
# The check-in kiosk clears its screen this long after a check-in, and after this long idle.
LIAISON_KIOSK_CONFIRM_SECONDS = int(os.environ.get("LIAISON_KIOSK_CONFIRM_SECONDS", 6))
LIAISON_KIOSK_IDLE_SECONDS = int(os.environ.get("LIAISON_KIOSK_IDLE_SECONDS", 30))
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The cache holds the sign-in rate limits (and nothing that must survive): shared by every process
# so that a limit holds whichever gunicorn worker answers. CACHE_URL: redis://host:6379/1, db://
# (the database's own table, the default), or locmem:// (one process only: `check --deploy` warns).
CACHE_URL = os.environ.get("CACHE_URL", "db://liaison_cache")
# gunicorn processes `liaison serve` starts (its --workers); the deploy check compares the cache.
LIAISON_WEB_WORKERS = int(os.environ.get("LIAISON_WEB_WORKERS", "2"))
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "OPTIONS": {"pool_class": "liaison.core.redispool.SharedConnectionPool"},
        }
    }
elif CACHE_URL.startswith("locmem://"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": CACHE_URL.removeprefix("db://") or "liaison_cache",
        }
    }

# Sessions live in the database; with a Redis cache they are read through it (cached_db), so every
# web process shares them and a Redis restart signs nobody out.
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Live updates (core/live.py): a version per thing a page shows ("thread:12", "inbox:3"), bumped
# when it changes, kept where a page's poll reads it without the database: Redis when
# LIAISON_LIVE_REDIS_URL is set (by default the Redis CACHE_URL names, if any), which also carries
# the changes to open pages at once (server-sent events under an ASGI server); else files in the
# data folder, read by the pages' conditional polls (one server, SQLite).
LIAISON_LIVE_REDIS_URL = os.environ.get(
    "LIAISON_LIVE_REDIS_URL",
    CACHE_URL if CACHE_URL.startswith(("redis://", "rediss://", "unix://")) else "",
)
if LIAISON_LIVE_REDIS_URL:
    CACHES["live"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": LIAISON_LIVE_REDIS_URL,
        "TIMEOUT": None,
        "OPTIONS": {"pool_class": "liaison.core.redispool.SharedConnectionPool"},
    }
else:
    CACHES["live"] = {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(DATA_DIR / "live"),
        "TIMEOUT": None,
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }
# Open pages hear of changes through a server-sent-events stream when Redis carries them and the
# page came from an ASGI server (`liaison serve --asgi`); 0 turns the stream off (a proxy that
# buffers answers), leaving the conditional poll every LIAISON_LIVE_POLL_SECONDS.
LIAISON_LIVE_STREAM = env_bool("LIAISON_LIVE_STREAM", True)
# Pages served by a WSGI server (gunicorn, `liaison serve`) get the stream too when the proxy sends
# /live/ to an ASGI server beside it (uvicorn liaison.config.asgi:application): docs/live.md.
LIAISON_LIVE_ASGI_BESIDE = env_bool("LIAISON_LIVE_ASGI_BESIDE", False)
LIAISON_LIVE_POLL_SECONDS = int(os.environ.get("LIAISON_LIVE_POLL_SECONDS", "3"))
# With the stream on, pages still poll this rarely (0: never), in case a change was missed.
LIAISON_LIVE_STREAM_POLL_SECONDS = int(os.environ.get("LIAISON_LIVE_STREAM_POLL_SECONDS", "60"))
# Today (core/today.py): a person's queue is kept in the cache while nothing it shows changed, and
# at most this long, for what only the clock changes (a family no longer new this week).
LIAISON_TODAY_SECONDS = int(os.environ.get("LIAISON_TODAY_SECONDS", "120"))
# The household page, the caseload and search (core/kept.py): what a person was shown is kept the
# same way, at most this long (relative times, bulk updates no signal tells of).
LIAISON_KEPT_SECONDS = int(os.environ.get("LIAISON_KEPT_SECONDS", "120"))

# Background work: django.tasks with the database backend by default; Redis (RQ) for scale-out.
TASK_BACKEND = os.environ.get("LIAISON_TASK_BACKEND", "database")
if TASK_BACKEND == "redis":
    REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    INSTALLED_APPS += ["django_rq"]
    RQ_QUEUES = {"default": {"URL": REDIS_URL}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
elif TASK_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# `liaison scheduler`: seconds between its rounds (queue the repeating jobs, run the due sweeps).
LIAISON_SCHEDULER_SECONDS = int(os.environ.get("LIAISON_SCHEDULER_SECONDS", "60"))

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("es", _("Spanish")),
    ("ar", _("Arabic")),
    ("zh-hans", _("Simplified Chinese")),
    ("vi", _("Vietnamese")),
    ("ht", _("Haitian Creole")),
    ("so", _("Somali")),
    ("pt", _("Portuguese")),
    ("ru", _("Russian")),
    ("fr", _("French")),
    ("ko", _("Korean")),
]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = os.environ.get("LIAISON_TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("LIAISON_STATIC_ROOT", DATA_DIR / "static"))
MEDIA_ROOT = Path(os.environ.get("LIAISON_MEDIA_ROOT", DATA_DIR / "media"))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Uploads (families' pictures and files, staff photos, import files until they are read) on the
# local disk (MEDIA_ROOT), or with LIAISON_MEDIA_STORAGE=s3 in an S3-compatible bucket that every
# server shares. The bucket stays private: files are only ever served through Liaison's views,
# which ask the access policy first (nothing is linked to the bucket directly).
LIAISON_MEDIA_STORAGE = os.environ.get("LIAISON_MEDIA_STORAGE", "local")
if LIAISON_MEDIA_STORAGE == "s3":
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("LIAISON_S3_BUCKET", ""),
            "endpoint_url": os.environ.get("LIAISON_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("LIAISON_S3_REGION") or None,
            "access_key": os.environ.get("LIAISON_S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("LIAISON_S3_SECRET_ACCESS_KEY") or None,
            "location": os.environ.get("LIAISON_S3_PREFIX", ""),
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": 300,
            # Two families' files of the same name never replace one another.
            "file_overwrite": False,
        },
    }
elif LIAISON_MEDIA_STORAGE != "local":
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        f"LIAISON_MEDIA_STORAGE is {LIAISON_MEDIA_STORAGE!r}: it must be local or s3."
    )
WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_AUTOREFRESH = DEBUG

# Outgoing email (Django 6.1 MAILERS): SMTP to EMAIL_HOST once it is set; printed until then (a
# laptop has no mail server). LIAISON_EMAIL_BACKEND=smtp|console|locmem says so explicitly.
_email_backend = os.environ.get("LIAISON_EMAIL_BACKEND") or (
    "smtp" if os.environ.get("EMAIL_HOST") else "console"
)
if _email_backend == "console":
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
elif _email_backend == "locmem":
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ.get("EMAIL_HOST", "127.0.0.1"),
                "port": int(os.environ.get("EMAIL_PORT", "25")),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS"),
                "timeout": 15,
            },
        }
    }
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Liaison <liaison@localhost>")

# Browser hardening. Behind HTTPS (LIAISON_HTTPS=1) cookies are secure and HSTS is on.
HTTPS = env_bool("LIAISON_HTTPS")
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env_bool("LIAISON_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
BEHIND_PROXY = env_bool("LIAISON_BEHIND_PROXY")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
# How many reverse proxies of ours stand in front (each appends to X-Forwarded-For): the client's
# address is the one the outermost saw (core.clientaddr.client_address). 0 without a proxy.
LIAISON_TRUSTED_PROXIES = int(os.environ.get("LIAISON_TRUSTED_PROXIES", "1")) if BEHIND_PROXY else 0
# allauth reads the address itself too (audit.signin.StaffAccountAdapter answers with ours).
ALLAUTH_TRUSTED_PROXY_COUNT = LIAISON_TRUSTED_PROXIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = int(os.environ.get("LIAISON_SESSION_SECONDS", 8 * 3600))
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# Logs: text for a person at a terminal, or LIAISON_LOG_FORMAT=json (one object a line, each with
# the id of its request) for a log collector; with json, every request writes a line (view, status,
# duration, user id) on the "liaison.request" logger (gunicorn's access log says the same in text).
LIAISON_LOG_FORMAT = os.environ.get("LIAISON_LOG_FORMAT", "text")
_log_level = os.environ.get("LIAISON_LOG_LEVEL", "")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "liaison.core.logs.RequestIdFilter"}},
    "formatters": {"json": {"()": "liaison.core.logs.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            **({"formatter": "json"} if LIAISON_LOG_FORMAT == "json" else {}),
        }
    },
    "root": {"handlers": ["console"], "level": _log_level or "WARNING"},
    "loggers": {
        "liaison": {"level": _log_level or "INFO"},
        "liaison.request": {
            "level": "INFO" if LIAISON_LOG_FORMAT == "json" else (_log_level or "WARNING")
        },
    },
}

# Operations: /metrics answers only a scraper sending "Authorization: Bearer <token>" (404 without
# it, and always while the token is unset). LIAISON_METRICS_DIR is where gunicorn's processes
# share their counts (`liaison serve` sets it to DATA_DIR/metrics and empties it at start).
LIAISON_METRICS_TOKEN = os.environ.get("LIAISON_METRICS_TOKEN", "")
LIAISON_METRICS_DIR = os.environ.get("LIAISON_METRICS_DIR", "")

# The district shown on a fresh install and in the demo.
LIAISON_DEMO_SEED = int(os.environ.get("LIAISON_DEMO_SEED", "20261129"))

# ---------------------------------------------------------------------------------------------
# Per-domain settings. Each app keeps its settings in its own section below, read from the
# environment with a laptop-safe default.

# --- roster: OneRoster and CSV imports ---
# A TOML file mapping OneRoster metadata.* columns (see docs/roster.md); empty = the built-in default.
LIAISON_ROSTER_MAPPING = os.environ.get("LIAISON_ROSTER_MAPPING", "")

# --- messaging: channels, delivery, consent, quiet hours ---
# SMS through a Twilio-compatible API (Twilio itself by default; any gateway speaking its format).
MESSAGING_SMS_BASE_URL = os.environ.get("LIAISON_SMS_BASE_URL", "https://api.twilio.com")
MESSAGING_SMS_ACCOUNT_SID = os.environ.get("LIAISON_SMS_ACCOUNT_SID", "")
MESSAGING_SMS_AUTH_TOKEN = os.environ.get("LIAISON_SMS_AUTH_TOKEN", "")
MESSAGING_SMS_FROM = os.environ.get("LIAISON_SMS_FROM", "")
MESSAGING_SMS_TIMEOUT = float(os.environ.get("LIAISON_SMS_TIMEOUT", "10"))
# Hosts MMS pictures may be fetched from, besides the SMS API's own host.
MESSAGING_SMS_MEDIA_HOSTS = env_list("LIAISON_SMS_MEDIA_HOSTS", "api.twilio.com")
# Channel backends: texts are printed until an SMS account is set, family email until mail is
# (EMAIL_HOST); LIAISON_MESSAGING_CONSOLE=1 prints both whatever is set, =0 prints neither.
MESSAGING_CHANNELS = {
    channel: "liaison.messaging.channels.console.Console"
    for channel, unconfigured in [
        ("sms", not MESSAGING_SMS_ACCOUNT_SID),
        ("email", _email_backend == "console"),
    ]
    if env_bool("LIAISON_MESSAGING_CONSOLE", unconfigured)
}
MESSAGING_MAILER = "default"
MESSAGING_EMAIL_DOMAIN = os.environ.get("LIAISON_EMAIL_DOMAIN", "liaison.example.org")
MESSAGING_REPLY_LOCALPART = os.environ.get("LIAISON_REPLY_LOCALPART", "reply")
# The envelope sender of family and staff mail, where bounces go: an address the mail server hands
# to Liaison like the reply addresses (POST /messages/email/inbound/ or `liaison receive_email`).
MESSAGING_BOUNCE_ADDRESS = os.environ.get(
    "LIAISON_BOUNCE_ADDRESS", f"{MESSAGING_REPLY_LOCALPART}+bounces@{MESSAGING_EMAIL_DOMAIN}"
)
MESSAGING_DEFAULT_SUBJECT = "Message from your school"
# Inbound email posted by the mail server (raw RFC 5322) carries this token; empty disables it.
MESSAGING_INBOUND_EMAIL_TOKEN = os.environ.get("LIAISON_INBOUND_EMAIL_TOKEN", "")
MESSAGING_MAX_ATTACHMENT_BYTES = int(os.environ.get("LIAISON_MAX_ATTACHMENT_BYTES", 10_000_000))
# Delivery: leases, retries with exponential backoff and jitter, fan-out batches.
MESSAGING_LEASE_SECONDS = int(os.environ.get("LIAISON_DELIVERY_LEASE_SECONDS", "60"))
# A drain stops claiming after this many seconds and queues the next: with a batch's hand-over
# (at most two thirds of the lease) it stays well below RQ's job timeout of 180 s.
MESSAGING_DRAIN_SECONDS = float(os.environ.get("LIAISON_DELIVERY_DRAIN_SECONDS", "60"))
MESSAGING_MAX_ATTEMPTS = int(os.environ.get("LIAISON_DELIVERY_MAX_ATTEMPTS", "6"))
MESSAGING_RETRY_BASE_SECONDS = float(os.environ.get("LIAISON_RETRY_BASE_SECONDS", "30"))
# Backoff is capped at a few minutes: a delivery that waits is retried soon after the cause goes.
MESSAGING_RETRY_MAX_SECONDS = float(os.environ.get("LIAISON_RETRY_MAX_SECONDS", "300"))
# A channel that does not answer pauses for its district (doubling, up to this many seconds);
# its deliveries wait without spending attempts until District.delivery_horizon_hours has passed.
MESSAGING_OUTAGE_MAX_PAUSE_SECONDS = float(
    os.environ.get("LIAISON_OUTAGE_MAX_PAUSE_SECONDS", "300")
)
MESSAGING_FANOUT_BATCH = int(
    os.environ.get("LIAISON_FANOUT_BATCH", "0")
)  # 0: 2,500 SQLite, 10,000 PG
MESSAGING_FANOUT_PAUSE = float(os.environ.get("LIAISON_FANOUT_PAUSE", "0.02"))
MESSAGING_SEND_THREADS = int(os.environ.get("LIAISON_SEND_THREADS", "4"))  # SMS calls at once
MESSAGING_INLINE_FANOUT = 500  # notices to more guardians than this are fanned out by a task
# Quiet hours (the district's start/end, in each guardian's zone) hold these channels.
MESSAGING_QUIET_HOURS_CHANNELS = env_list("LIAISON_QUIET_HOURS_CHANNELS", "sms")

# --- language: translation memory, engines, detection ---
# The default engine for districts without their own settings row: none, argos, libretranslate,
# azure, google or deepl. "none" sends approved translations only (and the original, flagged).
LIAISON_TRANSLATION_ENGINE = os.environ.get("LIAISON_TRANSLATION_ENGINE", "none")
LIAISON_TRANSLATION_URL = os.environ.get("LIAISON_TRANSLATION_URL", "")
LIAISON_TRANSLATION_KEY = os.environ.get("LIAISON_TRANSLATION_KEY", "")
LIAISON_TRANSLATION_REGION = os.environ.get("LIAISON_TRANSLATION_REGION", "")
# Seconds one engine request may take; how long to retry an engine that is down before sending
# the original with a translated note; and how soon the messaging queue should ask again.
LIAISON_TRANSLATION_TIMEOUT = float(os.environ.get("LIAISON_TRANSLATION_TIMEOUT", "10"))
LIAISON_TRANSLATION_MAX_WAIT = int(os.environ.get("LIAISON_TRANSLATION_MAX_WAIT", "1800"))
LIAISON_TRANSLATION_RETRY = int(os.environ.get("LIAISON_TRANSLATION_RETRY", "60"))

# --- concerns: service targets, reminders ---

# --- resources: directory, search, referrals ---

# --- events: reminders, calendars, check-in ---
# Minutes before an event that reminders go out (default: a day and two hours).
EVENTS_REMINDER_MINUTES = [
    int(m) for m in os.environ.get("LIAISON_EVENTS_REMINDERS", "1440,120").split(",") if m.strip()
]
EVENTS_RSVP_LINK_MAX_AGE = int(os.environ.get("LIAISON_EVENTS_RSVP_LINK_DAYS", "60")) * 86400
EVENTS_MAX_PARTY = int(os.environ.get("LIAISON_EVENTS_MAX_PARTY", "12"))
# A Unicode TTF for flyers in non-Latin scripts (e.g. /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf).
# Extra Unicode fonts for printed flyers ("path" or "path#face" for a .ttc), tried before the
# DejaVu/Noto fonts found in the usual system places.
EVENTS_FLYER_FONTS = [
    *os.environ.get("LIAISON_EVENTS_FLYER_FONTS", "").split(os.pathsep),
    os.environ.get("LIAISON_EVENTS_FLYER_FONT", ""),
]

# --- portal: family sign-in, languages ---
# Codes and links: how long they live, how many a number/address/IP may ask for or get wrong.
LIAISON_PORTAL_CODE_MINUTES = int(os.environ.get("LIAISON_PORTAL_CODE_MINUTES", "10"))
LIAISON_PORTAL_LINK_MINUTES = int(os.environ.get("LIAISON_PORTAL_LINK_MINUTES", "30"))
LIAISON_PORTAL_REQUESTS_PER_HOUR = int(os.environ.get("LIAISON_PORTAL_REQUESTS_PER_HOUR", "5"))
LIAISON_PORTAL_IP_REQUESTS_PER_HOUR = int(
    os.environ.get("LIAISON_PORTAL_IP_REQUESTS_PER_HOUR", "30")
)
LIAISON_PORTAL_MAX_FAILURES = int(os.environ.get("LIAISON_PORTAL_MAX_FAILURES", "5"))
LIAISON_PORTAL_IP_MAX_FAILURES = int(os.environ.get("LIAISON_PORTAL_IP_MAX_FAILURES", "20"))
LIAISON_PORTAL_LOCKOUT_MINUTES = int(os.environ.get("LIAISON_PORTAL_LOCKOUT_MINUTES", "30"))
LIAISON_PORTAL_REMEMBER_DAYS = int(os.environ.get("LIAISON_PORTAL_REMEMBER_DAYS", "30"))
LIAISON_PORTAL_DEEP_LINK_DAYS = int(os.environ.get("LIAISON_PORTAL_DEEP_LINK_DAYS", "14"))
# Django has no locale data for Haitian Creole and Somali: name them so the switcher can.
from django.conf.locale import LANG_INFO as _LANG_INFO  # noqa: E402

_LANG_INFO.setdefault(
    "ht", {"bidi": False, "code": "ht", "name": "Haitian Creole", "name_local": "Kreyòl ayisyen"}
)
_LANG_INFO.setdefault(
    "so", {"bidi": False, "code": "so", "name": "Somali", "name_local": "Soomaali"}
)

# --- insights: rollups, dashboards, exports ---

# --- audit and trust: access log, retention, staff sign-in, throttling ---

# Months of access log kept, counted back from the start of this month; 0 (the default) keeps it
# all, as the access log always was. Older months go with the nightly retention run: whole monthly
# partitions dropped on PostgreSQL, rows deleted in batches on SQLite (docs/audit.md).
LIAISON_ACCESS_LOG_MONTHS = int(os.environ.get("LIAISON_ACCESS_LOG_MONTHS", "0"))
# Months of finished deliveries kept, counted back from the start of this month (at least 4);
# 0 (the default) keeps them all. Older ones go with the scheduler's daily `delivery-retention`
# sweep, and with them the family portal's and record export's copies of those announcements
# (docs/operations.md).
LIAISON_DELIVERY_MONTHS = int(os.environ.get("LIAISON_DELIVERY_MONTHS", "0"))
