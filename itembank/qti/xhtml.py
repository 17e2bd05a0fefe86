"""Rich text ⇄ QTI XHTML content.

The item bank stores stems and option texts as Wagtail "database HTML" (``<p>``, ``<b>``,
``<a linktype="page" id="3">``, ``<embed embedtype="image" id="7" alt="…"/>``), always
after :func:`~learning_platform.security.html.sanitise_rich_text`. A QTI item carries the
same content as XHTML elements in the QTI namespace, so a player renders it instead of
showing ``<p>…</p>`` literally.

Export: the stored HTML is sanitised once more, parsed (``html.parser``, as a browser
would read it) and rebuilt as QTI elements; images become ``<img>`` elements whose files
the package carries; links to Wagtail pages keep their text only.

Import: QTI XHTML is serialised back to HTML (``<img>`` to an image ``<embed>``) and
then sanitised, so whatever a package carries, only the allow-list is stored.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from html.parser import HTMLParser
from xml.etree.ElementTree import Element, SubElement

from learning_platform.security.html import URL_SCHEMES, sanitise_rich_text

NS = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# Tags of the rich-text allow-list that QTI 3.0 has under the same name.
SAME_NAME = frozenset(
    {
        "p",
        "br",
        "b",
        "strong",
        "i",
        "em",
        "sub",
        "sup",
        "ol",
        "ul",
        "li",
        "h2",
        "h3",
        "h4",
        "blockquote",
        "code",
        "hr",
    }
)
VOID = frozenset({"br", "hr", "img", "embed"})
# QTI 3.0 has no <u>: its shared CSS vocabulary underlines with this class.
UNDERLINE_CLASS = "qti-underline"


def q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


# --- export --------------------------------------------------------------------------


class _Node:
    __slots__ = ("tag", "attrs", "children")

    def __init__(self, tag: str, attrs: dict[str, str]) -> None:
        self.tag, self.attrs = tag, attrs
        self.children: list[_Node | str] = []


class _Builder(HTMLParser):
    """A small tree of the (already sanitised) fragment: nodes and text strings."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("#root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = _Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(_Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def _append_text(parent: Element, text: str) -> None:
    if not text:
        return
    if len(parent):
        last = parent[-1]
        last.tail = (last.tail or "") + text
    else:
        parent.text = (parent.text or "") + text


# Returns the package path of an image (relative to the item file), or "" to leave it out.
ImageResolver = Callable[[int], str]


def rich_text_to_qti(
    stored_html: str | None, parent: Element, *, image_src: ImageResolver
) -> None:
    """Append ``stored_html`` to ``parent`` as QTI XHTML elements and text."""
    builder = _Builder()
    builder.feed(sanitise_rich_text(stored_html))
    builder.close()
    _emit(builder.root.children, parent, image_src)


def _emit(children, parent: Element, image_src: ImageResolver) -> None:
    for child in children:
        if isinstance(child, str):
            _append_text(parent, child)
            continue
        tag, attrs = child.tag, child.attrs
        if tag in SAME_NAME:
            el = SubElement(parent, tag)
        elif tag == "u":
            el = SubElement(parent, "span", {"class": UNDERLINE_CLASS})
        elif tag == "a":
            href = attrs.get("href", "")
            scheme = href.split(":", 1)[0].lower() if ":" in href else ""
            if href and scheme in URL_SCHEMES:
                el = SubElement(parent, "a", {"href": href})
            else:  # a Wagtail page or document link: its URL belongs to this site only
                el = SubElement(parent, "span")
        elif tag == "embed":
            if attrs.get("embedtype") == "image" and attrs.get("id", "").isdigit():
                src = image_src(int(attrs["id"]))
                if src:
                    SubElement(parent, "img", {"src": src, "alt": attrs.get("alt", "")})
            continue
        else:  # not on the allow-list (the sanitiser has removed it already)
            el = parent
        _emit(child.children, el, image_src)


# --- import --------------------------------------------------------------------------

# Takes an <img> element's src and alt; returns the id (or placeholder) to embed, or
# raises ValidationError naming the problem.
ImageStore = Callable[[str, str], str]
_SPACE = re.compile(r"\s+")


def qti_to_rich_text(parts, *, image: ImageStore) -> str:
    """Serialise QTI content (a text and elements, as ``(text, [elements])``) to sanitised
    rich text; ``<img>`` becomes an image ``<embed>`` through ``image``."""
    text, elements = parts
    out = [html.escape(text or "", quote=False)]
    for el in elements:
        _serialise(el, out, image)
        out.append(html.escape(el.tail or "", quote=False))
    return sanitise_rich_text("".join(out).strip())


def _serialise(el: Element, out: list[str], image: ImageStore) -> None:
    tag = local(el.tag)
    if tag.startswith("qti-"):
        # An interaction nested in a block, a feedback or template block, a rubric: not
        # the stem's content (the interaction is read on its own).
        return
    if tag == "img":
        ref = image(el.get("src") or "", el.get("alt") or "")
        out.append(
            f'<embed embedtype="image" id="{html.escape(ref)}" format="fullwidth" '
            f'alt="{html.escape(el.get("alt") or "")}"/>'
        )
        return
    if tag == "span" and UNDERLINE_CLASS in (el.get("class") or "").split():
        tag = "u"
    attrs = ""
    if tag == "a" and el.get("href"):
        attrs = f' href="{html.escape(el.get("href"))}"'
    if tag in VOID:
        out.append(f"<{tag}{attrs}/>")
        return
    out.append(f"<{tag}{attrs}>")
    out.append(html.escape(el.text or "", quote=False))
    for child in el:
        _serialise(child, out, image)
        out.append(html.escape(child.tail or "", quote=False))
    out.append(f"</{tag}>")


def plain_text(el: Element | None) -> str:
    """The element's text content with runs of white space collapsed."""
    if el is None:
        return ""
    return _SPACE.sub(" ", "".join(el.itertext())).strip()
