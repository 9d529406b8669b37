"""One real stack for the whole e2e session: Temporal dev server, API and worker subprocesses.

Tests create their own accounts (`stack.create_account`), so they stay independent of each other
and of their order, and share the stack's start-up cost.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from tests.support.stack import Stack


@pytest.fixture(scope="session")
def temporal_address(dev_server_env: WorkflowEnvironment) -> str:
    return str(dev_server_env.client.service_client.config.target_host)


@pytest.fixture(scope="session")
def stack(temporal_address: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The API and a worker started through `creative-saas api|worker`, torn down at the end."""
    with Stack(temporal_address, tmp_path_factory.mktemp("e2e-stack")) as running:
        yield running


@pytest.fixture
async def http(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """A plain HTTP client on the stack's API (no key; tests pass their own headers)."""
    stack.assert_running()  # an earlier test's crash shows here with logs, not as odd failures
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as client:
        yield client


@pytest.fixture(scope="session")
def temporal_client(dev_server_env: WorkflowEnvironment) -> Client:
    """A client on the stack's Temporal server, for what operators see (visibility, describe)."""
    return dev_server_env.client
