"""Settings of the platform, read from the environment through ``learning_platform.env``.

Production-only behaviour is switched by environment variables, never by another file.
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from learning_platform.env import (
    env_bool,
    env_database,
    env_database_pool,
    env_database_replica,
    env_float,
    env_int,
    env_list,
    env_redis_url,
    env_str,
    sqlite_options,
)

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_URL = f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"
DEVELOPMENT_SECRET_KEY = "development-only-insecure-key-never-use-in-production"

DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = env_str("SECRET_KEY") or ""
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY to a long random value in production, "
            "or set DEBUG=1 for local development (which uses an insecure built-in key)."
        )
    SECRET_KEY = DEVELOPMENT_SECRET_KEY

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS",
    default=["localhost", "127.0.0.1", "[::1]", "testserver"] if DEBUG else [],
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "learning_platform.accounts",
    "learning_platform.districts",
    "learning_platform.creditbank",
    "learning_platform.indicators",
    "learning_platform.organisations",
    "itembank",
    "assessment",
    "assessment.survey",
    "cms",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "channels",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    # 413 for bodies over their limit, before anything reads them.
    "learning_platform.security.bodysize.BodySizeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Login and API-token rate limits, CSP and Permissions-Policy headers.
    "learning_platform.security.middleware.SecurityMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "learning_platform.urls"
ASGI_APPLICATION = "learning_platform.asgi.application"
WSGI_APPLICATION = "learning_platform.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "learning_platform" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "learning_platform.start.header",
            ],
        },
    },
]

DATABASES = {"default": env_database("DATABASE_URL", default=DEFAULT_SQLITE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent writers (a task worker beside the web process) wait instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(sqlite_options())
elif DATABASE_POOL := env_database_pool():
    # One psycopg pool per process (Django >= 5.1): a request borrows a connection
    # instead of starting a PostgreSQL backend of its own; DATABASE_POOL=0 turns it off
    # (behind PgBouncer, say).
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = DATABASE_POOL
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Behind PgBouncer in transaction mode a cursor cannot outlive its transaction.
if env_bool("DISABLE_SERVER_SIDE_CURSORS", default=False):
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
# A streaming replica for code marked read-only (dashboards, reports, public API reads);
# learning_platform/db_router.py says when it is used and when reads fall back.
DATABASE_REPLICA_MAX_LAG = env_float("DATABASE_REPLICA_MAX_LAG", default=5.0, minimum=0)
DATABASE_REPLICA_CHECK_SECONDS = env_float(
    "DATABASE_REPLICA_CHECK_SECONDS", default=2.0, minimum=0.1
)
if REPLICA := env_database_replica(DATABASES["default"]):
    DATABASES["replica"] = REPLICA
    DATABASE_ROUTERS = ["learning_platform.db_router.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_redis_url("REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": "lp"},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "lp",
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "calibration"],
    }
}

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
# The project package is not an app, so its own static files are listed here.
STATICFILES_DIRS = [BASE_DIR / "learning_platform" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or BASE_DIR / "var" / "media")
# Private files (district documents, signed letters): never under MEDIA_ROOT, served
# only by views that check access (learning_platform/private_files.py).
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT") or BASE_DIR / "var" / "private")
# In production nginx sends them: the view answers with X-Accel-Redirect to this
# internal location (e.g. "/protected/"); empty: Django streams the file itself.
PRIVATE_FILES_ACCEL_PREFIX = env_str("PRIVATE_FILES_ACCEL_PREFIX", default="") or ""
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "learning_platform.private_files.PrivateFileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT},
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# Security: secure by default outside development; each switch can be overridden.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env_int(
    "SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000, minimum=0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool(
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG
)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# Wagtail's live preview frames the site's own pages, so framing stays same-origin
# (other origins are still refused); the check that asks for DENY is silenced for it.
X_FRAME_OPTIONS = "SAMEORIGIN"
SILENCED_SYSTEM_CHECKS = ["security.W019"]
if env_bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Wagtail
WAGTAIL_SITE_NAME = "市民终身学习监测平台"
WAGTAILADMIN_BASE_URL = env_str(
    "WAGTAILADMIN_BASE_URL", default="http://127.0.0.1:8000"
)
WAGTAIL_I18N_ENABLED = False
# Items: the last review step publishes without a publish permission of its own.
WAGTAIL_FINISH_WORKFLOW_ACTION = "itembank.workflows.publish_reviewed_item"
WAGTAIL_CONTENT_LANGUAGES = [("zh-hans", "简体中文")]
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "xlsx", "csv", "zip", "png", "jpg", "jpeg"]
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# Argon2id first (OWASP minimum, see security/hashers.py): memory-hard and fast enough that
# a login takes tens of ms, not PBKDF2's 1 s. Older hashes still verify and are upgraded on login.
PASSWORD_HASHERS = [
    "learning_platform.security.hashers.Argon2idOWASPHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

# Platform
SUPPRESSION_THRESHOLD = env_int("SUPPRESSION_THRESHOLD", default=30, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    },
    # Passwords, tokens and answers never reach a log line.
    "filters": {
        "redact": {"()": "learning_platform.security.logfilter.RedactingFilter"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
