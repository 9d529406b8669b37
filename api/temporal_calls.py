"""Calls to Temporal the job orchestrator shares: one error boundary, and history lookups."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowExecutionDescription, WorkflowExecutionStatus, WorkflowHandle
from temporalio.service import RPCError, RPCStatusCode

from domain.errors import ServiceUnavailable

RPC_TIMEOUT = timedelta(seconds=5)


class WorkflowNotFound(Exception):
    """Temporal has no such workflow (never started, or past retention)."""


@asynccontextmanager
async def temporal_errors() -> AsyncIterator[None]:
    """Translate Temporal's transport errors into our domain errors, in one place."""
    try:
        yield
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            raise WorkflowNotFound() from error
        raise ServiceUnavailable("the job service is unreachable; retrying is safe") from error
    except RuntimeError as error:
        # A lazy client that cannot connect raises a bare RuntimeError ("Failed client connect").
        raise ServiceUnavailable("the job service is unreachable; retrying is safe") from error


async def cancel_was_requested(
    handle: WorkflowHandle[Any, Any],
    description: WorkflowExecutionDescription,
) -> bool:
    """Whether anyone asked to cancel this closed job: then canceling again is a no-op."""
    if description.status == WorkflowExecutionStatus.CANCELED:
        return True
    async with temporal_errors():
        async for event in handle.fetch_history_events(rpc_timeout=RPC_TIMEOUT):
            if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED:
                return True
    return False
