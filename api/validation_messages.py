"""One voice for validation messages: each says the rule and what is wrong with the value.

Pydantic's own wording ("Input should be greater than or equal to 1") is translated here, by
error type, into the house wording our validators use ("must be at least 1 (got 0)"); the field
is named by the problem's `errors[].field`. A type nobody translated keeps pydantic's text, less
its "Input should" opening.
"""

from __future__ import annotations

import json
from typing import Any

_SHOWN_CHARS = 20


def house_message(err: dict[str, Any] | Any) -> str:
    """The message for one pydantic error (as from `ValidationError.errors()`)."""
    kind = str(err.get("type", ""))
    ctx: dict[str, Any] = err.get("ctx") or {}
    got = describe(err["input"]) if "input" in err else ""
    if kind.startswith(("string_too", "too_short", "too_long")) and hasattr(
        err.get("input"), "__len__"
    ):
        got = f"{len(err['input'])}"
    rule = _rule(kind, ctx, err)
    if rule is None:
        text = str(err.get("msg", "is invalid")).removeprefix("Value error, ")
        return text.replace("Input should", "must", 1) if text.startswith("Input should") else text
    return f"{rule} (got {got})" if got and kind not in ("missing", "extra_forbidden") else rule


def describe(value: object) -> str:
    """The value as a reader needs it: numbers and short strings shown, the rest named."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, str):
        if len(value) > _SHOWN_CHARS:
            return f"a text of {len(value)} characters"
        return json.dumps(value, ensure_ascii=True)
    if isinstance(value, list):
        return f"a list of {len(value)} item{'s' if len(value) != 1 else ''}"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _rule(kind: str, ctx: dict[str, Any], err: dict[str, Any]) -> str | None:
    bounds = {
        "greater_than_equal": ("must be at least", "ge"),
        "less_than_equal": ("must be at most", "le"),
        "greater_than": ("must be greater than", "gt"),
        "less_than": ("must be less than", "lt"),
    }
    if kind in bounds:
        words, key = bounds[kind]
        return f"{words} {ctx.get(key)}"
    types = {
        "int_type": "must be a whole number",
        "int_parsing": "must be a whole number",
        "int_from_float": "must be a whole number",
        "string_type": "must be a string",
        "bool_type": "must be true or false",
        "bool_parsing": "must be true or false",
        "list_type": "must be a list",
        "dict_type": "must be an object",
        "float_type": "must be a number",
        "float_parsing": "must be a number",
        "missing": "is required",
        "extra_forbidden": "is not a known field",
    }
    if kind in types:
        return types[kind]
    if kind in ("too_short", "too_long"):
        limit = ctx.get("min_length" if kind == "too_short" else "max_length")
        words = "at least" if kind == "too_short" else "at most"
        if isinstance(err.get("input"), str):
            return f"must be {words} {limit} characters"
        unit = "keys" if isinstance(err.get("input"), dict) else "items"
        return f"must have {words} {limit} {unit[:-1] if limit == 1 else unit}"
    if kind in ("string_too_short", "string_too_long"):
        limit = ctx.get("min_length" if kind == "string_too_short" else "max_length")
        words = "at least" if kind == "string_too_short" else "at most"
        return f"must be {words} {limit} characters"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected', '')}".replace("'", '"')
    return None
