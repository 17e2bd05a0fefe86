"""Allow-list sanitising of rich text before it is stored.

Item stems and option texts are Wagtail rich text ("database HTML": ``<a linktype="page"
id="3">`` links and ``<embed embedtype="image" …/>`` images) and are rendered unescaped.
Whatever path stores them (the Wagtail editor, CSV/XLSX import, QTI import, the services)
passes them through :func:`sanitise_rich_text` first, so a ``<script>``, an event handler
attribute or a ``javascript:`` link never reaches the database. ``nh3`` (the Rust
``ammonia`` sanitiser) parses the text as a browser would and keeps only the allow-list.
"""

from __future__ import annotations

import re

import nh3

RICH_TEXT_TAGS = frozenset(
    {
        "p",
        "br",
        "b",
        "strong",
        "i",
        "em",
        "u",
        "sub",
        "sup",
        "ol",
        "ul",
        "li",
        "a",
        "embed",
        "h2",
        "h3",
        "h4",
        "blockquote",
        "code",
        "hr",
    }
)
_BLOCK_KEY = {"data-block-key"}  # Draftail's stable block ids
RICH_TEXT_ATTRIBUTES = {
    "a": {"href", "linktype", "id"},
    "embed": {"embedtype", "id", "format", "alt", "url"},
    **{tag: _BLOCK_KEY for tag in ("p", "li", "h2", "h3", "h4", "blockquote")},
}
# What Wagtail's ``expand_db_html`` makes of the above: images become <img>.
OUTPUT_TAGS = (RICH_TEXT_TAGS - {"embed"}) | {"img"}
OUTPUT_ATTRIBUTES = {
    "a": {"href"},
    "img": {"src", "alt", "class", "width", "height"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
# html5 serialises the void <embed> as "<embed …>"; Wagtail's rewriter expects "<embed …/>".
_EMBED = re.compile(r"<embed(\b[^>]*?)\s*/?>")


def sanitise_rich_text(html: str | None) -> str:
    """Return ``html`` with only allow-listed tags, attributes and URL schemes."""
    if not html:
        return ""
    clean = nh3.clean(
        html,
        tags=set(RICH_TEXT_TAGS),
        attributes={k: set(v) for k, v in RICH_TEXT_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=None,
        strip_comments=True,
    )
    return _EMBED.sub(r"<embed\1/>", clean)


def sanitise_html_output(html: str | None) -> str:
    """Sanitise expanded rich text (front-end HTML) just before it is rendered unescaped.

    Defence in depth for content stored before the sanitiser existed (old rows and
    revisions): the same allow-list, in front-end form.
    """
    if not html:
        return ""
    return nh3.clean(
        html,
        tags=set(OUTPUT_TAGS),
        attributes={k: set(v) for k, v in OUTPUT_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
