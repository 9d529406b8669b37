"""Return the credits still held by jobs whose workflow closed without returning them, and stop
counting those jobs as active.

A workflow that is terminated, times out or is reset away never runs its `release_credit`
compensation nor its last step, so the credits its images reserved would stay held and the job
would count against the plan's limit forever. Only a closed (or forgotten, past retention)
workflow's credits are returned and its job ended: a running one's image may still capture
them. A late capture by an image still rendering for a closed workflow is harmless, as
`capture` only moves held credits.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from itertools import groupby

from temporalio import activity
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from domain.jobs import job_workflow_id, legacy_job_workflow_id
from infra.job_registry import JobRegistry
from infra.ledger import CreditLedger, Reservation, ReservationState
from infra.logging import log_context
from infra.models import utc_now

log = logging.getLogger(__name__)

CLOSED = frozenset(
    {
        WorkflowExecutionStatus.COMPLETED,
        WorkflowExecutionStatus.FAILED,
        WorkflowExecutionStatus.CANCELED,
        WorkflowExecutionStatus.TERMINATED,
        WorkflowExecutionStatus.TIMED_OUT,
    }
)


async def release_credits_of_closed_jobs(
    client: Client,
    ledger: CreditLedger,
    *,
    older_than: timedelta,
    registry: JobRegistry | None = None,
) -> list[Reservation]:
    """Release every credit held longer than `older_than` by a job whose workflow is closed, and
    end the registry's jobs started longer ago than that whose workflow is closed.

    The registry defaults to the one in the ledger's database. Only jobs older than
    `older_than` are described, one call each: the open ones are a few per account at most.
    """
    registry = registry if registry is not None else JobRegistry(ledger.engine)
    # A mistyped namespace would make every workflow "not found": fail instead of releasing.
    await client.workflow_service.describe_namespace(
        DescribeNamespaceRequest(namespace=client.namespace)
    )
    cutoff = utc_now() - older_than
    held = await asyncio.to_thread(ledger.held_before, cutoff)
    closed: dict[str, str | None] = {}
    released: list[Reservation] = []
    for job_id, grouped in groupby(held, key=lambda reservation: reservation.job_id):
        reservations = list(grouped)
        account_id = reservations[0].account_id
        closed[job_id] = closed_as = await _closed_status(client, account_id, job_id)
        if closed_as is None:
            continue
        for reservation in reservations:
            returned = await asyncio.to_thread(
                ledger.release, job_id=job_id, index=reservation.index
            )
            if returned is None or returned.state is not ReservationState.RELEASED:
                continue  # captured meanwhile by an image that was still finishing
            with log_context(job_id=job_id, account_id=returned.account_id):
                log.info(
                    "released the credit of image %d of job %s: its workflow is %s",
                    returned.index,
                    job_id,
                    closed_as,
                )
            released.append(returned)
    # Read after the releases: a job whose credits just came back is among these rows too.
    for job_id, account_id in await asyncio.to_thread(registry.open_before, cutoff):
        if job_id in closed:
            closed_as = closed[job_id]
        else:
            closed_as = await _closed_status(client, account_id, job_id)
        if closed_as is None:
            continue
        await asyncio.to_thread(registry.ended, job_id)
        with log_context(job_id=job_id):
            log.info("job %s no longer counts as active: its workflow is %s", job_id, closed_as)
    return released


async def _closed_status(client: Client, account_id: str, job_id: str) -> str | None:
    """How the job's workflow ended ("not found" past retention); None while it may still run.

    Jobs started before workflow IDs named the account are found under their old ID."""
    for workflow_id in (job_workflow_id(account_id, job_id), legacy_job_workflow_id(job_id)):
        try:
            description = await client.get_workflow_handle(workflow_id).describe()
            break
        except RPCError as error:
            if error.status != RPCStatusCode.NOT_FOUND:
                raise
    else:
        return "not found"
    status = description.status
    return status.name.lower() if status in CLOSED and status is not None else None


class CreditReconciliation:
    """The reconciler as an activity, so a Temporal Schedule runs it and the UI shows each run."""

    def __init__(
        self, client: Client, ledger: CreditLedger, registry: JobRegistry | None = None
    ) -> None:
        self._client = client
        self._ledger = ledger
        self._registry = registry

    @activity.defn(name="release_credits_of_closed_jobs")
    async def release(self, older_than_minutes: int) -> int:
        """Release what closed jobs still hold and end their jobs; how many credits came back."""
        released = await release_credits_of_closed_jobs(
            self._client,
            self._ledger,
            older_than=timedelta(minutes=older_than_minutes),
            registry=self._registry,
        )
        return len(released)
