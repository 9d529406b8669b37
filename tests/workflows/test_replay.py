"""Recorded histories must replay on the current workflow code, or running jobs would break.

The histories in tests/histories/ were recorded from real jobs by scripts/record_histories.py.
A failure here means a change to GenerateCreativesWorkflow is not deterministic for jobs already
running: guard it with workflow.patched(), or wait until old jobs have closed and re-record.
ReconcileCreditsWorkflow's histories (tests/histories/reconcile_credits/) guard it the same way.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from temporalio import workflow
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from domain.jobs import ImageTask, JobInput, JobStatus, JobView
from infra.temporal import DATA_CONVERTER
from worker.main import WORKFLOW_RUNNER
from workflows.generate_creatives import GenerateCreativesWorkflow
from workflows.reconcile_credits import ReconcileCreditsWorkflow
from workflows.search_attributes import JOB_STATUS

ROOT = Path(__file__).resolve().parents[2]
HISTORIES = ROOT / "tests" / "histories"
RECORD_SCRIPT = ROOT / "scripts" / "record_histories.py"
RECORD_COMMAND = ".venv/bin/python scripts/record_histories.py"
LOCAL_PREFIX = "local_images_"

# Every scenario the workflow must keep replaying, and how its recorded job ended: jobs whose
# images ran as regular activities (started before LOCAL_IMAGES_PATCH)...
REGULAR_ACTIVITY_SCENARIOS = {
    "completed": JobStatus.COMPLETED,
    "partial": JobStatus.PARTIAL,
    "retried": JobStatus.COMPLETED,
    "failed_compensated": JobStatus.FAILED,
    "canceled_in_flight": JobStatus.PARTIAL,
}
# ...and jobs on the current path, which the recording script records.
LOCAL_ACTIVITY_SCENARIOS = {
    f"{LOCAL_PREFIX}{name}": status
    for name, status in [
        *REGULAR_ACTIVITY_SCENARIOS.items(),
        ("webhook_completed", JobStatus.COMPLETED),
    ]
}
SCENARIOS = REGULAR_ACTIVITY_SCENARIOS | LOCAL_ACTIVITY_SCENARIOS
RECORDED = sorted({path.stem for path in HISTORIES.glob("*.json")} | set(SCENARIOS))


def load_history(name: str) -> WorkflowHistory:
    path = HISTORIES / f"{name}.json"
    assert path.is_file(), f"{path} is missing; record it with `{RECORD_COMMAND}`"
    return WorkflowHistory.from_json(path.stem, path.read_text())


def replayer(*workflows: type) -> Replayer:
    """A replayer configured as our worker is: same data converter, same sandbox."""
    return Replayer(
        workflows=list(workflows), data_converter=DATA_CONVERTER, workflow_runner=WORKFLOW_RUNNER
    )


def test_a_history_is_recorded_for_every_scenario():
    recorded = {path.stem for path in HISTORIES.glob("*.json")}
    missing = sorted(set(SCENARIOS) - recorded)
    assert not missing, f"histories missing: {missing}; record them with `{RECORD_COMMAND}`"


@pytest.mark.parametrize("name", RECORDED)
async def test_recorded_history_replays_on_the_current_workflow(name: str):
    result = await replayer(GenerateCreativesWorkflow).replay_workflow(
        load_history(name), raise_on_replay_failure=False
    )

    assert result.replay_failure is None, f"{name}.json no longer replays: {result.replay_failure}"


@pytest.mark.parametrize("name", SCENARIOS)
async def test_recorded_history_ended_as_its_scenario_says(name: str):
    events = load_history(name).events
    completed = events[-1]
    assert completed.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED
    payloads = completed.workflow_execution_completed_event_attributes.result.payloads
    [view] = await DATA_CONVERTER.decode(payloads, [JobView])

    assert view.status is SCENARIOS[name]
    attempts = [
        event.activity_task_started_event_attributes.attempt
        for event in events
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED
    ] + [marker["attempt"] for marker in local_activity_markers(events)]
    cancel_requested = any(
        event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED
        for event in events
    )
    scenario = name.removeprefix(LOCAL_PREFIX)
    assert (max(attempts) > 1) == (scenario == "retried")
    assert cancel_requested == (scenario == "canceled_in_flight")
    if scenario in ("partial", "failed_compensated", "canceled_in_flight"):
        assert view.failures, "a failure scenario without failed images covers nothing"


def local_activity_markers(events: Sequence[HistoryEvent]) -> list[dict[str, Any]]:
    """What core recorded of each local activity: its type, attempt, ..."""
    markers = []
    for event in events:
        attributes = event.marker_recorded_event_attributes
        if (
            event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
            and attributes.marker_name == "core_local_activity"
        ):
            markers.append(json.loads(attributes.details["data"].payloads[0].data))
    return markers


def event_count(events: Sequence[HistoryEvent], event_type: EventType.ValueType) -> int:
    return sum(event.event_type == event_type for event in events)


@pytest.mark.parametrize("name", LOCAL_ACTIVITY_SCENARIOS)
def test_a_current_job_costs_no_activity_task_and_writes_its_status_once(name: str):
    events = load_history(name).events
    requested = {"completed": 3, "partial": 3, "retried": 2, "failed_compensated": 2}
    images = requested.get(name.removeprefix(LOCAL_PREFIX))

    assert event_count(events, EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) == 0
    status_writes = [
        event
        for event in events
        if event.event_type == EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES
        and "JobStatus"
        in event.upsert_workflow_search_attributes_event_attributes.search_attributes.indexed_fields
    ]
    assert len(status_writes) == 1, "the start request wrote queued; the end writes the rest"
    markers = local_activity_markers(events)
    assert [m["activity_type"] for m in markers].count("finish_job") == 1
    if images is not None:
        # A retry after its backoff timer is a new marker with the next attempt number.
        first_attempts = [
            m for m in markers if m["activity_type"] == "produce_image" and m["attempt"] == 1
        ]
        assert len(first_attempts) == images, "each image is one local activity and its retries"
    # Operators still read what each image was in the UI: the marker carries its summary.
    summaries = [
        event.user_metadata.summary.data
        for event in events
        if event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
        and event.user_metadata.HasField("summary")
    ]
    assert any(b"image 1/" in summary for summary in summaries)
    child_started = event_count(
        events, EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED
    )
    assert child_started == (name == f"{LOCAL_PREFIX}webhook_completed")


def test_the_recording_script_still_records_every_scenario(tmp_path: Path):
    """The next workflow change needs new histories: the script must keep working."""
    # The script checks each job's outcome (status, failure codes, credits) before saving it.
    finished = subprocess.run(
        [sys.executable, str(RECORD_SCRIPT), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=240,
    )

    assert finished.returncode == 0, finished.stderr[-4000:]
    assert {path.stem for path in tmp_path.glob("*.json")} == set(LOCAL_ACTIVITY_SCENARIOS)


RECONCILE_HISTORIES = HISTORIES / "reconcile_credits"


def load_sweep(path: Path) -> WorkflowHistory:
    return WorkflowHistory.from_json(path.stem, path.read_text())


@pytest.mark.parametrize("path", sorted(RECONCILE_HISTORIES.glob("*.json")), ids=lambda p: p.stem)
async def test_recorded_sweep_replays_on_the_current_reconcile_workflow(path: Path):
    result = await replayer(ReconcileCreditsWorkflow).replay_workflow(
        load_sweep(path), raise_on_replay_failure=False
    )

    assert result.replay_failure is None, f"{path.name} no longer replays: {result.replay_failure}"


def test_the_recording_script_still_records_a_sweep(tmp_path: Path):
    finished = subprocess.run(
        [sys.executable, str(RECORD_SCRIPT), "--reconcile-credits", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=240,
    )

    assert finished.returncode == 0, finished.stderr[-4000:]
    recorded = tmp_path / "reconcile_credits" / "swept.json"
    assert recorded.is_file()
    events = load_sweep(recorded).events
    assert events[-1].event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED


# Deliberately altered copies of the workflow, registered under its name, prove the replayer
# catches the two classic mistakes. Unsandboxed: they live in this test module.


@workflow.defn(name="GenerateCreativesWorkflow", sandboxed=False)
class OneImageAtATime:
    """The job's images produced one after the other instead of all at once."""

    @workflow.run
    async def run(self, job: JobInput) -> None:
        workflow.upsert_search_attributes([JOB_STATUS.value_set(JobStatus.PROCESSING.value)])
        for image in job.images:
            await produce(job, image.index, image.format, "produce_image")


@workflow.defn(name="GenerateCreativesWorkflow", sandboxed=False)
class RenamedActivity:
    """The image activity renamed, which running jobs never scheduled."""

    @workflow.run
    async def run(self, job: JobInput) -> None:
        workflow.upsert_search_attributes([JOB_STATUS.value_set(JobStatus.PROCESSING.value)])
        await asyncio.gather(
            *(produce(job, image.index, image.format, "render_image") for image in job.images)
        )


async def produce(job: JobInput, index: int, format_code: str, activity: str) -> None:
    task = ImageTask(job.job_id, job.account_id, index, format_code, job.claim, job.language, "")
    await workflow.execute_activity(activity, task, start_to_close_timeout=timedelta(seconds=30))


@pytest.mark.parametrize(
    ("altered", "reason"),
    [
        (OneImageAtATime, "No command scheduled for event"),
        (RenamedActivity, "does not match activity type of activity command 'render_image'"),
    ],
    ids=["one_image_at_a_time", "renamed_activity"],
)
async def test_replay_fails_when_the_workflow_changes_what_it_schedules(altered: type, reason: str):
    result = await replayer(altered).replay_workflow(
        load_history("completed"), raise_on_replay_failure=False
    )

    assert isinstance(result.replay_failure, workflow.NondeterminismError), result.replay_failure
    assert reason in str(result.replay_failure)
