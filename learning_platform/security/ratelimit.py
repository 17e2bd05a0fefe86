"""A small fixed-window limiter on failed attempts, kept in Django's cache.

The cache is Redis in production, so every web process shares the counts; in
development it is the process's local memory.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache


@dataclass(frozen=True)
class Limit:
    """At most ``attempts`` failures per ``window_seconds``."""

    attempts: int
    window_seconds: int


def normalised_key(value: str) -> str:
    """Return the key as every login path compares usernames: NFKC, case-folded, trimmed.

    Django's login forms NFKC-normalise the username before authenticating, so
    ``ｒｅｖｉｅｗｅｒ`` (full-width) signs in as ``reviewer``; a limiter keyed on the
    raw text would count the two apart. Case-folding groups more spellings than the
    case-sensitive login does, which only makes the limit stricter.
    """
    return unicodedata.normalize(
        "NFKC", unicodedata.normalize("NFKC", value).casefold()
    ).strip()


def _digest(value: str) -> str:
    # Keys hold no username or address in clear text.
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:32]


class FailureLimiter:
    """Count failures per key; a key at its limit is blocked until its window ends."""

    def __init__(self, scope: str, limit: Limit) -> None:
        self.scope = scope
        self.limit = limit

    def _key(self, key: str) -> str:
        return f"security:ratelimit:{self.scope}:{_digest(normalised_key(key))}"

    def blocked(self, key: str) -> bool:
        return int(cache.get(self._key(key), 0)) >= self.limit.attempts

    def failure(self, key: str) -> int:
        """Count one failure and return the count in the current window."""
        cache_key = self._key(key)
        # add() only sets a missing key, so the window starts at the first failure.
        cache.add(cache_key, 0, timeout=self.limit.window_seconds)
        try:
            return int(cache.incr(cache_key))
        except ValueError:  # expired between add() and incr()
            cache.set(cache_key, 1, timeout=self.limit.window_seconds)
            return 1

    def reset(self, key: str) -> None:
        cache.delete(self._key(key))


def _setting(name: str, default: tuple[int, int]) -> Limit:
    attempts, window = getattr(settings, name, default)
    return Limit(int(attempts), int(window))


def login_limiters() -> tuple[FailureLimiter, FailureLimiter]:
    """Return the per-username-and-address limiter and the looser per-address one."""
    return (
        FailureLimiter("login-user", _setting("LOGIN_RATE_LIMIT", (5, 900))),
        FailureLimiter("login-ip", _setting("LOGIN_RATE_LIMIT_PER_ADDRESS", (50, 900))),
    )


def token_limiter() -> FailureLimiter:
    """Return the limiter on failed bearer tokens per address."""
    return FailureLimiter("api-token", _setting("API_TOKEN_RATE_LIMIT", (30, 900)))


def client_address(request) -> str:
    """Return the client's address (the proxy's when no trusted proxy is configured)."""
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            # The last hop is the one our own proxy appended.
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "") or "unknown"
