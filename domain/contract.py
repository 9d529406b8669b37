"""The job workflow's activity contract: names, inputs, outputs and permanent errors.

GenerateCreativesWorkflow schedules these activities by name, the worker registers them under
the same names, and the workflow turns each permanent error type into the `failures[].code` a
client reads. Standard library only, like the rest of `domain`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# Reserve the image's credit, render it, upload it, capture the credit (idempotent per image).
PRODUCE_IMAGE = "produce_image"
# The compensation: give back the credit of an image that did not come back produced.
RELEASE_CREDIT = "release_credit"
# The job's last step: mark it ended, and say whether anyone listens for its event.
FINISH_JOB = "finish_job"


class PermanentImageError(StrEnum):
    """ApplicationError types of an image activity that retrying cannot help."""

    INSUFFICIENT_CREDITS = "InsufficientCredits"
    CREDIT_ALREADY_RELEASED = "CreditAlreadyReleased"
    INVALID_CREATIVE = "InvalidCreative"
    # Canceled before it reserved its credit: it never started (see JobRegistry.cancel_requested).
    JOB_CANCELED = "JobCanceled"

    @property
    def failure_code(self) -> str:
        """What a client reads in `failures[].code` for an image that failed this way."""
        return _FAILURE_CODES[self]


_FAILURE_CODES = {
    PermanentImageError.INSUFFICIENT_CREDITS: "insufficient_credits",
    PermanentImageError.CREDIT_ALREADY_RELEASED: "credit_released",
    PermanentImageError.INVALID_CREATIVE: "invalid_creative",
    PermanentImageError.JOB_CANCELED: "canceled",
}

# For RetryPolicy.non_retryable_error_types.
PERMANENT_IMAGE_ERRORS = [error.value for error in PermanentImageError]
# Permanent error type -> failure code.
FAILURE_CODES = {error.value: error.failure_code for error in PermanentImageError}
# Failure codes of images that did not fail with a permanent error of their own.
CANCELED = "canceled"
TIMED_OUT = "timeout"
IMAGE_FAILED = "image_failed"


@dataclass
class JobEnd:
    """The input of `finish_job`: which job ended, for which account."""

    job_id: str
    account_id: str


@dataclass
class JobEnded:
    """The output of `finish_job`."""

    # Whether the account has any webhook endpoint: without one, no event workflow is started.
    has_webhook_endpoints: bool
