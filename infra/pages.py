"""Opaque keyset cursors for lists ordered newest first by (created_at, id)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime

from domain.errors import FieldError, InvalidRequest
from infra.models import as_utc


@dataclass(frozen=True)
class Cursor:
    """The last row of a page: the next page starts strictly after it."""

    created_at: datetime
    id: str

    def encode(self) -> str:
        raw = f"{as_utc(self.created_at).isoformat()}|{self.id}"
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @staticmethod
    def decode(token: str) -> Cursor:
        """The cursor a previous page handed out; InvalidRequest for anything else."""
        try:
            padded = token + "=" * (-len(token) % 4)
            moment, _, row_id = base64.urlsafe_b64decode(padded).decode().partition("|")
            created_at = as_utc(datetime.fromisoformat(moment))
        except ValueError:
            raise InvalidRequest(
                "The cursor is invalid.", [FieldError("cursor", "use nextCursor of a page")]
            ) from None
        if not row_id:
            raise InvalidRequest(
                "The cursor is invalid.", [FieldError("cursor", "use nextCursor of a page")]
            )
        return Cursor(created_at, row_id)
