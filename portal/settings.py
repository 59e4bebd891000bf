"""Settings of the portal, driven by environment variables with safe embedded defaults."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    """Read a boolean environment variable ("1", "true", "yes", "on" are true)."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    """Read an integer environment variable."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return int(value)


def env_list(name: str, default: str) -> list[str]:
    """Read a comma-separated environment variable into a list of non-empty items."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# The dev key is public; `portal.checks` warns when it is used with DEBUG off.
DEV_SECRET_KEY = "dev-insecure-mercury-leaderboard-secret-key-change-me"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or DEV_SECRET_KEY
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_rq",
    "axes",
    "portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it answers locked-out sign-ins.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.accounts",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default has several writers (gunicorn, one RQ worker per core). Transactions
    # take the write lock when they begin, so none fails with "database is locked" upgrading a
    # read lock; writers wait for each other up to `timeout`, and WAL lets readers go on.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# plotly.js is our own static file, never a CDN: plotly.js-basic-dist-min (scatter and bar traces
# only, a quarter of the full bundle) in static/vendor/, the version the plotly package builds for.
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("MERCURY_STATIC_MANIFEST", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# A missing manifest entry (collectstatic not run yet) falls back to the plain name, never a 500.
WHITENOISE_MANIFEST_STRICT = False

# Accounts: Django's auth views under /accounts/; sign-up can be closed (accounts made by staff).
# Failed sign-ins (site and admin) per username and address: after MERCURY_LOGIN_FAILURE_LIMIT
# of them that pair is locked out for MERCURY_LOGIN_COOLOFF_MINUTES (django-axes). Behind a
# reverse proxy, pass the client address through (see docs/deployment.md).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("MERCURY_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("MERCURY_LOGIN_COOLOFF_MINUTES", 60))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Behind N reverse proxies that append to X-Forwarded-For, the client is N hops back.
MERCURY_TRUSTED_PROXIES = env_int("MERCURY_TRUSTED_PROXIES", 0)
if MERCURY_TRUSTED_PROXIES:
    AXES_IPWARE_PROXY_COUNT = MERCURY_TRUSTED_PROXIES
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "portal:profile"
LOGOUT_REDIRECT_URL = "portal:leaderboard"
MERCURY_SIGNUP_OPEN = env_bool("MERCURY_SIGNUP_OPEN", True)
# Password-reset mails per hour to one address or account (more requests send nothing), and
# reset requests per hour from one client address (more get 429). 0: no limit.
MERCURY_PASSWORD_RESETS_PER_HOUR = env_int("MERCURY_PASSWORD_RESETS_PER_HOUR", 3)
MERCURY_PASSWORD_RESET_REQUESTS_PER_HOUR = env_int("MERCURY_PASSWORD_RESET_REQUESTS_PER_HOUR", 20)
# Absolute links in e-mails (password reset links use the request's host instead).
MERCURY_BASE_URL = (os.environ.get("MERCURY_BASE_URL") or "http://127.0.0.1:8000").rstrip("/")

# E-mail (password reset, evaluation finished or failed): Django's MAILERS. The default backend
# prints each mail on the console; EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend
# sends it through EMAIL_HOST.
EMAIL_BACKEND_PATH = (
    os.environ.get("EMAIL_BACKEND") or "django.core.mail.backends.console.EmailBackend"
)
MAILERS = {"default": {"BACKEND": EMAIL_BACKEND_PATH}}
if EMAIL_BACKEND_PATH.endswith("smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {
        "host": os.environ.get("EMAIL_HOST") or "localhost",
        "port": env_int("EMAIL_PORT", 25),
        "username": os.environ.get("EMAIL_HOST_USER", ""),
        "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS", False),
        "timeout": env_int("EMAIL_TIMEOUT", 10),
    }
DEFAULT_FROM_EMAIL = (
    os.environ.get("DEFAULT_FROM_EMAIL") or "Mercury Leaderboard <noreply@localhost>"
)

# Redis and the RQ queues; jobs are enqueued when the surrounding transaction commits.
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
RQ_QUEUES = {
    "evaluate": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600},
    "calibrate": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 1800},
    "default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600},
}
RQ = {"COMMIT_MODE": "on_db_commit"}


def redis_url_with_db(url: str, db: int) -> str:
    """`url` (redis://[auth@]host[:port][/db][?query]) pointing at database `db` instead."""
    base, _, query = url.partition("?")
    scheme, _, rest = base.partition("://")
    netloc = rest.split("/", 1)[0]
    return f"{scheme}://{netloc}/{db}" + (f"?{query}" if query else "")


def _redis_db(url: str) -> int:
    path = url.partition("?")[0].partition("://")[2].partition("/")[2]
    return int(path) if path.isdigit() else 0


# The cache of the public pages (portal.caching): its own Redis database, by default the one
# after REDIS_URL's, so that clearing it never touches the queues. Entries live at most
# MERCURY_PAGE_CACHE_SECONDS (a safety net: every change of public data invalidates them at
# once); 0 turns the page cache off.
MERCURY_CACHE_URL = os.environ.get("MERCURY_CACHE_URL") or redis_url_with_db(
    REDIS_URL, (_redis_db(REDIS_URL) + 1) % 16
)
MERCURY_PAGE_CACHE_SECONDS = env_int("MERCURY_PAGE_CACHE_SECONDS", 300)
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": MERCURY_CACHE_URL,
        "KEY_PREFIX": "mercury",
        "TIMEOUT": MERCURY_PAGE_CACHE_SECONDS,
        # A cache that does not answer must not hold pages up: portal.caching then renders
        # uncached.
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}

MERCURY_TASKS_DIR = Path(os.environ.get("MERCURY_TASKS_DIR") or BASE_DIR / "fixtures" / "tasks")
MERCURY_MAX_UPLOAD_BYTES = env_int("MERCURY_MAX_UPLOAD_BYTES", 50 * 2**20)
MERCURY_MAX_SAMPLES_PER_TASK = env_int("MERCURY_MAX_SAMPLES_PER_TASK", 20)
# A submission is judged by one RQ job per this many tasks, so it spreads over every worker.
MERCURY_EVALUATE_CHUNK_TASKS = env_int("MERCURY_EVALUATE_CHUNK_TASKS", 8)
# Uploads are refused while this many submissions wait or run (0: no limit).
MERCURY_MAX_ACTIVE_SUBMISSIONS = env_int("MERCURY_MAX_ACTIVE_SUBMISSIONS", 50)
# Per user (staff exempt; 0: no limit): uploads in any rolling 24 hours, and entries queued or
# running at once.
MERCURY_SUBMISSIONS_PER_DAY = env_int("MERCURY_SUBMISSIONS_PER_DAY", 5)
MERCURY_MAX_QUEUED_PER_USER = env_int("MERCURY_MAX_QUEUED_PER_USER", 2)
# Uploads are streamed to a temporary file above this size; the cap itself is enforced by the form.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 2**20
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 2**20

SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_BEHIND_TLS_PROXY", False) else None
)
SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}
