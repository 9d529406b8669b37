"""GenerateCreativesWorkflow: one per job; one retried activity per image."""

from __future__ import annotations

import asyncio
import dataclasses
from contextlib import nullcontext
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, CancelledError, TimeoutError
from temporalio.workflow import ActivityCancellationType

with workflow.unsafe.imports_passed_through():
    from domain.catalog import FORMATS
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

# Error types an image activity raises when retrying cannot help.
PERMANENT_IMAGE_ERRORS = ["InsufficientCredits", "CreditAlreadyReleased", "InvalidCreative"]

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

IMAGE_TIMEOUT = timedelta(seconds=30)
RELEASE_TIMEOUT = timedelta(seconds=30)

# Fairness: a 20-image job runs at most this many images at once, so it cannot fill a worker's
# activity slots and stall other tenants' jobs on the shared task queue. Images start in order.
MAX_IMAGES_IN_FLIGHT = 4
# Jobs started before this patch schedule every image at once; their histories replay unbounded.
BOUNDED_IMAGES_PATCH = "bounded-image-concurrency"
# A cancel waits for images already rendering, then asks the ledger how each one ended: an image
# captured as the cancel arrived was charged, so it is delivered, never listed as canceled.
# Jobs started before this patch returned credits without waiting; their histories replay so.
SETTLE_FROM_LEDGER_PATCH = "cancel-settles-images-from-the-ledger"


@workflow.defn
class GenerateCreativesWorkflow:
    """Produces every image of one job, returns the credit of each image that finally fails."""

    def __init__(self) -> None:
        self._view: JobView | None = None
        self._slots: asyncio.Semaphore | None = None
        self._settle_from_ledger = False

    @workflow.run
    async def run(self, job: JobInput) -> JobView:
        self._view = JobView(
            job_id=job.job_id,
            status=JobStatus.QUEUED,
            requested=len(job.images),
            # The complete view, so the API reads a job without describing its workflow.
            created_at=workflow.info().workflow_start_time,
            metadata=workflow.memo_value("metadata", {}, type_hint=dict[str, str]),
            claim=job.claim,
            language=job.language,
        )
        self._set_status(JobStatus.PROCESSING)
        if workflow.patched(BOUNDED_IMAGES_PATCH):
            self._slots = asyncio.Semaphore(MAX_IMAGES_IN_FLIGHT)
        self._settle_from_ledger = workflow.patched(SETTLE_FROM_LEDGER_PATCH)
        try:
            await asyncio.gather(*(self._produce(job, image) for image in job.images))
        except asyncio.CancelledError:
            await self._give_back_unfinished(job)
        self._view.produced.sort(key=lambda image: image.index)
        self._view.failures.sort(key=lambda failure: failure.index)
        self._set_status(final_status(len(self._view.produced), len(self._view.failures)))
        if workflow.patched(WEBHOOKS_PATCH):
            await self._announce(job)
        return self._view

    async def _announce(self, job: JobInput) -> None:
        """Start the job's event delivery. Every image has ended by now, so a cancel arriving
        meanwhile has nothing left to stop: it must not turn a finished job into a canceled one."""
        announcing = asyncio.ensure_future(announce_job_end(job.account_id, self._as_announced()))
        try:
            await asyncio.shield(announcing)
        except asyncio.CancelledError:
            await announcing

    def _as_announced(self) -> JobView:
        """The view as GET job shows it: with when the job started and the client's metadata."""
        assert self._view is not None
        metadata = workflow.memo_value("metadata", {}, type_hint=dict[str, str])
        return dataclasses.replace(
            self._view, created_at=workflow.info().workflow_start_time, metadata=metadata
        )

    @workflow.query
    def status(self) -> JobView:
        """The job as it stands: which images are produced, which failed."""
        assert self._view is not None
        return self._view

    async def _produce(self, job: JobInput, image: ImageSpec) -> None:
        assert self._view is not None
        task = ImageTask(
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
        scheduled = False
        try:
            async with self._slots or nullcontext():
                scheduled = True
                produced: ImageProduced = await workflow.execute_activity(
                    "produce_image",
                    task,
                    result_type=ImageProduced,
                    start_to_close_timeout=IMAGE_TIMEOUT,
                    retry_policy=IMAGE_RETRY,
                    cancellation_type=self._image_cancellation(),
                    summary=_image_summary(image, len(job.images)),
                )
        except ActivityError as error:
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
            self._view.failures.append(_canceled(image))
            return
        self._view.produced.append(produced)

    def _image_cancellation(self) -> ActivityCancellationType:
        if self._settle_from_ledger:
            return ActivityCancellationType.WAIT_CANCELLATION_COMPLETED
        return ActivityCancellationType.TRY_CANCEL

    async def _settle(self, job: JobInput, image: ImageSpec, failure: ImageFailure) -> None:
        """An image that did not come back produced: its credit returns, unless the ledger shows
        it captured (its last attempt stored it as it timed out or was canceled): then it was
        charged, so it is delivered and listed as produced."""
        assert self._view is not None
        captured_key = await self._release_credit(job, image)
        if captured_key is None:
            self._view.failures.append(failure)
        else:
            self._view.produced.append(ImageProduced(image.index, image.format, captured_key))

    async def _give_back_unfinished(self, job: JobInput) -> None:
        """A canceled job still ends: unfinished images fail as canceled, their credits return."""
        assert self._view is not None
        finished = {image.index for image in self._view.produced}
        finished |= {failure.index for failure in self._view.failures}
        for image in job.images:
            if image.index not in finished:
                await self._settle(job, image, _canceled(image))

    async def _release_credit(self, job: JobInput, image: ImageSpec) -> str | None:
        """Return the image's credit; the storage key if it was captured instead (None before
        the compensation reported it: such histories recorded None)."""
        captured_key = await workflow.execute_activity(
            "release_credit",
            CreditRelease(job_id=job.job_id, account_id=job.account_id, index=image.index),
            start_to_close_timeout=RELEASE_TIMEOUT,
            retry_policy=RELEASE_RETRY,
            summary=f"return the credit of image {image.index}",
        )
        return captured_key if isinstance(captured_key, str) else None

    def _set_status(self, status: JobStatus) -> None:
        assert self._view is not None
        self._view.status = status
        workflow.upsert_search_attributes([JOB_STATUS.value_set(status.value)])


def _canceled(image: ImageSpec) -> ImageFailure:
    return ImageFailure(image.index, image.format, "canceled", "the job was canceled")


def _image_summary(image: ImageSpec, total: int) -> str:
    ad_format = FORMATS[image.format]
    return f"image {image.index}/{total} · {image.format} {ad_format.width}x{ad_format.height}"


# What a client reads in `failures[].code` for each permanent error type.
FAILURE_CODES = {
    "InsufficientCredits": "insufficient_credits",
    "CreditAlreadyReleased": "credit_released",
    "InvalidCreative": "invalid_creative",
}


def _failure(image: ImageSpec, error: ActivityError) -> ImageFailure:
    cause = error.cause
    if isinstance(cause, ApplicationError) and cause.type in FAILURE_CODES:
        code, message = FAILURE_CODES[cause.type], cause.message
    elif isinstance(cause, CancelledError):
        code, message = "canceled", "the job was canceled"
    elif isinstance(cause, TimeoutError):
        code, message = "timeout", "producing the image timed out on every attempt"
    else:
        code, message = "image_failed", "the image could not be produced after every retry"
    return ImageFailure(index=image.index, format=image.format, code=code, message=message)
