"""Content-Security-Policy with a per-request nonce, for site and admin pages.

Scripts run only from our own origin or with this request's nonce; there is no
``'unsafe-inline'`` for scripts. Our templates have no inline scripts (behaviour lives in
static files); a template that needs one writes ``<script nonce="{{ request.csp_nonce }}">``.

Wagtail's admin still prints a few inline initialisers (choosers, date pickers, inline
panels). :func:`nonce_known_initialisers` gives the nonce only to inline scripts that
are exactly one of those shapes: a call of an allow-listed Wagtail constructor whose
arguments parse as JSON data, or the InlinePanel/MultipleChooserPanel wrapper around an
escaped string literal. Anything else (such as a script smuggled into stored content)
gets no nonce and the browser refuses it.
"""

from __future__ import annotations

import json
import re
import secrets

WAGTAIL_INITIALISERS = frozenset(
    {
        "ImageChooser",
        "DocumentChooser",
        "PageChooser",
        "SnippetChooser",
        "TaskChooser",
        "Chooser",
        "initDateChooser",
        "initTimeChooser",
        "initDateTimeChooser",
    }
)
_CALL = re.compile(r"\s*(?:new\s+)?([A-Za-z_$][\w$]*)\((.*)\);?\s*", re.S)
_PANEL = re.compile(
    r"\s*\(function\(\)\s*\{\s*var panel = new (?:InlinePanel|MultipleChooserPanel)"
    r"\(JSON\.parse\(\"(?:[^\"\\\n]|\\.)*\"\)\);\s*\}\)\(\);\s*"
)
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)

POLICY = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
    "connect-src 'self'; frame-src 'self'; frame-ancestors 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'"
)


def new_nonce() -> str:
    return secrets.token_urlsafe(18)


def is_known_initialiser(body: str) -> bool:
    if _PANEL.fullmatch(body):
        return True
    match = _CALL.fullmatch(body)
    if not match or match.group(1) not in WAGTAIL_INITIALISERS:
        return False
    try:
        json.loads("[" + match.group(2) + "]")
    except ValueError:
        return False
    return True


def nonce_known_initialisers(html: str, nonce: str) -> str:
    """Add ``nonce`` to the bare ``<script>`` tags that are known Wagtail initialisers."""

    def repl(m: re.Match) -> str:
        if is_known_initialiser(m.group(1)):
            return f'<script nonce="{nonce}">{m.group(1)}</script>'
        return m.group(0)

    return _INLINE_SCRIPT.sub(repl, html)
