"""SQLModel tables of webhooks: the endpoints an account registered and every delivery attempt."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, String
from sqlmodel import Field, SQLModel


class WebhookEndpoint(SQLModel, table=True):
    """Where an account wants job events; the secret is kept in clear because it signs."""

    __tablename__ = "webhook_endpoints"

    id: str = Field(primary_key=True, sa_type=String(40))
    account_id: str = Field(foreign_key="accounts.id", index=True, sa_type=String(40))
    url: str = Field(sa_type=String(2048))
    events: str = Field(sa_type=String(200))  # comma-separated event names
    description: str | None = Field(default=None, sa_type=String(200))
    secret: str = Field(sa_type=String(100))
    # After a rotation the old secret keeps signing until this moment.
    previous_secret: str | None = Field(default=None, sa_type=String(100))
    previous_secret_expires_at: datetime | None = Field(
        default=None, sa_type=DateTime(timezone=True)
    )
    created_at: datetime = Field(sa_type=DateTime(timezone=True))
    # Deleted endpoints stay for their delivery log, but never receive anything again.
    deleted_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class WebhookDeliveryAttempt(SQLModel, table=True):
    """One POST (or a refusal to POST) of one event to one endpoint."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_endpoint_created", "endpoint_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    endpoint_id: str = Field(foreign_key="webhook_endpoints.id", sa_type=String(40))
    message_id: str = Field(sa_type=String(80))
    event_type: str = Field(sa_type=String(40))
    job_id: str = Field(sa_type=String(64))
    attempt: int
    status_code: int | None = None
    error: str | None = Field(default=None, sa_type=String(300))
    duration_ms: int
    created_at: datetime = Field(sa_type=DateTime(timezone=True))
