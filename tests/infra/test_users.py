"""Web app users on SQLite and PostgreSQL: sign-up grants, unique addresses, sessions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy
from argon2 import PasswordHasher

from infra.accounts import AccountService
from infra.ledger import CreditLedger
from infra.users import SESSION_LIFETIME, EmailTaken, UserService

PASSWORD = "a long enough password"
# Cheap parameters keep the tests quick; the product uses argon2-cffi's defaults.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_sign_up_creates_a_free_account_holding_the_starter_grant(
    engine: sqlalchemy.Engine,
) -> None:
    users = UserService(engine, FAST_HASHER)
    user = users.sign_up(" New@Example.COM ", PASSWORD, starter_credits=10)
    assert user.email == "new@example.com"
    account = AccountService(engine).get_account(user.account_id)
    assert account is not None and account.plan == "free"
    summary = CreditLedger(engine).summary(user.account_id)
    assert (summary.granted, summary.available, summary.held, summary.consumed) == (10, 10, 0, 0)


def test_one_address_is_one_user_whatever_its_case(engine: sqlalchemy.Engine) -> None:
    users = UserService(engine, FAST_HASHER)
    users.sign_up("same@example.com", PASSWORD, starter_credits=10)
    with pytest.raises(EmailTaken):
        users.sign_up("SAME@example.com", "another password", starter_credits=10)
    assert users.authenticate("Same@Example.com", PASSWORD) is not None
    assert users.authenticate("same@example.com", "another password") is None
    assert users.authenticate("other@example.com", PASSWORD) is None


def test_sessions_expire_and_end(engine: sqlalchemy.Engine) -> None:
    clock = Clock()
    users = UserService(engine, FAST_HASHER, clock=clock)
    user = users.sign_up("s@example.com", PASSWORD, starter_credits=0)
    token = users.start_session(user.id)
    signed_in = users.signed_in(token)
    assert signed_in is not None and signed_in.account.id == user.account_id
    clock.now += SESSION_LIFETIME + timedelta(seconds=1)
    assert users.signed_in(token) is None
    fresh = users.start_session(user.id)
    users.end_session(fresh)
    assert users.signed_in(fresh) is None
    assert users.signed_in("not a token") is None


def test_a_new_password_ends_every_session(engine: sqlalchemy.Engine) -> None:
    users = UserService(engine, FAST_HASHER)
    user = users.sign_up("r@example.com", PASSWORD, starter_credits=0)
    token = users.start_session(user.id)
    users.reset_password("r@example.com", "a brand new password")
    assert users.signed_in(token) is None
    assert users.authenticate("r@example.com", "a brand new password") is not None
