"""Process-wide logging: text for developers, one-line JSON for production (LOG_FORMAT=json).

Every line, in either format, goes through `RedactApiKeys`, so an API key that slips into a
message, an argument or a traceback never reaches the log store. JSON lines carry `jobId` and
`accountId` when the code that logs runs inside `log_context(job_id=..., account_id=...)`
(the worker binds them for every activity; see worker/metrics.py).
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from types import MappingProxyType, TracebackType
from typing import Any, Literal

API_KEY_PATTERN = re.compile(r"cs_live_[A-Za-z0-9_-]+")
REDACTED = "cs_live_[REDACTED]"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"

# snake_case context names -> the camelCase keys the API (and so the JSON logs) uses.
_CONTEXT_KEYS = {"job_id": "jobId", "account_id": "accountId"}
_EMPTY: Mapping[str, str] = MappingProxyType({})
_log_context: ContextVar[Mapping[str, str]] = ContextVar(
    "creative_saas_log_context", default=_EMPTY
)

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",  # uvicorn's ANSI-coloured copy of the message
}
_MAX_FIELD_CHARS = 2000


def redact(text: str) -> str:
    """`text` with every API key replaced by a fixed marker."""
    return API_KEY_PATTERN.sub(REDACTED, text)


@contextmanager
def log_context(**fields: str | None) -> Iterator[None]:
    """Attach `job_id` / `account_id` to every line logged inside the block (None is skipped)."""
    unknown = set(fields) - set(_CONTEXT_KEYS)
    if unknown:
        raise TypeError(f"unknown log context fields: {sorted(unknown)}")
    merged = {**_log_context.get(), **{k: v for k, v in fields.items() if v is not None}}
    token = _log_context.set(MappingProxyType(merged))
    try:
        yield
    finally:
        _log_context.reset(token)


def current_log_context() -> Mapping[str, str]:
    """The fields bound by the enclosing `log_context` blocks."""
    return _log_context.get()


class RedactApiKeys(logging.Filter):
    """Rewrites a record's message (after %-formatting) and its traceback without API keys."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message or record.args:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, jobId/accountId, extras, exc."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name, key in _CONTEXT_KEYS.items():
            value = getattr(record, name, None) or current_log_context().get(name)
            if value:
                entry[key] = str(value)
        entry.update(_temporal_fields(record))
        for name, value in vars(record).items():
            if _is_extra(name) and name not in entry:
                entry[name] = _jsonable(value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return redact(json.dumps(entry, ensure_ascii=False, default=str))


class TextFormatter(logging.Formatter):
    """The developer format, with jobId/accountId appended when bound."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        context = " ".join(f"{_CONTEXT_KEYS[k]}={v}" for k, v in current_log_context().items())
        return redact(f"{line} [{context}]" if context else line)


def configure_logging(
    log_format: Literal["text", "json"] = "text", level: str | int = "INFO"
) -> logging.Handler:
    """Send every logger's records to stderr in `log_format`, API keys redacted; returns it."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter(TEXT_FORMAT))
    handler.addFilter(RedactApiKeys())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    if log_format == "json":
        sys.excepthook = _log_uncaught  # a crash is one JSON line too, not a bare traceback
    return handler


def _log_uncaught(
    kind: type[BaseException], error: BaseException, traceback: TracebackType | None
) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error, traceback)
        return
    logging.getLogger("creative_saas").critical(
        "uncaught exception, exiting", exc_info=(kind, error, traceback)
    )


def _temporal_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The ids Temporal's activity/workflow loggers attach (`temporal_activity` extra)."""
    info = getattr(record, "temporal_activity", None) or getattr(record, "temporal_workflow", None)
    if not isinstance(info, Mapping):
        return {}
    fields = {
        "workflowId": info.get("workflow_id"),
        "activityType": info.get("activity_type"),
        "attempt": info.get("attempt"),
    }
    return {key: value for key, value in fields.items() if value is not None}


def _is_extra(name: str) -> bool:
    """Whether a record attribute came from `extra=` (and is not one we map ourselves)."""
    return (
        name not in _STANDARD_ATTRS
        and name not in _CONTEXT_KEYS
        and not name.startswith(("temporal_", "_"))
    )


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    text = value if isinstance(value, str) else repr(value)
    return text[:_MAX_FIELD_CHARS]
