"""GenerateCreativesWorkflow: one per job; one retried activity per image."""

from __future__ import annotations

import asyncio
from contextlib import nullcontext
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import (
    ActivityError,
    ApplicationError,
    CancelledError,
    FailureError,
    TimeoutError,
)
from temporalio.workflow import ActivityCancellationType

with workflow.unsafe.imports_passed_through():
    from domain.catalog import FORMATS
    from domain.contract import (
        CANCELED,
        FAILURE_CODES,
        FINISH_JOB,
        IMAGE_FAILED,
        PERMANENT_IMAGE_ERRORS,
        PRODUCE_IMAGE,
        RELEASE_CREDIT,
        TIMED_OUT,
        JobEnd,
        JobEnded,
    )
    from domain.jobs import (
        CreditRelease,
        ImageFailure,
        ImageProduced,
        ImageSpec,
        ImageTask,
        JobInput,
        JobStatus,
        JobView,
        final_status,
    )
    from workflows.search_attributes import JOB_STATUS

from workflows.deliver_job_events import WEBHOOKS_PATCH, announce_job_end

IMAGE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=30),
    maximum_attempts=5,
    non_retryable_error_types=PERMANENT_IMAGE_ERRORS,
)
# Compensation must eventually happen: retry it for as long as it takes.
RELEASE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1)
)
# Ending the job (registry, endpoint lookup) must happen too: the same policy.
FINISH_RETRY = RELEASE_RETRY

# A local activity runs inside a workflow task, which stays open (heartbeating every 80% of
# JOB_TASK_TIMEOUT) until its activities are done: a query or cancel is answered only at the
# task's end. Short tasks keep both prompt; retries wait on durable timers between tasks.
JOB_TASK_TIMEOUT = timedelta(seconds=2)
LOCAL_RETRY_THRESHOLD = timedelta(milliseconds=500)

IMAGE_TIMEOUT = timedelta(seconds=30)
RELEASE_TIMEOUT = timedelta(seconds=30)
FINISH_TIMEOUT = timedelta(seconds=30)

# Fairness: a 20-image job runs at most this many images at once, so it cannot fill a worker's
# activity slots and stall other tenants' jobs on the shared task queue. Images start in order.
MAX_IMAGES_IN_FLIGHT = 4
# Jobs started before this patch schedule every image at once; their histories replay unbounded.
BOUNDED_IMAGES_PATCH = "bounded-image-concurrency"
# A cancel waits for images already rendering, then asks the ledger how each one ended: an image
# captured as the cancel arrived was charged, so it is delivered, never listed as canceled.
# Jobs started before this patch returned credits without waiting; their histories replay so.
SETTLE_FROM_LEDGER_PATCH = "cancel-settles-images-from-the-ledger"
# Images and their compensation run as local activities (same retries, same idempotent steps,
# no activity task round trip through the server); JobStatus is written once, at the end (the
# start request wrote `queued`); the job ends with one `finish_job` local activity, and its
# event workflow starts only for an account with a webhook endpoint. Jobs started before this
# patch replay regular activities, the `processing` upsert and an event workflow for every job.
LOCAL_IMAGES_PATCH = "images-as-local-activities"


@workflow.defn
class GenerateCreativesWorkflow:
    """Produces every image of one job, returns the credit of each image that finally fails."""

    @workflow.init
    def __init__(self, job: JobInput) -> None:
        # Complete from the start: the `status` query and the result answer GET job alone.
        self._view = JobView(
            job_id=job.job_id,
            status=JobStatus.QUEUED,
            requested=len(job.images),
            created_at=workflow.info().workflow_start_time,
            metadata=workflow.memo_value("metadata", {}, type_hint=dict[str, str]),
            claim=job.claim,
            language=job.language,
        )
        self._images = {image.index: _image_summary(image, len(job.images)) for image in job.images}
        self._steps = dict.fromkeys(self._images, "waiting")
        self._slots: asyncio.Semaphore | None = None
        self._settle_from_ledger = False
        self._local = False

    @workflow.run
    async def run(self, job: JobInput) -> JobView:
        self._begin()
        try:
            # Saga: each image reserves, renders, uploads and captures its credit...
            await asyncio.gather(*(self._produce(job, image) for image in job.images))
        except asyncio.CancelledError:
            # ...a canceled job still ends: what never finished gives its credit back...
            await self._give_back_unfinished(job)
        # ...and the job's end is announced, even if a cancel arrives meanwhile.
        ending = asyncio.ensure_future(self._end(job))
        try:
            await asyncio.shield(ending)
        except asyncio.CancelledError:
            await ending
        return self._view

    @workflow.query
    def status(self) -> JobView:
        """The job as it stands: which images are produced, which failed."""
        return self._view

    def _begin(self) -> None:
        """Decide once, at the job's first step, which version of the workflow it runs."""
        self._local = workflow.patched(LOCAL_IMAGES_PATCH)
        self._view.status = JobStatus.PROCESSING
        if not self._local:
            self._write_status()  # the start request already wrote `queued` for newer jobs
        if workflow.patched(BOUNDED_IMAGES_PATCH):
            self._slots = asyncio.Semaphore(MAX_IMAGES_IN_FLIGHT)
        self._settle_from_ledger = workflow.patched(SETTLE_FROM_LEDGER_PATCH)
        self._show_steps()

    async def _end(self, job: JobInput) -> None:
        """Every image has ended: record the job's status, then tell whoever listens. A cancel
        arriving now has nothing left to stop: it must not turn a finished job into a canceled
        one."""
        self._view.produced.sort(key=lambda image: image.index)
        self._view.failures.sort(key=lambda failure: failure.index)
        self._view.status = final_status(len(self._view.produced), len(self._view.failures))
        self._write_status()
        if self._local:
            ended = await self._finish_job(job)
            if ended.has_webhook_endpoints:
                await announce_job_end(job.account_id, self._view)
        elif workflow.patched(WEBHOOKS_PATCH):
            await announce_job_end(job.account_id, self._view)
        self._show_steps()

    async def _produce(self, job: JobInput, image: ImageSpec) -> None:
        scheduled = False
        try:
            async with self._slots or nullcontext():
                scheduled = True
                self._step(image, "producing")
                produced = await self._produce_image(_image_task(job, image))
        except FailureError as error:
            # A regular activity fails with an ActivityError around the cause; a local one
            # with the cause itself (its last attempt's error, a timeout or the cancel).
            await self._settle(job, image, _failure(image, error))
            return
        except asyncio.CancelledError:
            if self._slots is None:
                raise  # jobs from before the patch end from run(), as their histories say
            if scheduled and self._settle_from_ledger:
                # Its attempt finished in the very activation that brought the cancel: only the
                # ledger knows whether it was captured.
                await self._settle(job, image, _canceled(image))
                return
            # Canceled while waiting for a slot, so its activity never ran and holds no credit.
            # Returning (not raising) keeps gather waiting for the images still running.
            self._fail(_canceled(image))
            return
        self._deliver(produced)

    async def _settle(self, job: JobInput, image: ImageSpec, failure: ImageFailure) -> None:
        """An image that did not come back produced: its credit returns, unless the ledger shows
        it captured (its last attempt stored it as it timed out or was canceled): then it was
        charged, so it is delivered and listed as produced."""
        self._step(image, "returning its credit")
        captured_key = await self._release_credit(job, image)
        if captured_key is None:
            self._fail(failure)
        else:
            self._deliver(ImageProduced(image.index, image.format, captured_key))

    async def _give_back_unfinished(self, job: JobInput) -> None:
        """A canceled job still ends: unfinished images fail as canceled, their credits return."""
        finished = {image.index for image in self._view.produced}
        finished |= {failure.index for failure in self._view.failures}
        for image in job.images:
            if image.index not in finished:
                await self._settle(job, image, _canceled(image))

    # The activities. Jobs from before LOCAL_IMAGES_PATCH replay them as regular activities.

    async def _produce_image(self, task: ImageTask) -> ImageProduced:
        options: dict[str, Any] = {
            "result_type": ImageProduced,
            "start_to_close_timeout": IMAGE_TIMEOUT,
            "retry_policy": IMAGE_RETRY,
            "cancellation_type": self._image_cancellation(),
            "summary": f"image {self._images[task.index]}",
        }
        if self._local:
            return await workflow.execute_local_activity(
                PRODUCE_IMAGE, task, local_retry_threshold=LOCAL_RETRY_THRESHOLD, **options
            )
        return await workflow.execute_activity(PRODUCE_IMAGE, task, **options)

    def _image_cancellation(self) -> ActivityCancellationType:
        if self._settle_from_ledger:
            return ActivityCancellationType.WAIT_CANCELLATION_COMPLETED
        return ActivityCancellationType.TRY_CANCEL

    async def _release_credit(self, job: JobInput, image: ImageSpec) -> str | None:
        """Return the image's credit; the storage key if it was captured instead (None before
        the compensation reported it: such histories recorded None)."""
        release = CreditRelease(job_id=job.job_id, account_id=job.account_id, index=image.index)
        options: dict[str, Any] = {
            "start_to_close_timeout": RELEASE_TIMEOUT,
            "retry_policy": RELEASE_RETRY,
            "summary": f"return the credit of image {image.index}",
        }
        if self._local:
            captured_key = await workflow.execute_local_activity(
                RELEASE_CREDIT, release, local_retry_threshold=LOCAL_RETRY_THRESHOLD, **options
            )
        else:
            captured_key = await workflow.execute_activity(RELEASE_CREDIT, release, **options)
        return captured_key if isinstance(captured_key, str) else None

    async def _finish_job(self, job: JobInput) -> JobEnded:
        return await workflow.execute_local_activity(
            FINISH_JOB,
            JobEnd(job_id=job.job_id, account_id=job.account_id),
            result_type=JobEnded,
            start_to_close_timeout=FINISH_TIMEOUT,
            retry_policy=FINISH_RETRY,
            local_retry_threshold=LOCAL_RETRY_THRESHOLD,
            summary=f"end the job ({self._view.status.value})",
        )

    # What the job shows: its view, its search attribute, and its details in the Temporal UI.

    def _deliver(self, produced: ImageProduced) -> None:
        self._view.produced.append(produced)
        self._step(produced, "produced")

    def _fail(self, failure: ImageFailure) -> None:
        self._view.failures.append(failure)
        self._step(failure, f"failed: {failure.code}")

    def _write_status(self) -> None:
        workflow.upsert_search_attributes([JOB_STATUS.value_set(self._view.status.value)])

    def _step(self, image: ImageSpec | ImageProduced | ImageFailure, step: str) -> None:
        self._steps[image.index] = step
        self._show_steps()

    def _show_steps(self) -> None:
        """Local activities show in the UI as markers without their summary: the workflow's
        current details list every image and where it stands instead."""
        rows = [f"| {self._images[i]} | {step} |" for i, step in sorted(self._steps.items())]
        header = f"**{self._view.status.value}** · {self._view.done}/{self._view.requested} done"
        workflow.set_current_details(
            "\n".join([header, "", "| image | step |", "|---|---|", *rows])
        )


def _image_task(job: JobInput, image: ImageSpec) -> ImageTask:
    return ImageTask(
        job_id=job.job_id,
        account_id=job.account_id,
        index=image.index,
        format=image.format,
        claim=job.claim,
        language=job.language,
        cta=job.cta,
        subline=job.subline,
        badge=job.badge,
        output=job.output,
        brand_kit=job.brand_kit,
        product_image=job.product_image,
    )


def _canceled(image: ImageSpec) -> ImageFailure:
    return ImageFailure(image.index, image.format, CANCELED, "the job was canceled")


def _image_summary(image: ImageSpec, total: int) -> str:
    ad_format = FORMATS[image.format]
    return f"{image.index}/{total} · {image.format} {ad_format.width}x{ad_format.height}"


def _failure(image: ImageSpec, error: FailureError) -> ImageFailure:
    cause = error.cause if isinstance(error, ActivityError) else error
    if isinstance(cause, ApplicationError) and cause.type in FAILURE_CODES:
        code, message = FAILURE_CODES[cause.type], cause.message
    elif isinstance(cause, CancelledError):
        code, message = CANCELED, "the job was canceled"
    elif isinstance(cause, TimeoutError):
        code, message = TIMED_OUT, "producing the image timed out on every attempt"
    else:
        code, message = IMAGE_FAILED, "the image could not be produced after every retry"
    return ImageFailure(index=image.index, format=image.format, code=code, message=message)
