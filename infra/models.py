"""SQLModel tables: accounts with their credit balance, API keys, grants, reservations and the
registry of jobs (what the plan limit counts)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import CheckConstraint, DateTime, Index, String, text
from sqlmodel import Field, SQLModel


def utc_now() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class Account(SQLModel, table=True):
    """A customer; the balance lives on this row so a reservation is one conditional UPDATE.

    held_credits moves in the same transactions as the reservations (see infra.ledger), so the
    balance is read from this row alone however many images the account has made; consumed is
    granted - available - held.
    """

    __tablename__ = "accounts"
    __table_args__ = (
        CheckConstraint("available_credits >= 0", name="ck_accounts_available_not_negative"),
        CheckConstraint("granted_credits >= 0", name="ck_accounts_granted_not_negative"),
        CheckConstraint("held_credits >= 0", name="ck_accounts_held_not_negative"),
    )

    id: str = Field(primary_key=True, sa_type=String(40))
    name: str = Field(sa_type=String(200))
    plan: str = Field(sa_type=String(32))
    available_credits: int = 0
    granted_credits: int = 0
    held_credits: int = 0
    created_at: datetime = Field(sa_type=DateTime(timezone=True))


class ApiKey(SQLModel, table=True):
    """An API key, stored as a SHA-256 hash plus a short prefix for display."""

    __tablename__ = "api_keys"

    id: str = Field(primary_key=True, sa_type=String(40))
    account_id: str = Field(foreign_key="accounts.id", index=True, sa_type=String(40))
    key_hash: str = Field(unique=True, index=True, sa_type=String(64))
    prefix: str = Field(sa_type=String(16))
    created_at: datetime = Field(sa_type=DateTime(timezone=True))
    last_used_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    revoked_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class CreditGrant(SQLModel, table=True):
    """One grant of credits to an account (the audit trail behind granted_credits)."""

    __tablename__ = "credit_grants"
    __table_args__ = (CheckConstraint("credits > 0", name="ck_credit_grants_positive"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: str = Field(foreign_key="accounts.id", index=True, sa_type=String(40))
    credits: int
    reason: str = Field(sa_type=String(200))
    created_at: datetime = Field(sa_type=DateTime(timezone=True))


class CreditReservation(SQLModel, table=True):
    """The credit of one image of one job: held while it renders, then captured or released."""

    __tablename__ = "credit_reservations"
    __table_args__ = (
        Index("ix_credit_reservations_account_state", "account_id", "state"),
        # The credit sweep asks for credits held since before a cutoff. Partial: only the
        # credits in flight, so it stays small, and SQLite (no statistics) never prefers it to
        # the primary key for other states (captured_counts went from 1 ms to 600 ms at 1M).
        Index(
            "ix_credit_reservations_state_updated",
            "state",
            "updated_at",
            postgresql_where=text("state = 'held'"),
            sqlite_where=text("state = 'held'"),
        ),
    )

    job_id: str = Field(primary_key=True, sa_type=String(64))
    image_index: int = Field(primary_key=True)
    account_id: str = Field(foreign_key="accounts.id", sa_type=String(40))
    state: str = Field(sa_type=String(16))
    storage_key: str | None = Field(default=None, sa_type=String(512))
    created_at: datetime = Field(sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(sa_type=DateTime(timezone=True))


class JobRecord(SQLModel, table=True):
    """A job the API started, until it ended: what the plan's limit on active jobs counts.

    account_id stays empty when the job's end was recorded before its start (a fast job can
    finish before the API that started it gets to write this row).
    """

    __tablename__ = "job_registry"
    __table_args__ = (
        # Only the open rows: counting an account's active jobs stays cheap with any history.
        Index(
            "ix_job_registry_active",
            "account_id",
            postgresql_where=text("ended_at IS NULL"),
            sqlite_where=text("ended_at IS NULL"),
        ),
    )

    job_id: str = Field(primary_key=True, sa_type=String(64))
    account_id: str | None = Field(
        default=None, foreign_key="accounts.id", nullable=True, sa_type=String(40)
    )
    started_at: datetime = Field(sa_type=DateTime(timezone=True))
    ended_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    # Set by a cancel: from then on no image of the job reserves a credit (starts).
    canceled_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
