"""Accounts and their API keys: keys are shown once, stored as hashes, checked in constant time."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, or_, update
from sqlmodel import Session, col, select

from domain.errors import KeyLimitReached, NotFound, Unauthorized
from domain.plans import DEFAULT_PLAN, PLANS
from infra.db import read_only
from infra.models import Account, ApiKey, as_utc, utc_now

KEY_PREFIX = "cs_live_"
DISPLAY_PREFIX_LENGTH = 12
# Polling clients authenticate on every request; writing last_used_at at most once a minute
# per key keeps those reads from turning into a write each (and a SQLite write lock).
LAST_USED_RESOLUTION = timedelta(seconds=60)
UNAUTHORIZED_DETAIL = "missing, invalid or revoked API key"
# Active (unrevoked) keys one account may hold: enough for every tool and teammate, few enough
# that a leaked session cannot mint keys without end.
MAX_ACTIVE_KEYS = 25
_WELL_FORMED_KEY = re.compile(r"cs_live_[A-Za-z0-9_-]{32,128}")


@dataclass(frozen=True)
class AccountInfo:
    id: str
    name: str
    plan: str
    created_at: datetime


@dataclass(frozen=True)
class ApiKeyInfo:
    id: str
    account_id: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def hash_key(raw_key: str) -> str:
    """SHA-256 is enough here: keys carry >= 190 random bits, so there is nothing to brute-force."""
    return hashlib.sha256(raw_key.encode()).hexdigest()


class AccountService:
    """Creates accounts and keys, and turns a presented key into its account."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utc_now) -> None:
        self._engine = engine
        self._reader = read_only(engine)
        self._clock = lambda: as_utc(clock())

    def _session(self) -> Session:
        return Session(self._engine, expire_on_commit=False)

    def create_account(self, name: str, plan: str = DEFAULT_PLAN) -> AccountInfo:
        """Create an account with no credits; unknown plan -> ValueError."""
        if plan not in PLANS:
            raise ValueError(f"unknown plan {plan!r}; choose one of {', '.join(PLANS)}")
        account = Account(
            id=f"acct_{secrets.token_hex(12)}", name=name, plan=plan, created_at=self._clock()
        )
        with self._session() as session:
            session.add(account)
            session.commit()
        return _account_info(account)

    def get_account(self, account_id: str) -> AccountInfo | None:
        """The account, or None when it does not exist."""
        with Session(self._reader, expire_on_commit=False) as session:
            account = session.get(Account, account_id)
        return None if account is None else _account_info(account)

    def list_accounts(self) -> list[AccountInfo]:
        """Every account, oldest first."""
        query = select(Account).order_by(col(Account.created_at), col(Account.id))
        with Session(self._reader, expire_on_commit=False) as session:
            return [_account_info(account) for account in session.exec(query)]

    def get_key(self, key_id: str) -> ApiKeyInfo | None:
        """The key (revoked or not), or None when there is no such key."""
        with Session(self._reader, expire_on_commit=False) as session:
            key = session.get(ApiKey, key_id)
        return None if key is None else _key_info(key)

    def create_key(self, account_id: str) -> tuple[ApiKeyInfo, str]:
        """Create a key; the secret is returned here once and never stored.

        Refused (KeyLimitReached) when the account already holds MAX_ACTIVE_KEYS active keys.
        Two creations racing for the last slot may both pass: a bound against abuse, not a quota
        to the unit."""
        secret = KEY_PREFIX + secrets.token_urlsafe(32)
        key = ApiKey(
            id=f"key_{secrets.token_hex(12)}",
            account_id=account_id,
            key_hash=hash_key(secret),
            prefix=secret[:DISPLAY_PREFIX_LENGTH],
            created_at=self._clock(),
        )
        with self._session() as session:
            if session.get(Account, account_id) is None:
                raise NotFound(f"unknown account {account_id}")
            active = session.exec(
                select(func.count())
                .select_from(ApiKey)
                .where(ApiKey.account_id == account_id)
                .where(col(ApiKey.revoked_at).is_(None))
            ).one()
            if active >= MAX_ACTIVE_KEYS:
                raise KeyLimitReached(
                    f"an account holds at most {MAX_ACTIVE_KEYS} active API keys and this one "
                    f"has {active}; revoke one you no longer use first"
                )
            session.add(key)
            session.commit()
        return _key_info(key), secret

    def list_keys(self, account_id: str) -> list[ApiKeyInfo]:
        """The account's keys, oldest first, revoked ones included."""
        query = (
            select(ApiKey)
            .where(ApiKey.account_id == account_id)
            .order_by(col(ApiKey.created_at), col(ApiKey.id))
        )
        with self._session() as session:
            return [_key_info(key) for key in session.exec(query)]

    def revoke_key(self, key_id: str, account_id: str | None = None) -> bool:
        """Revoke a key (of account_id, when given); False when there is no such key."""
        with self._session() as session:
            key = session.get(ApiKey, key_id)
            if key is None or (account_id is not None and key.account_id != account_id):
                return False
            if key.revoked_at is None:
                key.revoked_at = self._clock()
                session.commit()
        return True

    def authenticate(self, raw_key: str | None) -> AccountInfo:
        """The account owning raw_key; one Unauthorized for missing, malformed, unknown, revoked."""
        if not raw_key or not _WELL_FORMED_KEY.fullmatch(raw_key):
            raise Unauthorized(UNAUTHORIZED_DETAIL)
        presented_hash = hash_key(raw_key)
        query = (
            select(ApiKey, Account)
            .join(Account, col(Account.id) == col(ApiKey.account_id))
            .where(ApiKey.key_hash == presented_hash)
        )
        with Session(self._reader, expire_on_commit=False) as session:
            row = session.exec(query).first()
        if row is None:
            raise Unauthorized(UNAUTHORIZED_DETAIL)
        key, account = row
        if key.revoked_at is not None or not hmac.compare_digest(key.key_hash, presented_hash):
            raise Unauthorized(UNAUTHORIZED_DETAIL)
        self._touch(key)
        return _account_info(account)

    def _touch(self, key: ApiKey) -> None:
        now = self._clock()
        if key.last_used_at is not None and now - as_utc(key.last_used_at) < LAST_USED_RESOLUTION:
            return
        with self._session() as session:  # a write: its own transaction, rarely
            session.execute(
                update(ApiKey)
                .where(col(ApiKey.id) == key.id)
                .where(
                    or_(
                        col(ApiKey.last_used_at).is_(None),
                        col(ApiKey.last_used_at) < now - LAST_USED_RESOLUTION,
                    )
                )
                .values(last_used_at=now)
                .execution_options(synchronize_session=False)
            )
            session.commit()


def _account_info(account: Account) -> AccountInfo:
    return AccountInfo(
        id=account.id, name=account.name, plan=account.plan, created_at=as_utc(account.created_at)
    )


def _key_info(key: ApiKey) -> ApiKeyInfo:
    return ApiKeyInfo(
        id=key.id,
        account_id=key.account_id,
        prefix=key.prefix,
        created_at=as_utc(key.created_at),
        last_used_at=None if key.last_used_at is None else as_utc(key.last_used_at),
        revoked_at=None if key.revoked_at is None else as_utc(key.revoked_at),
    )
