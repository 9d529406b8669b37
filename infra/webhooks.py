"""Webhook endpoints of an account (secrets shown once, rotated with a grace period) and the
log of every delivery attempt."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from domain.webhooks import ENDPOINT_ID_PREFIX, SECRET_PREFIX
from infra.db import read_only
from infra.models import as_utc, utc_now
from infra.webhook_models import WebhookDeliveryAttempt, WebhookEndpoint

SECRET_BYTES = 32
# After a rotation the old secret still signs this long, so receivers can switch without a gap.
ROTATION_GRACE = timedelta(hours=24)
RECENT_DELIVERIES = 100
_MAX_ERROR_LENGTH = 300


@dataclass(frozen=True)
class EndpointInfo:
    id: str
    account_id: str
    url: str
    events: tuple[str, ...]
    description: str | None
    created_at: datetime
    previous_secret_expires_at: datetime | None


@dataclass(frozen=True)
class SigningEndpoint:
    """What a delivery needs: where to send, and every secret that signs right now."""

    id: str
    url: str
    secrets: tuple[str, ...]


@dataclass(frozen=True)
class DeliveryRecord:
    endpoint_id: str
    message_id: str
    event_type: str
    job_id: str
    attempt: int
    status_code: int | None
    error: str | None
    duration_ms: int
    created_at: datetime


def new_secret() -> str:
    """`whsec_` + base64 of 32 random bytes, as Standard Webhooks libraries expect."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


class WebhookStore:
    """Endpoints per account (another account's id behaves as unknown) and their delivery log."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utc_now) -> None:
        self._engine = engine
        self._reader = read_only(engine)
        self._clock = lambda: as_utc(clock())

    def create(
        self, account_id: str, url: str, events: Sequence[str], description: str | None
    ) -> tuple[EndpointInfo, str]:
        """Register an endpoint; its secret is returned here and by rotate() only."""
        endpoint = WebhookEndpoint(
            id=f"{ENDPOINT_ID_PREFIX}{secrets.token_hex(12)}",
            account_id=account_id,
            url=url,
            events=",".join(events),
            description=description,
            secret=new_secret(),
            created_at=self._clock(),
        )
        with Session(self._engine, expire_on_commit=False) as session:
            session.add(endpoint)
            session.commit()
        return _info(endpoint), endpoint.secret

    def list_endpoints(self, account_id: str) -> list[EndpointInfo]:
        """The account's live endpoints, oldest first."""
        query = (
            select(WebhookEndpoint)
            .where(WebhookEndpoint.account_id == account_id)
            .where(col(WebhookEndpoint.deleted_at).is_(None))
            .order_by(col(WebhookEndpoint.created_at), col(WebhookEndpoint.id))
        )
        with Session(self._reader) as session:
            return [_info(endpoint) for endpoint in session.exec(query)]

    def get(self, account_id: str, endpoint_id: str) -> EndpointInfo | None:
        """A live endpoint of the account, else None."""
        with Session(self._reader) as session:
            endpoint = _live(session, account_id, endpoint_id)
            return None if endpoint is None else _info(endpoint)

    def delete(self, account_id: str, endpoint_id: str) -> bool:
        """Stop all deliveries to the endpoint (pending retries included); False if unknown."""
        with Session(self._engine) as session:
            endpoint = _live(session, account_id, endpoint_id)
            if endpoint is None:
                return False
            endpoint.deleted_at = self._clock()
            session.commit()
        return True

    def rotate(self, account_id: str, endpoint_id: str) -> tuple[EndpointInfo, str] | None:
        """A new secret; the current one keeps signing for ROTATION_GRACE. None if unknown."""
        with Session(self._engine, expire_on_commit=False) as session:
            endpoint = _live(session, account_id, endpoint_id)
            if endpoint is None:
                return None
            endpoint.previous_secret = endpoint.secret
            endpoint.previous_secret_expires_at = self._clock() + ROTATION_GRACE
            endpoint.secret = new_secret()
            session.commit()
        return _info(endpoint), endpoint.secret

    def subscribed(self, account_id: str, event_type: str) -> list[str]:
        """Ids of the account's live endpoints that want `event_type`."""
        return [e.id for e in self.list_endpoints(account_id) if event_type in e.events]

    def signing_endpoint(self, account_id: str, endpoint_id: str) -> SigningEndpoint | None:
        """The live endpoint with its current secret, then the previous one while in grace."""
        with Session(self._reader) as session:
            endpoint = _live(session, account_id, endpoint_id)
            if endpoint is None:
                return None
            keys = [endpoint.secret]
            expires = endpoint.previous_secret_expires_at
            if endpoint.previous_secret and expires and as_utc(expires) > self._clock():
                keys.append(endpoint.previous_secret)
            return SigningEndpoint(endpoint.id, endpoint.url, tuple(keys))

    def record(
        self,
        endpoint_id: str,
        *,
        message_id: str,
        event_type: str,
        job_id: str,
        attempt: int,
        status_code: int | None,
        error: str | None,
        duration_ms: int,
    ) -> None:
        """Log one attempt."""
        row = WebhookDeliveryAttempt(
            endpoint_id=endpoint_id,
            message_id=message_id,
            event_type=event_type,
            job_id=job_id,
            attempt=attempt,
            status_code=status_code,
            error=None if error is None else error[:_MAX_ERROR_LENGTH],
            duration_ms=duration_ms,
            created_at=self._clock(),
        )
        with Session(self._engine) as session:
            session.add(row)
            session.commit()

    def deliveries(self, endpoint_id: str, limit: int = RECENT_DELIVERIES) -> list[DeliveryRecord]:
        """The endpoint's most recent attempts, newest first."""
        query = (
            select(WebhookDeliveryAttempt)
            .where(WebhookDeliveryAttempt.endpoint_id == endpoint_id)
            .order_by(col(WebhookDeliveryAttempt.id).desc())
            .limit(limit)
        )
        with Session(self._reader) as session:
            return [_record(row) for row in session.exec(query)]


def _live(session: Session, account_id: str, endpoint_id: str) -> WebhookEndpoint | None:
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.account_id != account_id or endpoint.deleted_at is not None:
        return None
    return endpoint


def _info(endpoint: WebhookEndpoint) -> EndpointInfo:
    expires = endpoint.previous_secret_expires_at
    return EndpointInfo(
        id=endpoint.id,
        account_id=endpoint.account_id,
        url=endpoint.url,
        events=tuple(endpoint.events.split(",")),
        description=endpoint.description,
        created_at=as_utc(endpoint.created_at),
        previous_secret_expires_at=None if expires is None else as_utc(expires),
    )


def _record(row: WebhookDeliveryAttempt) -> DeliveryRecord:
    return DeliveryRecord(
        endpoint_id=row.endpoint_id,
        message_id=row.message_id,
        event_type=row.event_type,
        job_id=row.job_id,
        attempt=row.attempt,
        status_code=row.status_code,
        error=row.error,
        duration_ms=row.duration_ms,
        created_at=as_utc(row.created_at),
    )
