"""People of the web app: sign-up (a new free account with starter credits), log-in, sessions.

Passwords are argon2id hashes (argon2-cffi). Session tokens are random and shown only to the
browser; the database keeps their SHA-256, like API keys.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from domain.errors import NotFound
from domain.plans import DEFAULT_PLAN
from infra.accounts import AccountInfo
from infra.db import read_only
from infra.models import Account, CreditGrant, as_utc, utc_now
from infra.web_models import User, WebSession

MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 256
MAX_EMAIL_CHARS = 254
SESSION_LIFETIME = timedelta(days=14)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


class EmailTaken(Exception):
    """Sign-up with an address that already has a user."""


@dataclass(frozen=True)
class UserInfo:
    id: str
    email: str
    account_id: str


@dataclass(frozen=True)
class SignedIn:
    """The user behind a session cookie, with their account."""

    user: UserInfo
    account: AccountInfo


def normalize_email(email: str) -> str:
    return email.strip().lower()


def email_problem(email: str) -> str | None:
    """Why an address cannot be used, in words; None when it can."""
    if not email:
        return "Enter your email address."
    if len(email) > MAX_EMAIL_CHARS or not _EMAIL.fullmatch(email):
        return "Enter an email address like name@example.com."
    return None


def password_problem(password: str) -> str | None:
    """Why a new password is refused, in words; None when it is fine."""
    if len(password) < MIN_PASSWORD_CHARS:
        return f"Use at least {MIN_PASSWORD_CHARS} characters."
    if len(password) > MAX_PASSWORD_CHARS:
        return f"Use at most {MAX_PASSWORD_CHARS} characters."
    return None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class UserService:
    """Users, their sessions and the jobs they start, over the app's database."""

    def __init__(
        self,
        engine: Engine,
        hasher: PasswordHasher | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._engine = engine
        self._reader = read_only(engine)
        self._hasher = hasher or PasswordHasher()
        self._clock = lambda: as_utc(clock())
        self._dummy: str | None = None

    def _dummy_hash(self) -> str:
        """Verified against when an address is unknown, so both answers take as long."""
        if self._dummy is None:
            self._dummy = self._hasher.hash(secrets.token_urlsafe(16))
        return self._dummy

    def _session(self) -> Session:
        return Session(self._engine, expire_on_commit=False)

    def sign_up(self, email: str, password: str, starter_credits: int) -> UserInfo:
        """A new user in a new free-plan account holding `starter_credits`; raises EmailTaken."""
        email = normalize_email(email)
        # Checked before hashing, so a used address costs one argon2 verify in the caller and a
        # new one one hash: both answers take about as long (and no write lock is held to hash).
        with Session(self._reader) as session:
            if session.exec(select(User.id).where(User.email == email)).first() is not None:
                raise EmailTaken(email)
        password_hash = self._hasher.hash(password)
        now = self._clock()
        account = Account(
            id=f"acct_{secrets.token_hex(12)}",
            name=email,
            plan=DEFAULT_PLAN,
            available_credits=starter_credits,
            granted_credits=starter_credits,
            created_at=now,
        )
        user = User(
            id=f"user_{secrets.token_hex(12)}",
            email=email,
            password_hash=password_hash,
            account_id=account.id,
            created_at=now,
        )
        # One transaction: the account, its starter grant and the user exist together or not.
        with self._session() as session:
            if session.exec(select(User.id).where(User.email == email)).first() is not None:
                raise EmailTaken(email)
            session.add(account)
            session.flush()
            if starter_credits > 0:
                session.add(
                    CreditGrant(
                        account_id=account.id,
                        credits=starter_credits,
                        reason="starter credits",
                        created_at=now,
                    )
                )
            session.add(user)
            try:
                session.commit()
            except IntegrityError:  # a concurrent sign-up with the same address won
                raise EmailTaken(email) from None
        return _user_info(user)

    def create_user(self, email: str, password: str, account_id: str) -> UserInfo:
        """A user in an existing account (operators, the demo); raises EmailTaken or NotFound."""
        email = normalize_email(email)
        user = User(
            id=f"user_{secrets.token_hex(12)}",
            email=email,
            password_hash=self._hasher.hash(password),
            account_id=account_id,
            created_at=self._clock(),
        )
        with self._session() as session:
            if session.get(Account, account_id) is None:
                raise NotFound(f"unknown account {account_id}")
            if session.exec(select(User.id).where(User.email == email)).first() is not None:
                raise EmailTaken(email)
            session.add(user)
            session.commit()
        return _user_info(user)

    def attach(self, email: str, account_id: str) -> UserInfo:
        """Move an existing user to another existing account; raises NotFound for either."""
        with self._session() as session:
            if session.get(Account, account_id) is None:
                raise NotFound(f"unknown account {account_id}")
            user = session.exec(select(User).where(User.email == normalize_email(email))).first()
            if user is None:
                raise NotFound(f"no user with email {normalize_email(email)}")
            user.account_id = account_id
            session.add(user)
            session.commit()
            return _user_info(user)

    def reset_password(self, email: str, password: str) -> None:
        """Set a user's password (operators, the dev stack's demo user); ends their sessions."""
        with self._session() as session:
            user = session.exec(select(User).where(User.email == normalize_email(email))).first()
            if user is None:
                raise NotFound(f"no user with email {normalize_email(email)}")
            user.password_hash = self._hasher.hash(password)
            session.execute(delete(WebSession).where(col(WebSession.user_id) == user.id))
            session.commit()

    def authenticate(self, email: str, password: str) -> UserInfo | None:
        """The user when the password is right; None otherwise, in about the same time."""
        email = normalize_email(email)
        with Session(self._reader, expire_on_commit=False) as session:
            user = session.exec(select(User).where(User.email == email)).first()
        try:
            self._hasher.verify(user.password_hash if user else self._dummy_hash(), password)
        except (VerificationError, InvalidHashError):
            return None
        if user is None:
            return None
        if self._hasher.check_needs_rehash(user.password_hash):
            with self._session() as session:
                stored = session.get(User, user.id)
                if stored is not None:
                    stored.password_hash = self._hasher.hash(password)
                    session.commit()
        return _user_info(user)

    def start_session(self, user_id: str, replacing: str | None = None) -> str:
        """A new session token for the user; the session it replaces (if any) ends."""
        token = secrets.token_urlsafe(32)
        now = self._clock()
        with self._session() as session:
            if replacing:
                session.execute(
                    delete(WebSession).where(col(WebSession.token_hash) == _token_hash(replacing))
                )
            # Expired sessions are only tidied here, per user, so the table never outgrows use.
            session.execute(
                delete(WebSession)
                .where(col(WebSession.user_id) == user_id)
                .where(col(WebSession.expires_at) <= now)
            )
            session.add(
                WebSession(
                    token_hash=_token_hash(token),
                    user_id=user_id,
                    created_at=now,
                    expires_at=now + SESSION_LIFETIME,
                )
            )
            session.commit()
        return token

    def signed_in(self, token: str | None) -> SignedIn | None:
        """The user and account of a live session token; None when unknown or expired."""
        if not token or len(token) > 128:
            return None
        query = (
            select(WebSession, User, Account)
            .join(User, col(User.id) == col(WebSession.user_id))
            .join(Account, col(Account.id) == col(User.account_id))
            .where(WebSession.token_hash == _token_hash(token))
        )
        with Session(self._reader, expire_on_commit=False) as session:
            row = session.exec(query).first()
        if row is None:
            return None
        web_session, user, account = row
        if as_utc(web_session.expires_at) <= self._clock():
            return None
        return SignedIn(
            _user_info(user),
            AccountInfo(
                id=account.id,
                name=account.name,
                plan=account.plan,
                created_at=as_utc(account.created_at),
            ),
        )

    def end_session(self, token: str) -> None:
        with self._session() as session:
            session.execute(
                delete(WebSession).where(col(WebSession.token_hash) == _token_hash(token))
            )
            session.commit()


def _user_info(user: User) -> UserInfo:
    return UserInfo(id=user.id, email=user.email, account_id=user.account_id)
