"""Opaque list cursors: HMAC-signed and bound to the account (and filter) they were made for.

A cursor is `<base64url JSON>.<base64url HMAC-SHA256>`; editing a byte, or presenting it with
another account's key or another `status`, is a 400, never a peek at someone else's jobs.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from datetime import datetime

from domain.errors import FieldError, InvalidRequest
from domain.jobs import ListPosition

MAX_CURSOR_LENGTH = 512
_INVALID = "is not a cursor this API gave to this key with this status filter"


class CursorCodec:
    """Turns a list position into a cursor for one (account, filter) and back."""

    def __init__(self, secret: bytes) -> None:
        self._key = hashlib.sha256(b"job-list-cursor\n" + secret).digest()  # its own key

    def encode(self, position: ListPosition, account_id: str, scope: str) -> str:
        payload = json.dumps(
            {"t": position.created_at.isoformat(), "j": position.job_id},
            separators=(",", ":"),
        ).encode()
        body = _b64(payload)
        return f"{body}.{self._sign(body, account_id, scope)}"

    def decode(self, cursor: str, account_id: str, scope: str) -> ListPosition:
        """The position in `cursor`; InvalidRequest if it was forged or made for someone else."""
        body, _, signature = cursor.partition(".")
        if len(cursor) > MAX_CURSOR_LENGTH or not hmac.compare_digest(
            signature.encode(), self._sign(body, account_id, scope).encode()
        ):
            raise _invalid()
        try:
            payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
            return ListPosition(datetime.fromisoformat(payload["t"]), str(payload["j"]))
        except (binascii.Error, ValueError, KeyError, TypeError) as error:
            raise _invalid() from error

    def _sign(self, body: str, account_id: str, scope: str) -> str:
        message = f"{account_id}\n{scope}\n{body}".encode()
        return _b64(hmac.new(self._key, message, hashlib.sha256).digest())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _invalid() -> InvalidRequest:
    return InvalidRequest(f"Invalid cursor: it {_INVALID}.", [FieldError("cursor", _INVALID)])
