"""Bodies of /api/v1/webhook-endpoints: what clients send and what they get back."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from domain.errors import FieldError, InvalidRequest
from domain.webhooks import ALL_EVENTS, MAX_DESCRIPTION_LENGTH, MAX_URL_LENGTH, WebhookEvent
from infra.webhooks import DeliveryRecord, EndpointInfo


class WebhookEndpointCreate(BaseModel):
    """A new endpoint; unknown fields or event names are a 400."""

    model_config = ConfigDict(extra="forbid", strict=True)

    url: str = Field(
        min_length=1,
        max_length=MAX_URL_LENGTH,
        description="An https URL whose host resolves only to public addresses.",
        examples=["https://example.com/hooks/creative-saas"],
    )
    events: list[WebhookEvent] | None = Field(
        default=None,
        min_length=1,
        max_length=len(ALL_EVENTS),
        description="The events to receive (default: all of them).",
    )
    description: str | None = Field(default=None, min_length=1, max_length=MAX_DESCRIPTION_LENGTH)

    @field_validator("events", mode="before")
    @classmethod
    def _known_events(cls, value: Any) -> Any:
        # strict mode wants enum members; JSON gives strings: accept exactly the event names.
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            unknown = [item for item in value if item not in ALL_EVENTS]
            if unknown:
                raise ValueError(
                    f"unknown event {unknown[0]!r}; choose from {', '.join(ALL_EVENTS)}"
                )
            if len(set(value)) != len(value):
                raise ValueError("lists an event twice")
            return [WebhookEvent(item) for item in value]
        return value


class WebhookEndpointOut(BaseModel):
    """An endpoint as listed: never its secret."""

    id: str = Field(examples=["we_3f2a9c0b1d4e5f6a7b8c9d0e"])
    url: str
    events: list[WebhookEvent]
    description: str | None
    createdAt: datetime
    previousSecretExpiresAt: datetime | None = Field(
        description="After a rotation: until then events are also signed with the old secret."
    )


class WebhookEndpointCreated(WebhookEndpointOut):
    """The answer to create and rotate: the only time the secret is shown."""

    secret: str = Field(
        description="`whsec_` + base64 key for Standard Webhooks libraries; shown only now."
    )


class WebhookEndpointList(BaseModel):
    data: list[WebhookEndpointOut]


class WebhookDeliveryOut(BaseModel):
    """One delivery attempt of one event."""

    webhookId: str = Field(description="The `webhook-id` header; the same on every retry.")
    event: WebhookEvent
    jobId: str
    attempt: int = Field(description="1 for the first try of this event to this endpoint.")
    statusCode: int | None = Field(description="The receiver's HTTP status; null: no answer.")
    error: str | None = Field(description="Why the attempt did not count as delivered.")
    durationMs: int
    createdAt: datetime


class WebhookDeliveryList(BaseModel):
    data: list[WebhookDeliveryOut] = Field(description="The most recent attempts, newest first.")


def parse_endpoint_create(data: dict[str, Any]) -> WebhookEndpointCreate:
    """Validate a decoded JSON object; raises InvalidRequest naming every bad field."""
    try:
        return WebhookEndpointCreate.model_validate(data)
    except ValidationError as exc:
        field_errors = [
            FieldError(
                ".".join(str(part) for part in err["loc"]) or "body",
                "unknown field"
                if err["type"] == "extra_forbidden"
                else str(err["msg"]).removeprefix("Value error, "),
            )
            for err in exc.errors(include_input=False)
        ]
        raise InvalidRequest("The request body is invalid.", field_errors) from None


def endpoint_out(endpoint: EndpointInfo) -> WebhookEndpointOut:
    return WebhookEndpointOut(
        id=endpoint.id,
        url=endpoint.url,
        events=[WebhookEvent(event) for event in endpoint.events],
        description=endpoint.description,
        createdAt=endpoint.created_at,
        previousSecretExpiresAt=endpoint.previous_secret_expires_at,
    )


def endpoint_created(endpoint: EndpointInfo, secret: str) -> WebhookEndpointCreated:
    return WebhookEndpointCreated(**endpoint_out(endpoint).model_dump(), secret=secret)


def delivery_out(record: DeliveryRecord) -> WebhookDeliveryOut:
    return WebhookDeliveryOut(
        webhookId=record.message_id,
        event=WebhookEvent(record.event_type),
        jobId=record.job_id,
        attempt=record.attempt,
        statusCode=record.status_code,
        error=record.error,
        durationMs=record.duration_ms,
        createdAt=record.created_at,
    )
