"""Python client of the Creative SaaS API: ad creatives from a claim, in every ad size.

from creative_saas_client import CreativeSaaS

with CreativeSaaS() as client:            # CREATIVE_SAAS_API_KEY, CREATIVE_SAAS_BASE_URL
    job = client.jobs.create("Best protein supplements", count=3, language="DE")
    job = client.jobs.wait(job)
    paths = client.jobs.download(job, "./ads")
"""

from __future__ import annotations

__version__ = "0.1.0"

from creative_saas_client.async_client import AsyncCreativeSaaS  # noqa: E402
from creative_saas_client.client import CreativeSaaS  # noqa: E402
from creative_saas_client.errors import (  # noqa: E402
    APIConnectionError,
    APIError,
    CreativeSaaSError,
    FieldError,
    ForbiddenError,
    IdempotencyKeyReusedError,
    InsufficientCreditsError,
    InternalServerError,
    InvalidRequestError,
    JobFinishedError,
    JobWaitTimeout,
    KeyLimitReachedError,
    MethodNotAllowedError,
    NotFoundError,
    PayloadTooLargeError,
    RequestTimeoutError,
    ServiceUnavailableError,
    TooManyActiveJobsError,
    UnauthorizedError,
    UnsupportedMediaTypeError,
)
from creative_saas_client.models import (  # noqa: E402
    Account,
    ApiKey,
    Credits,
    Format,
    Image,
    ImageFailure,
    Job,
    JobList,
    JobSummary,
    Language,
    Progress,
)

__all__ = [
    "APIConnectionError",
    "APIError",
    "Account",
    "ApiKey",
    "AsyncCreativeSaaS",
    "CreativeSaaS",
    "CreativeSaaSError",
    "Credits",
    "FieldError",
    "ForbiddenError",
    "Format",
    "IdempotencyKeyReusedError",
    "Image",
    "ImageFailure",
    "InsufficientCreditsError",
    "InternalServerError",
    "InvalidRequestError",
    "Job",
    "JobFinishedError",
    "JobList",
    "JobSummary",
    "JobWaitTimeout",
    "KeyLimitReachedError",
    "RequestTimeoutError",
    "Language",
    "MethodNotAllowedError",
    "NotFoundError",
    "PayloadTooLargeError",
    "Progress",
    "ServiceUnavailableError",
    "TooManyActiveJobsError",
    "UnauthorizedError",
    "UnsupportedMediaTypeError",
    "__version__",
]
