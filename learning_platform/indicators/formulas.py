"""Formulas stored as data, parsed and evaluated by a small parser of our own (never ``eval``).

Grammar: expr := term (("+"|"-") term)* ; term := factor (("*"|"/") factor)* ;
factor := "-" factor | NUMBER | NAME | "(" expr ")". Values are ``Decimal``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|([-+*/()]))")


class FormulaError(ValueError):
    """The formula text itself is wrong (raised when a framework is loaded)."""


class NotComputable(Exception):
    """The formula is fine but cannot give a number for these inputs."""

    def __init__(self, reason: str, *, missing: tuple[str, ...] = ()):
        super().__init__(reason)
        self.reason = reason
        self.missing = missing


@dataclass(frozen=True)
class Num:
    value: Decimal


@dataclass(frozen=True)
class Name:
    name: str


@dataclass(frozen=True)
class Neg:
    operand: Node


@dataclass(frozen=True)
class BinOp:
    op: str
    left: Node
    right: Node


Node = Num | Name | Neg | BinOp


def tokenize(text: str) -> list[tuple[str, str]]:
    tokens, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise FormulaError(
                f"Unexpected character {text[pos:].strip()[:1]!r} at {pos} in {text!r}"
            )
        number, name, op = match.groups()
        if number is not None:
            tokens.append(("num", number))
        elif name is not None:
            tokens.append(("name", name))
        else:
            tokens.append(("op", op))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise FormulaError(f"Formula ends too early: {self.text!r}")
        self.i += 1
        return token

    def parse(self) -> Node:
        if not self.tokens:
            raise FormulaError("Empty formula")
        node = self.expr()
        if self.peek() is not None:
            raise FormulaError(f"Unexpected {self.peek()[1]!r} in {self.text!r}")
        return node

    def expr(self) -> Node:
        node = self.term()
        while self.peek() in (("op", "+"), ("op", "-")):
            node = BinOp(self.take()[1], node, self.term())
        return node

    def term(self) -> Node:
        node = self.factor()
        while self.peek() in (("op", "*"), ("op", "/")):
            node = BinOp(self.take()[1], node, self.factor())
        return node

    def factor(self) -> Node:
        kind, value = self.take()
        if (kind, value) == ("op", "-"):
            return Neg(self.factor())
        if kind == "num":
            return Num(Decimal(value))
        if kind == "name":
            return Name(value)
        if (kind, value) == ("op", "("):
            node = self.expr()
            if self.take() != ("op", ")"):
                raise FormulaError(f"Missing ')' in {self.text!r}")
            return node
        raise FormulaError(f"Unexpected {value!r} in {self.text!r}")


def parse(text: str) -> Node:
    return _Parser(text).parse()


def names(node: Node) -> set[str]:
    if isinstance(node, Name):
        return {node.name}
    if isinstance(node, Neg):
        return names(node.operand)
    if isinstance(node, BinOp):
        return names(node.left) | names(node.right)
    return set()


def to_text(node: Node) -> str:
    if isinstance(node, Num):
        return str(node.value)
    if isinstance(node, Name):
        return node.name
    if isinstance(node, Neg):
        return f"-{to_text(node.operand)}"
    return f"({to_text(node.left)} {node.op} {to_text(node.right)})"


Lookup = Callable[[str], Decimal]


def evaluate(node: Node, lookup: Lookup) -> Decimal:
    """Evaluate; ``lookup`` returns a value or raises ``NotComputable`` for a missing input."""
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Name):
        return lookup(node.name)
    if isinstance(node, Neg):
        return -evaluate(node.operand, lookup)
    missing: list[str] = []
    values = []
    for side in (node.left, node.right):
        try:
            values.append(evaluate(side, lookup))
        except NotComputable as exc:
            if not exc.missing:
                raise
            missing.extend(m for m in exc.missing if m not in missing)
    if missing:
        raise NotComputable("missing", missing=tuple(missing))
    left, right = values
    if node.op == "+":
        return left + right
    if node.op == "-":
        return left - right
    if node.op == "*":
        return left * right
    if right == 0:
        raise NotComputable(f"division by zero: {to_text(node.right)} = 0")
    try:
        return left / right
    except InvalidOperation as exc:  # pragma: no cover - Decimal corner cases
        raise NotComputable(str(exc)) from exc
