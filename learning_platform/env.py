"""Read settings from the environment, refusing bad values with a message that names them."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlparse

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

TRUE_VALUES = {"1", "true", "yes", "on"}
FALSE_VALUES = {"0", "false", "no", "off", ""}
DATABASE_SCHEMES = {"sqlite", "postgres", "postgresql", "pgsql"}
REDIS_SCHEMES = {"redis", "rediss", "unix"}


def env_str(name: str, *, default: str | None = None) -> str | None:
    """Return the variable's value, or ``default`` when it is unset."""
    return os.environ.get(name, default)


def env_bool(name: str, *, default: bool) -> bool:
    """Return a boolean variable; anything but a clear yes or no stops start-up."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE_VALUES:
        return True
    if value in FALSE_VALUES:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a boolean: use one of 1/0, true/false, yes/no, on/off."
    )


def env_int(name: str, *, default: int, minimum: int | None = None) -> int:
    """Return an integer variable, at least ``minimum`` when given."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} must be at least {minimum}.")
    return value


def env_list(name: str, *, default: list[str]) -> list[str]:
    """Return a comma-separated list variable, blanks dropped."""
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [part.strip() for part in raw.split(",") if part.strip()]


def env_database(name: str, *, default: str) -> dict[str, Any]:
    """Parse a database URL into Django's DATABASES entry, or stop with a clear message."""
    raw = os.environ.get(name) or default
    scheme = urlparse(raw).scheme
    if scheme not in DATABASE_SCHEMES:
        raise ImproperlyConfigured(
            f"{name} must be a URL such as postgres://user:password@host:5432/name or "
            f"sqlite:////absolute/path.sqlite3; its scheme {scheme!r} is not one of "
            f"{sorted(DATABASE_SCHEMES)}."
        )
    if scheme != "sqlite":
        try:
            urlparse(raw).port  # noqa: B018 - raises on a non-numeric port
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} has a port that is not a number."
            ) from None
    try:
        config = dj_database_url.parse(raw, conn_max_age=0)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} could not be parsed: {exc}") from None
    if not config.get("NAME"):
        what = "SQLite file" if scheme == "sqlite" else "database after the host"
        raise ImproperlyConfigured(f"{name} names no {what}.")
    return config


SQLITE_BUSY_TIMEOUT_SECONDS = 20


def sqlite_options() -> dict[str, Any]:
    """Return the SQLite connection options that let a task worker and web processes share it.

    WAL lets readers go on while the worker writes; the busy timeout makes a writer
    wait for the lock instead of answering "database is locked".
    """
    return {
        "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_SECONDS * 1000};"
            "PRAGMA synchronous=NORMAL;"
        ),
    }


def env_database_pool() -> dict[str, Any] | None:
    """The psycopg pool options from DATABASE_POOL, DATABASE_POOL_MIN and DATABASE_POOL_MAX.

    ``None`` when DATABASE_POOL is off. With ``CONN_HEALTH_CHECKS`` (set beside it) Django
    has the pool check each connection when it is borrowed, so a pool outlives a
    PostgreSQL restart: dead connections are replaced instead of failing a request.
    """
    if not env_bool("DATABASE_POOL", default=True):
        return None
    low = env_int("DATABASE_POOL_MIN", default=2, minimum=0)
    high = env_int("DATABASE_POOL_MAX", default=10, minimum=1)
    if high < low:
        raise ImproperlyConfigured(
            f"DATABASE_POOL_MAX={high} must be at least DATABASE_POOL_MIN={low}."
        )
    return {"min_size": low, "max_size": high, "timeout": 10}


def env_redis_url(name: str) -> str | None:
    """Return a Redis URL when the variable is set, checking its scheme."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    parsed = urlparse(raw)
    if parsed.scheme not in REDIS_SCHEMES:
        raise ImproperlyConfigured(
            f"{name} must start with redis://, rediss:// or unix://, not {raw!r}."
        )
    try:
        parsed.port  # noqa: B018
    except ValueError:
        raise ImproperlyConfigured(f"{name} has a port that is not a number.") from None
    return raw


def env_float(name: str, *, default: float, minimum: float | None = None) -> float:
    """Return a number variable (seconds, say), at least ``minimum`` when given."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a number.") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ImproperlyConfigured(f"{name}={raw!r} is not a finite number.")
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value:g} must be at least {minimum:g}.")
    return value


def env_database_replica(primary: dict[str, Any]) -> dict[str, Any] | None:
    """The read replica's DATABASES entry from DATABASE_REPLICA_URL, or ``None`` when unset.

    Both the primary and the replica must be PostgreSQL (a streaming replica of it). The
    replica gets no pool and a short connect timeout, so a replica that is down costs a
    refused connection, not a wait; in tests it mirrors the primary's test database.
    """
    raw = (os.environ.get("DATABASE_REPLICA_URL") or "").strip()
    if not raw:
        return None
    config = env_database("DATABASE_REPLICA_URL", default=raw)
    postgres = "django.db.backends.postgresql"
    if config["ENGINE"] != postgres:
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URL must be a postgres:// URL: a replica is a PostgreSQL "
            "streaming standby."
        )
    if primary.get("ENGINE") != postgres:
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URL is set but DATABASE_URL is not PostgreSQL: a read "
            "replica needs a PostgreSQL primary."
        )
    timeout = env_int("DATABASE_REPLICA_CONNECT_TIMEOUT", default=2, minimum=1)
    config.setdefault("OPTIONS", {})["connect_timeout"] = timeout
    config["TEST"] = {"MIRROR": "default"}
    return config
