"""The SDK's tests use the e2e session's real stack (Temporal dev server, API, worker)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from creative_saas_client import CreativeSaaS

from tests.e2e.conftest import stack, temporal_address
from tests.support.stack import Stack

__all__ = ["account", "stack", "temporal_address"]


@pytest.fixture
def account(stack: Stack) -> tuple[str, str]:
    """A fresh account with 20 credits: (account_id, api_key)."""
    stack.assert_running()
    return stack.create_account(credits=20)


@pytest.fixture
def client(stack: Stack, account: tuple[str, str]) -> Iterator[CreativeSaaS]:
    """A sync SDK client on the stack with the fresh account's key."""
    with CreativeSaaS(account[1], base_url=stack.base_url) as sdk:
        yield sdk
