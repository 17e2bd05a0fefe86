"""A logging filter that removes passwords, tokens, cookies and answers from records.

Attach it to every handler (``LOGGING["handlers"][...]["filters"]``) so records from
any logger, including Django's request logger and tracebacks, pass through it.
"""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"

# Names whose values are secret or personal: in query strings, form bodies, JSON,
# reprs of dicts and ``key=value`` text.
SECRET_NAMES = (
    r"password\d?|passwd|new_password\d?|old_password|secret|api[_-]?key|token|access_token|"
    r"refresh_token|csrfmiddlewaretoken|csrftoken|sessionid|authorization|invitation_code|"
    r"answer|answers"
)
_PATTERNS = [
    # Authorization: Bearer <token> / Token <token> / Basic <credentials>
    re.compile(
        r"(?P<key>\b(?:Bearer|Token|Basic)\s+)(?P<value>[A-Za-z0-9._~+/=-]{6,})"
    ),
    # "password": "x" / 'token': 'x' / "answer": ["A", "B"] (JSON and Python reprs)
    re.compile(
        rf"""(?P<key>["']?(?:{SECRET_NAMES})["']?\s*[:=]\s*)"""
        r"""(?P<value>\[[^\]]*\]|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s&,;}\])]+)""",
        re.IGNORECASE,
    ),
]


def redact(text: str) -> str:
    """Return ``text`` with the values of secret fields replaced."""
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group("key") + REDACTED, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrite each record's message (and traceback) with secrets redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: keep the template only
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
