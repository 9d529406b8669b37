"""SQLModel tables of the web app: people who log in, their sessions (and retired web_jobs)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, String
from sqlmodel import Field, SQLModel


class User(SQLModel, table=True):
    """A person who logs in to the web app; every user belongs to exactly one account."""

    __tablename__ = "users"

    id: str = Field(primary_key=True, sa_type=String(40))
    # Stored lower-cased, so one address is one user whatever its spelling.
    email: str = Field(unique=True, index=True, sa_type=String(254))
    password_hash: str = Field(sa_type=String(255))
    account_id: str = Field(foreign_key="accounts.id", index=True, sa_type=String(40))
    created_at: datetime = Field(sa_type=DateTime(timezone=True))


class WebSession(SQLModel, table=True):
    """A logged-in browser: the cookie holds the token, the database only its SHA-256."""

    __tablename__ = "web_sessions"

    token_hash: str = Field(primary_key=True, sa_type=String(64))
    user_id: str = Field(foreign_key="users.id", index=True, sa_type=String(40))
    created_at: datetime = Field(sa_type=DateTime(timezone=True))
    expires_at: datetime = Field(sa_type=DateTime(timezone=True))


class WebJob(SQLModel, table=True):
    """Unused since the pages list jobs through `orchestrator.list_jobs` like the API: nothing
    writes or reads it; the model stays because migration 0002 (already chained) creates it."""

    __tablename__ = "web_jobs"
    __table_args__ = (Index("ix_web_jobs_account_created", "account_id", "created_at"),)

    job_id: str = Field(primary_key=True, sa_type=String(64))
    account_id: str = Field(foreign_key="accounts.id", sa_type=String(40))
    user_id: str = Field(foreign_key="users.id", sa_type=String(40))
    claim: str = Field(sa_type=String(400))
    language: str = Field(sa_type=String(8))
    count: int
    created_at: datetime = Field(sa_type=DateTime(timezone=True))
