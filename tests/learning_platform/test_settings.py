"""Settings come from the environment; bad values stop start-up with a clear message."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from learning_platform.env import (
    env_bool,
    env_database,
    env_database_pool,
    env_int,
    env_list,
    env_redis_url,
)

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "x" * 20 + "-production-secret-" + "y" * 30,
    "ALLOWED_HOSTS": "learn.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://learn.example.org",
}


def run_settings(
    env: dict[str, str], code: str = "print('ok')"
) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DEBUG",
            "SECRET_KEY",
            "DATABASE_URL",
            "REDIS_URL",
            "ALLOWED_HOSTS",
            "DJANGO_SETTINGS_MODULE",
            "DATABASE_POOL",
            "DATABASE_POOL_MIN",
            "DATABASE_POOL_MAX",
        }
    }
    clean.update(env)
    script = "import learning_platform.settings as s\n" + code
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
    )


def test_env_bool_accepts_common_spellings(monkeypatch):
    for raw, expected in [
        ("1", True),
        ("yes", True),
        ("ON", True),
        ("0", False),
        ("off", False),
    ]:
        monkeypatch.setenv("FLAG", raw)
        assert env_bool("FLAG", default=not expected) is expected


def test_env_bool_refuses_other_values(monkeypatch):
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="FLAG='maybe' is not a boolean"):
        env_bool("FLAG", default=False)


def test_env_int_refuses_text_and_small_values(monkeypatch):
    monkeypatch.setenv("N", "ten")
    with pytest.raises(ImproperlyConfigured, match="N='ten' is not a whole number"):
        env_int("N", default=1)
    monkeypatch.setenv("N", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env_int("N", default=1, minimum=1)


def test_env_list_splits_on_commas(monkeypatch):
    monkeypatch.setenv("HOSTS", "a.example, b.example,,")
    assert env_list("HOSTS", default=[]) == ["a.example", "b.example"]
    monkeypatch.delenv("HOSTS")
    assert env_list("HOSTS", default=["x"]) == ["x"]


def test_env_database_parses_postgres_url(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://lp:secret@db.internal:5433/learning")
    config = env_database("DATABASE_URL", default="sqlite:////tmp/x.sqlite3")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["HOST"], config["PORT"]) == (
        "learning",
        "db.internal",
        5433,
    )


def test_env_database_defaults_to_sqlite(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    config = env_database("DATABASE_URL", default="sqlite:////tmp/x.sqlite3")
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == "/tmp/x.sqlite3"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "scheme '' is not one of"),
        ("mysql://u@h/db", "scheme 'mysql' is not one of"),
        ("postgres://u@host:port/db", "port that is not a number"),
        ("postgres://u@host:5432/", "names no database"),
    ],
)
def test_env_database_refuses_malformed_urls(monkeypatch, url, message):
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(ImproperlyConfigured, match=message):
        env_database("DATABASE_URL", default="sqlite:////tmp/x.sqlite3")


def test_env_redis_url_checks_scheme(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "http://localhost:6379")
    with pytest.raises(
        ImproperlyConfigured, match="REDIS_URL must start with redis://"
    ):
        env_redis_url("REDIS_URL")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    assert env_redis_url("REDIS_URL") == "redis://127.0.0.1:6379/0"


def test_settings_refuse_to_start_without_secret_key_in_production():
    result = run_settings({"DEBUG": "0"})
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    assert "DEBUG=1" in result.stderr


def test_settings_use_a_development_key_when_debugging():
    result = run_settings(
        {"DEBUG": "1"}, "print(s.SECRET_KEY.startswith('development'))"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_malformed_database_url_stops_start_up_with_a_clear_message():
    result = run_settings({"DEBUG": "1", "DATABASE_URL": "postgres://u@h:abc/db"})
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert (
        "ImproperlyConfigured: DATABASE_URL has a port that is not a number."
        in last_line
    )


def test_env_database_pool_defaults_and_switch(monkeypatch):
    for name in ("DATABASE_POOL", "DATABASE_POOL_MIN", "DATABASE_POOL_MAX"):
        monkeypatch.delenv(name, raising=False)
    assert env_database_pool() == {"min_size": 2, "max_size": 10, "timeout": 10}
    monkeypatch.setenv("DATABASE_POOL_MAX", "4")
    assert env_database_pool()["max_size"] == 4
    monkeypatch.setenv("DATABASE_POOL", "off")
    assert env_database_pool() is None


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DATABASE_POOL": "sometimes"}, "DATABASE_POOL='sometimes' is not a boolean"),
        ({"DATABASE_POOL_MAX": "ten"}, "DATABASE_POOL_MAX='ten' is not a whole number"),
        ({"DATABASE_POOL_MAX": "0"}, "DATABASE_POOL_MAX=0 must be at least 1"),
        (
            {"DATABASE_POOL_MIN": "5", "DATABASE_POOL_MAX": "3"},
            "DATABASE_POOL_MAX=3 must be at least DATABASE_POOL_MIN=5",
        ),
    ],
)
def test_env_database_pool_refuses_bad_values(monkeypatch, env, message):
    for name in ("DATABASE_POOL", "DATABASE_POOL_MIN", "DATABASE_POOL_MAX"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=message):
        env_database_pool()


def test_postgres_gets_a_checked_connection_pool_and_sqlite_none():
    code = (
        "d = s.DATABASES['default']; print(d.get('OPTIONS', {}).get('pool')); "
        "print(d.get('CONN_HEALTH_CHECKS'))"
    )
    postgres = run_settings(
        {
            "DEBUG": "1",
            "DATABASE_URL": "postgres://u@h:5432/db",
            "DATABASE_POOL_MAX": "6",
        },
        code,
    )
    assert postgres.returncode == 0, postgres.stderr
    assert postgres.stdout.splitlines() == [
        "{'min_size': 2, 'max_size': 6, 'timeout': 10}",
        "True",
    ]
    off = run_settings(
        {"DEBUG": "1", "DATABASE_URL": "postgres://u@h:5432/db", "DATABASE_POOL": "0"},
        code,
    )
    assert off.stdout.splitlines()[0] == "None"
    sqlite = run_settings({"DEBUG": "1"}, code)
    assert sqlite.stdout.splitlines()[0] == "None"


def test_redis_url_switches_channel_layer_and_cache():
    code = "print(s.CHANNEL_LAYERS['default']['BACKEND']); print(s.CACHES['default']['BACKEND'])"
    with_redis = run_settings(
        {"DEBUG": "1", "REDIS_URL": "redis://127.0.0.1:6379/3"}, code
    )
    without = run_settings({"DEBUG": "1"}, code)
    assert with_redis.stdout.split() == [
        "channels_redis.core.RedisChannelLayer",
        "django.core.cache.backends.redis.RedisCache",
    ]
    assert without.stdout.split() == [
        "channels.layers.InMemoryChannelLayer",
        "django.core.cache.backends.locmem.LocMemCache",
    ]


def test_language_and_time_zone():
    result = run_settings(
        {"DEBUG": "1"},
        "print(s.LANGUAGE_CODE, s.TIME_ZONE, [c for c, _ in s.LANGUAGES])",
    )
    assert result.stdout.strip() == "zh-hans Asia/Shanghai ['zh-hans', 'en']"


def test_check_deploy_passes_with_production_values(tmp_path):
    env = {
        **PRODUCTION,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "learning_platform.settings",
    }
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DEBUG",
            "SECRET_KEY",
            "DATABASE_URL",
            "REDIS_URL",
            "DJANGO_SETTINGS_MODULE",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_repository_root_keeps_standard_library_platform_and_uuid():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import platform, uuid; print(platform.python_version(), "
            "platform.__file__.endswith('platform.py'), uuid.uuid4().version)",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[1:] == ["True", "4"]
