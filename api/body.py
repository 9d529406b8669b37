"""Reading a JSON request body strictly: media type, size bound, and RFC 8259 JSON only."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from domain.errors import FieldError, InvalidRequest, PayloadTooLarge, UnsupportedMediaType

MAX_BODY_BYTES = 16 * 1024


class _NotStrictJson(ValueError):
    pass


async def read_json_object(request: Request, limit: int = MAX_BODY_BYTES) -> dict[str, Any]:
    """The body as a JSON object; raises 415, 413 or 400 domain errors, never reads past `limit`."""
    _require_json_media_type(request.headers.get("content-type"))
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isascii() or not declared.isdigit():
            raise _invalid("Content-Length must be a non-negative integer.", "Content-Length")
        if int(declared) > limit:
            raise _too_large(limit)
    body = await _read_bounded(request, limit)
    data = _loads_strict(body)
    if not isinstance(data, dict):
        raise _invalid("The request body must be a JSON object.")
    return data


def _require_json_media_type(content_type: str | None) -> None:
    if content_type is None:
        raise UnsupportedMediaType("Send the body as JSON with Content-Type: application/json.")
    media_type, *params = (part.strip() for part in content_type.split(";"))
    if media_type.lower() != "application/json":
        raise UnsupportedMediaType("The request body must be application/json.")
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in (
            "utf-8",
            "utf8",
        ):
            raise UnsupportedMediaType("JSON bodies must be encoded as UTF-8.")


async def _read_bounded(request: Request, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _loads_strict(body: bytes) -> Any:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise _invalid("The request body must be UTF-8 encoded JSON.") from None
    try:
        return json.loads(
            text,
            parse_constant=_reject_constant,
            parse_float=_finite_float,
            object_pairs_hook=_unique_keys,
        )
    except _NotStrictJson as exc:
        raise _invalid(str(exc)) from None
    except json.JSONDecodeError as exc:
        raise _invalid(
            f"The request body is not valid JSON: {exc.msg} at position {exc.pos}."
        ) from None
    except (ValueError, RecursionError):
        raise _invalid("The request body is not valid JSON.") from None


def _reject_constant(name: str) -> Any:
    raise _NotStrictJson(f"{name} is not valid JSON.")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise _NotStrictJson("Numbers must be finite.")
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _NotStrictJson("The request body repeats a field.")
        result[key] = value
    return result


def _invalid(detail: str, field: str = "body") -> InvalidRequest:
    return InvalidRequest(detail, [FieldError(field, detail)])


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"The request body must not exceed {limit} bytes.")
