"""The console's one settings module, driven by environment variables (README lists them)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: str = "False") -> bool:
    return env(name, default).strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    return int(env(name, str(default)))


def envfloat(name: str, default: float) -> float:
    return float(env(name, str(default)))


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = envbool("DJANGO_DEBUG")
SECURE = envbool("DJANGO_SECURE")
SECRET_KEY = env("DJANGO_SECRET_KEY")
if not SECRET_KEY and SECURE:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("DJANGO_SECURE=true needs DJANGO_SECRET_KEY.")
if not SECRET_KEY:
    # Made once per install, never a value from the repository (which anyone can read).
    from console.installsecret import read_or_create

    SECRET_KEY = read_or_create(BASE_DIR / "var" / "secret-key", lambda: secrets.token_urlsafe(50))
ALLOWED_HOSTS = envlist("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = envlist("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "django_htmx",
    "console.web",
    "console.accounts",
    "console.localcloud",
    "console.clusters",
    "console.supernodes",
    "console.pricing",
    "console.dashboard",
    "console.terminal",
    "console.logs",
    "console.resources",
    "console.audit",
    "console.live",
]

# Django's own middleware and WhiteNoise, as subclasses that run on the event loop
# (console/web/inline.py): the stock ones hop to a thread for every hook. Security, CSRF
# and X-Frame-Options stay Django's own: the deploy checks look for them by name.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "console.web.security.ContentSecurityPolicyMiddleware",
    "console.web.inline.StaticFilesMiddleware",
    "console.web.inline.SessionMiddleware",
    # The language: the switcher's cookie, else the browser's Accept-Language.
    "console.web.inline.LocaleMiddleware",
    # The time zone: the browser's, from console.js's cookie (UTC until it has said).
    "console.web.timezones.BrowserZoneMiddleware",
    "console.web.inline.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "console.web.inline.AuthenticationMiddleware",
    "console.web.inline.LoginRequiredMiddleware",
    "console.web.inline.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

# localcloud's own process serves only /api (console.localcloud.asgi sets this).
ROOT_URLCONF = env("CONSOLE_URLCONF", "console.urls")
ASGI_APPLICATION = "console.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "console.accounts.context.console_context",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'console.sqlite3'}"),
        conn_max_age=0,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Two processes (console and localcloud) may share one file: wait for the lock.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    # Pages read through a memory map, not copied into each new connection's small cache
    # (connections last one request): a log search that reads 45,000 lines spent about a
    # fifth less CPU at a million lines (bench/logs.py's "GET + /api/cart").
    DATABASES["default"]["OPTIONS"]["init_command"] = (
        "PRAGMA journal_mode=WAL; PRAGMA mmap_size=268435456;"
    )
    # A transaction takes the write lock when it begins, so one that reads then writes
    # (consuming a SessionID, the controllers) waits its turn instead of failing at once
    # with "database is locked" when another process wrote in between.
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
elif DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # A pool per process: under ASGI Django otherwise opens a connection per request
    # (a new PostgreSQL backend each time). bench/load.py shows the difference.
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": envint("CONSOLE_DB_POOL_MIN", 2),
        "max_size": envint("CONSOLE_DB_POOL_MAX", 10),
        # While PostgreSQL restarts a page waits this long, then reads "database
        # unavailable" (console/web/outage.py) rather than hanging. Not shorter: under
        # load, requests that wait on a slow cloud hold the pool's connections as long.
        "timeout": envint("CONSOLE_DB_POOL_TIMEOUT", 10),
    }
    # Each connection is checked as it leaves the pool (Django passes psycopg_pool's
    # check_connection), so one that a restart of PostgreSQL closed is replaced instead
    # of failing a request.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:overview"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

REDIS_URL = env("REDIS_URL")
# Keeps apart several consoles (or test runs) that share one Redis.
REDIS_PREFIX = env("CONSOLE_REDIS_PREFIX", "console")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            # Waits out a Redis restart instead of ending every open socket.
            "BACKEND": "console.live.layer.PatientRedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": f"{REDIS_PREFIX}:asgi"},
        }
    }
    # Shared by every console process: login throttling counts and the live watcher's
    # lease hold across all of them. While Redis is away each process counts and leases
    # in its own memory (console/web/sharedcache.py), so no request fails for it.
    CACHES = {
        "default": {
            "BACKEND": "console.web.sharedcache.RedisOrLocalCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_PREFIX,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

LANGUAGE_CODE = "en"
# Simplified Chinese and English; a browser asking for zh-CN, zh-SG or zh gets zh-hans.
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates per language (console/formats/<lang>/formats.py); numbers stay unseparated so
# nanosecond times and IDs in URLs and attributes are never grouped.
FORMAT_MODULE_PATH = ["console.formats"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Set for production (`collectstatic`); unset, WhiteNoise serves from the finders below.
STATIC_ROOT = env("DJANGO_STATIC_ROOT") or None
# Serve straight from the finders: no collectstatic step for `make run` or tests.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = envint("CONSOLE_SESSION_AGE", 8 * 3600)
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = True  # pages send the token from the template, never from the cookie
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("CONSOLE_MAX_BODY_BYTES", 1024 * 1024)
# Behind TLS (production): secure cookies, HSTS, HTTPS redirect. `check --deploy` is clean
# with DJANGO_SECURE=true, DJANGO_SECRET_KEY set and DJANGO_DEBUG unset.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = SECURE and envbool("DJANGO_SSL_REDIRECT", "true")
SECURE_HSTS_SECONDS = 31_536_000 if SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_PRELOAD = SECURE
if envbool("DJANGO_BEHIND_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Tenants' private keys are encrypted with this Fernet key (default: derived from SECRET_KEY).
CONSOLE_ENCRYPTION_KEY = env("CONSOLE_ENCRYPTION_KEY")
# Sign a tenant's calls with its own key when it has one (accounts.TenantKey).
CONSOLE_TENANT_KEYS = envbool("CONSOLE_TENANT_KEYS", "true")
# Failed logins allowed per (address, username) and per address in the window.
CONSOLE_LOGIN_FAILURES = envint("CONSOLE_LOGIN_FAILURES", 5)
CONSOLE_LOGIN_FAILURES_PER_ADDRESS = envint("CONSOLE_LOGIN_FAILURES_PER_ADDRESS", 30)
CONSOLE_LOGIN_WINDOW_SECONDS = envint("CONSOLE_LOGIN_WINDOW_SECONDS", 900)

# The cloud API (DESIGN.md "Settings"). Empty CONSOLE_CLOUD_URL = the embedded localcloud.
CONSOLE_CLOUD_URL = env("CONSOLE_CLOUD_URL")
# Unset: the embedded cloud's admin key, which `localcloud seed` writes to CONSOLE_KEY_FILE
# (console/cloud/credentials.py reads it). No key value lives in the repository.
CONSOLE_PUBLIC_KEY = env("CONSOLE_PUBLIC_KEY")
CONSOLE_PRIVATE_KEY = env("CONSOLE_PRIVATE_KEY")
CONSOLE_SESSION_URL = env("CONSOLE_SESSION_URL")
CONSOLE_REGIONS = envlist("CONSOLE_REGIONS", "cn-bj2,cn-sh2")
CONSOLE_CLOUD_TIMEOUT = envfloat("CONSOLE_CLOUD_TIMEOUT", 10.0)
# What the cloud sells: the API has no action that lists these, so the console is told.
CONSOLE_K8S_VERSIONS = envlist("CONSOLE_K8S_VERSIONS", "1.31.2,1.30.6,1.29.10,1.28.15,1.25.0")
CONSOLE_COMPUTE_CLASSES = envlist(
    "CONSOLE_COMPUTE_CLASSES",
    "ComputeSetStandard:Standard,ComputeSetHighPerf:High performance,"
    "ComputeSetMemory:Memory optimised",
)
CONSOLE_STORAGE_CLASSES = envlist("CONSOLE_STORAGE_CLASSES", "StorageSetSSD:SSD,StorageSetHDD:HDD")
CONSOLE_GPU_TYPES = envlist("CONSOLE_GPU_TYPES", "nvidia-t4,nvidia-2080ti,nvidia-a10,nvidia-a100")
# The currency the cloud bills in (ISO 4217), shown with every price; CNY is shown as ¥.
CONSOLE_CURRENCY = env("CONSOLE_CURRENCY", "CNY").strip().upper()
if not (len(CONSOLE_CURRENCY) == 3 and CONSOLE_CURRENCY.isascii() and CONSOLE_CURRENCY.isalpha()):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"CONSOLE_CURRENCY is a code such as CNY, not {CONSOLE_CURRENCY!r}.")

# localcloud, the embedded cloud (README "localcloud").
# Production (DJANGO_SECURE) serves the embedded cloud only when asked to on purpose.
LOCALCLOUD_ENABLED = envbool("LOCALCLOUD_ENABLED", "false" if SECURE else "true")
EMBEDDED_CLOUD_HOST = "localcloud.internal"
if LOCALCLOUD_ENABLED:
    # The in-process client (console.cloud.shared) names this host; it never leaves the process.
    ALLOWED_HOSTS.append(EMBEDDED_CLOUD_HOST)
LOCALCLOUD_CREATE_SECONDS = envfloat("LOCALCLOUD_CREATE_SECONDS", 20.0)
LOCALCLOUD_DELETE_SECONDS = envfloat("LOCALCLOUD_DELETE_SECONDS", 8.0)
# How long a pod of a Job runs before it succeeds.
LOCALCLOUD_JOB_SECONDS = envfloat("LOCALCLOUD_JOB_SECONDS", 3.0)
# How long a cluster's Events are kept, as the API server's --event-ttl (1 h).
LOCALCLOUD_EVENT_TTL_SECONDS = envfloat("LOCALCLOUD_EVENT_TTL_SECONDS", 3600.0)
LOCALCLOUD_REGIONS = envlist("LOCALCLOUD_REGIONS", "cn-bj2,cn-sh2")
LOCALCLOUD_REGION_ALIASES = {"cn-bj2": "North China 2", "cn-sh2": "East China 2"}
LOCALCLOUD_PUBLIC_URL = env("LOCALCLOUD_PUBLIC_URL", "http://127.0.0.1:8000")
# The clusters' Kubernetes endpoint in kubeconfigs: `localcloud k8s-front` serves it (TLS,
# because kubectl sends a token only over TLS) in front of the port above.
# Below this many lines in a searched range, localcloud reads them rather than the index.
LOCALCLOUD_LOG_SCAN_AT_MOST = envint("LOCALCLOUD_LOG_SCAN_AT_MOST", 20_000)
LOCALCLOUD_K8S_URL = env("LOCALCLOUD_K8S_URL", "https://127.0.0.1:6443")
LOCALCLOUD_SESSION_TTL = envfloat("LOCALCLOUD_SESSION_TTL", 60.0)
# Pod exec and cluster shells run in a bubblewrap sandbox (localcloud/sandbox.py); exec can
# be switched off. Without a working sandbox they are refused, unless EXEC_UNSANDBOXED is
# set: then they run as the server's user on the host (unsafe; a single-user laptop only).
LOCALCLOUD_EXEC_ENABLED = envbool("LOCALCLOUD_EXEC_ENABLED", "True")
LOCALCLOUD_EXEC_UNSANDBOXED = envbool("LOCALCLOUD_EXEC_UNSANDBOXED")
LOCALCLOUD_BWRAP = env("LOCALCLOUD_BWRAP", "bwrap")
LOCALCLOUD_WORK_DIR = env("LOCALCLOUD_WORK_DIR", str(BASE_DIR / "var" / "localcloud"))
# Seals the API keys' private halves; unset, a key made once in LOCALCLOUD_WORK_DIR.
LOCALCLOUD_MASTER_KEY = env("LOCALCLOUD_MASTER_KEY")
# Where `localcloud seed` hands the console its admin key (shell lines, mode 0600).
CONSOLE_KEY_FILE = env("CONSOLE_KEY_FILE", str(Path(LOCALCLOUD_WORK_DIR) / "console-key.env"))
# localcloud's operation log keeps this many days.
LOCALCLOUD_OPLOG_DAYS = envint("LOCALCLOUD_OPLOG_DAYS", 30)

# The web terminal (README "Terminal").
CONSOLE_RECORDINGS_DIR = env("CONSOLE_RECORDINGS_DIR", str(BASE_DIR / "var" / "recordings"))
CONSOLE_RECORDING_REQUIRED = envbool("CONSOLE_RECORDING_REQUIRED")
# How often the live watcher asks the cloud for clusters while pages are open.
CONSOLE_LIVE_WATCH_SECONDS = envfloat("CONSOLE_LIVE_WATCH_SECONDS", 2.0)
# How often the one poller of a live log tail reads new lines (console/logs/tail.py).
CONSOLE_LOG_TAIL_SECONDS = envfloat("CONSOLE_LOG_TAIL_SECONDS", 0.9)
# Usage charts (console/usage/): one sample of a watched cluster's metrics this often, and
# how long a page view keeps a cluster watched.
CONSOLE_USAGE_SECONDS = envfloat("CONSOLE_USAGE_SECONDS", 15.0)
CONSOLE_USAGE_WATCH_SECONDS = envfloat("CONSOLE_USAGE_WATCH_SECONDS", 300.0)
CONSOLE_TERMINAL_IDLE_SECONDS = envint("CONSOLE_TERMINAL_IDLE_SECONDS", 15 * 60)
CONSOLE_TERMINAL_MAX_SECONDS = envint("CONSOLE_TERMINAL_MAX_SECONDS", 8 * 3600)
CONSOLE_TERMINAL_RECHECK_SECONDS = envint("CONSOLE_TERMINAL_RECHECK_SECONDS", 180)
# How often an open log tail asks whether its viewer is still logged in (before lines).
CONSOLE_SOCKET_RECHECK_SECONDS = envint("CONSOLE_SOCKET_RECHECK_SECONDS", 60)
# A websocket peer that reads nothing this long while output waits for it is dropped
# (console/sendbuffer.py); the browser terminal drops one that acknowledges nothing as long.
CONSOLE_SEND_STALL_SECONDS = envfloat("CONSOLE_SEND_STALL_SECONDS", 60.0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "filters": {"refusals": {"()": "console.web.serverlog.RefusalOnOneLine"}},
    "root": {"handlers": ["console"], "level": env("CONSOLE_LOG_LEVEL", "INFO")},
    "loggers": {
        "httpx": {"level": "WARNING"},
        # A 403 as one line, without its traceback.
        "django.request": {"filters": ["refusals"]},
    },
}
