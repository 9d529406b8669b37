"""The Temporal Schedule that sweeps up credits terminated jobs left held."""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

from workflows.reconcile_credits import ReconcileCreditsWorkflow

RECONCILE_SCHEDULE_ID = "reconcile-credits"


def reconcile_schedule(task_queue: str, every: timedelta, older_than: timedelta) -> Schedule:
    """Every `every`, one sweep; a sweep still running makes the next one skip."""
    return Schedule(
        action=ScheduleActionStartWorkflow(
            ReconcileCreditsWorkflow.run,
            int(older_than.total_seconds() // 60),
            id=RECONCILE_SCHEDULE_ID,
            task_queue=task_queue,
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=every)]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


async def ensure_reconcile_schedule(
    client: Client, *, task_queue: str, every: timedelta, older_than: timedelta
) -> None:
    """Create the schedule, or bring an existing one to these settings; every worker may call it."""
    schedule = reconcile_schedule(task_queue, every, older_than)
    try:
        await client.create_schedule(RECONCILE_SCHEDULE_ID, schedule)
    except ScheduleAlreadyRunningError:

        def replace(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=schedule)

        await client.get_schedule_handle(RECONCILE_SCHEDULE_ID).update(replace)
