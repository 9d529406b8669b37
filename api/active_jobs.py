"""The plans' limit on concurrently running jobs, counted in the job registry (infra.job_registry).

Consistency: the count is a soft throttle, not a hard guarantee, and deliberately so:
- two submissions racing each other both see the same count and both start, so an account can
  briefly run a job or two more than its plan allows; making it exact would mean holding a lock
  on the account across the workflow start, a call to another system that may take the API's
  whole timeout;
- a job is registered after Temporal accepted its workflow, so a crash in between (or a failed
  write, see `started`) leaves a job that runs uncounted;
- a workflow that closes without its last step (terminated, timed out) counts until the credit
  sweep finds it closed.
Credits - the real spending limit - are enforced exactly by the ledger, so none of this lets an
account spend more than it has. In exchange a POST reads one indexed count in our own database
instead of a visibility query to Temporal.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from domain.errors import TooManyActiveJobs
from domain.plans import DEFAULT_PLAN, PLANS, Plan
from infra.accounts import AccountService
from infra.job_registry import JobRegistry

log = logging.getLogger(__name__)

# About how long a small job runs; a client that waits this long usually finds a free slot.
RETRY_AFTER_SECONDS = 10


def plan_of(plan_name: str) -> Plan:
    """The named plan; an account on a plan that no longer exists gets the default one."""
    return PLANS.get(plan_name, PLANS[DEFAULT_PLAN])


class ActiveJobLimit:
    """Refuses a new job while the account's plan already has max_active_jobs running."""

    def __init__(self, registry: JobRegistry, accounts: AccountService) -> None:
        self._registry = registry
        self._accounts = accounts

    async def check(self, account_id: str) -> None:
        """Raise TooManyActiveJobs when the account has no free job slot."""
        plan, running = await run_in_threadpool(self._plan_and_running, account_id)
        if running >= plan.max_active_jobs:
            raise TooManyActiveJobs(
                f"the {plan.name} plan runs at most {plan.max_active_jobs} jobs at once and "
                f"{running} are running; retry when one has finished",
                retry_after_seconds=RETRY_AFTER_SECONDS,
            )

    async def started(self, account_id: str, job_id: str) -> None:
        """Count a job whose workflow Temporal accepted; repeating it changes nothing.

        A database failure here is logged, not raised: the job is running, and a 503 would make
        a client without an Idempotency-Key start it again. It runs uncounted (soft limit).
        """
        try:
            await run_in_threadpool(self._registry.started, account_id, job_id)
        except SQLAlchemyError as error:
            log.warning("job %s runs uncounted by the plan limit: %s", job_id, error)

    def _plan_and_running(self, account_id: str) -> tuple[Plan, int]:
        account = self._accounts.get_account(account_id)
        plan = plan_of(account.plan if account is not None else DEFAULT_PLAN)
        return plan, self._registry.active(account_id)
