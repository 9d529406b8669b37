"""Webhook events and the rules for where they may be sent (standard library only).

The delivery workflow and activities exchange these dataclasses; the API and the sender share
the address rules, so registration and every delivery judge a URL the same way.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from enum import StrEnum

from domain.jobs import JobStatus, JobView

# Names of the delivery activities, shared by the workflow and the worker.
WEBHOOK_TARGETS_ACTIVITY = "webhook_targets"
DELIVER_WEBHOOK_ACTIVITY = "deliver_webhook"

MAX_URL_LENGTH = 2000
MAX_DESCRIPTION_LENGTH = 200
ENDPOINT_ID_PREFIX = "we_"
SECRET_PREFIX = "whsec_"

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class WebhookEvent(StrEnum):
    JOB_COMPLETED = "job.completed"
    JOB_PARTIAL = "job.partial"
    JOB_FAILED = "job.failed"

    @classmethod
    def for_status(cls, status: JobStatus) -> WebhookEvent:
        """The event a job that ended with `status` sends."""
        return cls(f"job.{status.value}")


ALL_EVENTS = tuple(WebhookEvent)


@dataclass
class JobEvent:
    """A job ended: the input of DeliverJobEventsWorkflow, started by the job's workflow."""

    account_id: str
    view: JobView  # the job's final result, exactly what GET /api/v1/jobs/{id} shows

    @property
    def event_type(self) -> WebhookEvent:
        return WebhookEvent.for_status(self.view.status)


@dataclass
class WebhookTargets:
    """Which of an account's endpoints subscribe to one event."""

    account_id: str
    event_type: str


@dataclass
class WebhookDelivery:
    """One event for one endpoint; retried as one activity until a 2xx answer."""

    endpoint_id: str
    account_id: str
    message_id: str  # the `webhook-id` header: the same on every retry
    event_type: str
    timestamp: str  # RFC 3339, when the job ended
    view: JobView


def message_id(job_id: str, event_type: str) -> str:
    """A job sends one event per endpoint; receivers deduplicate retries by this id."""
    return f"msg_{job_id.replace('-', '')}_{event_type.removeprefix('job.')}"


def events_workflow_id(job_id: str) -> str:
    """The ID of the one DeliverJobEventsWorkflow of a job (a rerun cannot send twice)."""
    return f"job-events-{job_id}"


def blocked_reason(address: IpAddress) -> str | None:
    """Why a webhook may not be sent to `address`, or None for a public address.

    Anything not globally routable is refused: loopback, private, link-local (the cloud metadata
    service at 169.254.169.254), shared, reserved and documentation ranges, multicast.
    """
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address.teredo is not None:
            embedded = address.teredo[1]
        if embedded is not None:
            return blocked_reason(embedded)
    if address.is_loopback:
        return "a loopback address"
    if address.is_unspecified or address.is_multicast:
        return "a reserved address"
    if address.is_link_local:
        return "a link-local address (cloud metadata lives there)"
    if address.is_private:
        return "a private address"
    if address.is_reserved:
        return "a reserved address"
    if not address.is_global:
        return "an address that is not publicly routable"
    return None


def literal_address(host: str) -> IpAddress | None:
    """The address a URL's host names literally ("10.0.0.1", "[::1]"), else None."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
