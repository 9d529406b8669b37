"""/api/v1/webhook-endpoints: where an account's job events go, their secrets and delivery log."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from starlette.concurrency import run_in_threadpool

from api.body import read_json_object
from api.deps import CurrentAccount
from api.routes.responses import problem_responses
from api.webhook_schemas import (
    WebhookDeliveryList,
    WebhookEndpointCreate,
    WebhookEndpointCreated,
    WebhookEndpointList,
    delivery_out,
    endpoint_created,
    endpoint_out,
    parse_endpoint_create,
)
from domain.errors import FieldError, InvalidRequest, NotFound
from domain.webhooks import ALL_EVENTS
from infra.url_guard import UnsafeWebhookUrl, UrlGuard
from infra.webhooks import WebhookStore

router = APIRouter(prefix="/api/v1/webhook-endpoints", tags=["webhooks"])

ENDPOINT_NOT_FOUND = "no such webhook endpoint"
# Ids are minted as we_ + 24 hex digits; anything else cannot exist (and never reaches the db).
_ENDPOINT_ID = re.compile(r"we_[0-9a-f]{24}")
# The body is read strictly by hand (api/body.py), so FastAPI does not see the model: document
# it here, pointing at the WebhookEvent schema the responses already put in components.
_BODY_SCHEMA = WebhookEndpointCreate.model_json_schema(ref_template="#/components/schemas/{model}")
_BODY_SCHEMA.pop("$defs", None)
_REQUEST_BODY = {"required": True, "content": {"application/json": {"schema": _BODY_SCHEMA}}}


def get_webhooks(request: Request) -> WebhookStore:
    store: WebhookStore = request.app.state.webhooks
    return store


def get_url_guard(request: Request) -> UrlGuard:
    guard: UrlGuard = request.app.state.url_guard
    return guard


WebhooksDep = Annotated[WebhookStore, Depends(get_webhooks)]
UrlGuardDep = Annotated[UrlGuard, Depends(get_url_guard)]
EndpointId = Annotated[str, Path(alias="endpointId")]


def _known_shape(endpoint_id: str) -> str:
    if not _ENDPOINT_ID.fullmatch(endpoint_id):
        raise NotFound(ENDPOINT_NOT_FOUND)
    return endpoint_id


@router.post(
    "",
    status_code=201,
    response_model=WebhookEndpointCreated,
    operation_id="createWebhookEndpoint",
    responses=problem_responses(400, 401, 413, 415, 503),
    openapi_extra={"requestBody": _REQUEST_BODY},
)
async def create_webhook_endpoint(
    account: CurrentAccount, webhooks: WebhooksDep, guard: UrlGuardDep, request: Request
) -> WebhookEndpointCreated:
    """Register an https endpoint for job events; its signing `secret` is shown only now."""
    body = parse_endpoint_create(await read_json_object(request))
    try:
        await guard.check_registration(body.url)
    except UnsafeWebhookUrl as refusal:
        message = str(refusal)
        raise InvalidRequest(f"The url {message}.", [FieldError("url", message)]) from None
    events = [event.value for event in body.events] if body.events else list(ALL_EVENTS)
    endpoint, secret = await run_in_threadpool(
        webhooks.create, account.id, body.url, events, body.description
    )
    return endpoint_created(endpoint, secret)


@router.get(
    "",
    response_model=WebhookEndpointList,
    operation_id="listWebhookEndpoints",
    responses=problem_responses(401, 503),
)
async def list_webhook_endpoints(
    account: CurrentAccount, webhooks: WebhooksDep
) -> WebhookEndpointList:
    """Your endpoints, oldest first; never their secrets."""
    endpoints = await run_in_threadpool(webhooks.list_endpoints, account.id)
    return WebhookEndpointList(data=[endpoint_out(endpoint) for endpoint in endpoints])


@router.delete(
    "/{endpointId}",
    status_code=204,
    response_class=Response,
    operation_id="deleteWebhookEndpoint",
    responses=problem_responses(401, 404, 503),
)
async def delete_webhook_endpoint(
    endpoint_id: EndpointId, account: CurrentAccount, webhooks: WebhooksDep
) -> Response:
    """Delete an endpoint: nothing more is sent to it, pending retries included."""
    if not await run_in_threadpool(webhooks.delete, account.id, _known_shape(endpoint_id)):
        raise NotFound(ENDPOINT_NOT_FOUND)
    return Response(status_code=204)


@router.post(
    "/{endpointId}/rotate-secret",
    response_model=WebhookEndpointCreated,
    operation_id="rotateWebhookSecret",
    responses=problem_responses(401, 404, 503),
)
async def rotate_webhook_secret(
    endpoint_id: EndpointId, account: CurrentAccount, webhooks: WebhooksDep
) -> WebhookEndpointCreated:
    """A new secret, shown only now; the old one also signs for 24 hours."""
    rotated = await run_in_threadpool(webhooks.rotate, account.id, _known_shape(endpoint_id))
    if rotated is None:
        raise NotFound(ENDPOINT_NOT_FOUND)
    return endpoint_created(*rotated)


@router.get(
    "/{endpointId}/deliveries",
    response_model=WebhookDeliveryList,
    operation_id="listWebhookDeliveries",
    responses=problem_responses(401, 404, 503),
)
async def list_webhook_deliveries(
    endpoint_id: EndpointId, account: CurrentAccount, webhooks: WebhooksDep
) -> WebhookDeliveryList:
    """The endpoint's 100 most recent delivery attempts, newest first."""
    if await run_in_threadpool(webhooks.get, account.id, _known_shape(endpoint_id)) is None:
        raise NotFound(ENDPOINT_NOT_FOUND)
    records = await run_in_threadpool(webhooks.deliveries, endpoint_id)
    return WebhookDeliveryList(data=[delivery_out(record) for record in records])
