"""JSON parsing with bounded nesting and only text that can be stored.

``json.loads`` accepts nesting up to the interpreter's recursion limit and lone
UTF-16 surrogates (``"\\ud800"``); both later break code that recurses over the
value or encodes it as UTF-8 (the database, the response). Every body the
platform parses goes through :func:`loads_bounded`, so such input is refused as
bad input instead of failing deep inside.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from ninja.parser import Parser

# Credentials (a CLR with embedded badges) nest about a dozen levels; nothing the
# platform reads comes near this.
MAX_JSON_DEPTH = 64


class JsonInputError(ValueError):
    """The text is JSON the platform refuses: too deep, or holding lone surrogates."""


def _has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def check_json_value(value: Any, *, max_depth: int = MAX_JSON_DEPTH) -> None:
    """Raise JsonInputError if the value nests deeper than allowed or holds unencodable text.

    Walks the value once with an explicit stack, so the cost is linear in its size
    and no recursion limit is involved.
    """
    stack: list[tuple[Any, int, str]] = [(value, 1, "")]
    while stack:
        node, depth, path = stack.pop()
        if isinstance(node, str):
            if _has_lone_surrogate(node):
                raise JsonInputError(
                    f"text at {path or 'the top level'} holds a lone UTF-16 surrogate"
                )
            continue
        if isinstance(node, dict | list):
            if depth > max_depth:
                raise JsonInputError(f"the JSON nests deeper than {max_depth} levels")
            if isinstance(node, dict):
                for key, child in node.items():
                    child_path = f"{path}.{key}" if path else str(key)
                    if _has_lone_surrogate(key):
                        raise JsonInputError(
                            f"a key at {path or 'the top level'} holds a "
                            "lone UTF-16 surrogate"
                        )
                    stack.append((child, depth + 1, child_path))
            else:
                for position, child in enumerate(node):
                    stack.append(
                        (
                            child,
                            depth + 1,
                            f"{path}.{position}" if path else str(position),
                        )
                    )


def loads_bounded(raw: bytes | str, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse JSON, refusing deep nesting and lone surrogates with a ValueError."""
    try:
        value = json.loads(raw)
    except RecursionError:
        raise JsonInputError(f"the JSON nests deeper than {max_depth} levels") from None
    check_json_value(value, max_depth=max_depth)
    return value


class BoundedParser(Parser):
    """The API's body parser: bounded nesting, no lone surrogates anywhere in the input."""

    def parse_body(self, request: HttpRequest) -> Any:
        value = loads_bounded(request.body)
        # Every request schema of the API is an object.
        if not isinstance(value, dict):
            raise JsonInputError("the body must be a JSON object")
        return value

    def parse_querydict(
        self, data: MultiValueDict, list_fields: list[str], request: HttpRequest
    ) -> Any:
        result = super().parse_querydict(data, list_fields, request)
        check_json_value(result)
        return result
