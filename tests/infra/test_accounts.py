from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy

from domain.errors import NotFound, Unauthorized
from infra.accounts import AccountService


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def all_stored_text(engine: sqlalchemy.Engine) -> str:
    with engine.connect() as connection:
        rows = connection.execute(sqlalchemy.text("SELECT * FROM api_keys")).all()
    return repr(rows)


def test_account_round_trip(accounts: AccountService) -> None:
    created = accounts.create_account("Acme GmbH", plan="business")
    assert created.id.startswith("acct_")
    assert accounts.get_account(created.id) == created
    assert created.created_at.tzinfo is not None
    assert accounts.get_account("acct_missing") is None


def test_unknown_plan_is_rejected(accounts: AccountService) -> None:
    with pytest.raises(ValueError, match="unknown plan"):
        accounts.create_account("Acme", plan="platinum")


def test_key_is_returned_once_and_only_its_hash_is_stored(
    accounts: AccountService, engine: sqlalchemy.Engine
) -> None:
    account = accounts.create_account("Acme")
    info, secret = accounts.create_key(account.id)

    assert secret.startswith("cs_live_") and len(secret) >= 8 + 43
    assert info.prefix == secret[:12] and info.id.startswith("key_")
    stored = all_stored_text(engine)
    assert secret not in stored and secret[12:] not in stored
    assert hashlib.sha256(secret.encode()).hexdigest() in stored
    assert accounts.authenticate(secret) == account


def test_keys_are_unique(accounts: AccountService) -> None:
    account = accounts.create_account("Acme")
    secrets = {accounts.create_key(account.id)[1] for _ in range(5)}
    assert len(secrets) == 5
    assert len(accounts.list_keys(account.id)) == 5


def test_create_key_for_unknown_account(accounts: AccountService) -> None:
    with pytest.raises(NotFound):
        accounts.create_key("acct_missing")


def test_revoked_key_fails_on_the_next_request(accounts: AccountService) -> None:
    account = accounts.create_account("Acme")
    key, secret = accounts.create_key(account.id)
    _, other_secret = accounts.create_key(account.id)
    accounts.authenticate(secret)

    assert accounts.revoke_key(key.id) is True
    with pytest.raises(Unauthorized):
        accounts.authenticate(secret)
    assert accounts.authenticate(other_secret) == account
    assert accounts.revoke_key(key.id) is True, "revoking twice is harmless"
    [revoked] = [k for k in accounts.list_keys(account.id) if k.id == key.id]
    assert revoked.revoked_at is not None


def test_revoke_is_scoped_to_the_account(accounts: AccountService) -> None:
    owner = accounts.create_account("Owner")
    intruder = accounts.create_account("Intruder")
    key, secret = accounts.create_key(owner.id)

    assert accounts.revoke_key(key.id, account_id=intruder.id) is False
    assert accounts.authenticate(secret) == owner
    assert accounts.revoke_key("key_missing") is False
    assert accounts.revoke_key(key.id, account_id=owner.id) is True


def test_every_bad_key_gets_the_same_answer(accounts: AccountService) -> None:
    account = accounts.create_account("Acme")
    key, revoked_secret = accounts.create_key(account.id)
    accounts.revoke_key(key.id)
    unknown = "cs_live_" + "A" * 43
    bad_keys = [None, "", "Bearer x", "cs_live_", "cs_test_" + "A" * 43, unknown + "\n", unknown]

    messages = set()
    for raw_key in [*bad_keys, revoked_secret]:
        with pytest.raises(Unauthorized) as caught:
            accounts.authenticate(raw_key)
        messages.add(caught.value.detail)
    assert len(messages) == 1


def test_last_used_is_recorded_at_most_once_a_minute(engine: sqlalchemy.Engine) -> None:
    clock = FakeClock()
    accounts = AccountService(engine, clock=clock)
    account = accounts.create_account("Acme")
    key, secret = accounts.create_key(account.id)
    assert accounts.list_keys(account.id)[0].last_used_at is None

    accounts.authenticate(secret)
    first_use = clock.now
    clock.now += timedelta(seconds=30)
    accounts.authenticate(secret)
    assert accounts.list_keys(account.id)[0].last_used_at == first_use

    clock.now += timedelta(seconds=31)
    accounts.authenticate(secret)
    assert accounts.list_keys(account.id)[0].last_used_at == clock.now
