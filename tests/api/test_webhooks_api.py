"""/api/v1/webhook-endpoints through the ASGI app, on a real SQLite database, with DNS answers
injected through create_app's resolver."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator

import httpx
import pytest
import sqlalchemy

from api.app import create_app
from infra.accounts import AccountService
from infra.settings import Settings
from infra.storage import LocalImageStore
from tests.api.conftest import Caller, _new_caller
from tests.api.fakes import FakeOrchestrator
from tests.support.resolvers import fixed

BASE = "/api/v1/webhook-endpoints"
RESOLVER = fixed({"hooks.example.com": "93.184.216.34", "intranet.example.com": "10.20.30.40"})
ALL_EVENTS = ["job.completed", "job.partial", "job.failed"]


@pytest.fixture
async def api(
    settings: Settings,
    orchestrator: FakeOrchestrator,
    engine: sqlalchemy.Engine,
    store: LocalImageStore,
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(
        settings, orchestrator=orchestrator, engine=engine, store=store, resolver=RESOLVER
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


@pytest.fixture
def carol(accounts: AccountService) -> Caller:
    """A fresh account per test, so lists start empty."""
    return _new_caller(accounts, "Carol")


async def test_create_shows_the_secret_once_and_lists_never_do(
    api: httpx.AsyncClient, carol: Caller
):
    created = await api.post(
        BASE,
        json={"url": "https://hooks.example.com/creative", "description": "orders"},
        headers=carol.headers,
    )

    assert created.status_code == 201, created.text
    body = created.json()
    assert body["id"].startswith("we_")
    assert body["events"] == ALL_EVENTS
    assert body["description"] == "orders"
    assert body["secret"].startswith("whsec_")
    assert len(base64.b64decode(body["secret"].removeprefix("whsec_"))) >= 24
    listed = await api.get(BASE, headers=carol.headers)
    assert listed.status_code == 200
    [endpoint] = listed.json()["data"]
    assert endpoint["id"] == body["id"] and endpoint["url"] == "https://hooks.example.com/creative"
    assert "secret" not in endpoint and body["secret"] not in listed.text


async def test_events_can_be_chosen(api: httpx.AsyncClient, carol: Caller):
    created = await api.post(
        BASE,
        json={"url": "https://hooks.example.com/x", "events": ["job.failed", "job.partial"]},
        headers=carol.headers,
    )
    assert created.status_code == 201, created.text
    assert created.json()["events"] == ["job.failed", "job.partial"]


async def test_rotation_shows_a_new_secret_and_keeps_the_old_one_for_a_day(
    api: httpx.AsyncClient, carol: Caller
):
    created = (
        await api.post(BASE, json={"url": "https://hooks.example.com/"}, headers=carol.headers)
    ).json()

    rotated = await api.post(f"{BASE}/{created['id']}/rotate-secret", headers=carol.headers)

    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["secret"].startswith("whsec_")
    assert rotated.json()["secret"] != created["secret"]
    assert rotated.json()["previousSecretExpiresAt"] is not None
    [listed] = (await api.get(BASE, headers=carol.headers)).json()["data"]
    assert listed["previousSecretExpiresAt"] == rotated.json()["previousSecretExpiresAt"]


async def test_delete_removes_the_endpoint_and_its_log_from_the_api(
    api: httpx.AsyncClient, carol: Caller
):
    created = (
        await api.post(BASE, json={"url": "https://hooks.example.com/"}, headers=carol.headers)
    ).json()
    deliveries = await api.get(f"{BASE}/{created['id']}/deliveries", headers=carol.headers)
    assert (deliveries.status_code, deliveries.json()) == (200, {"data": []})

    deleted = await api.delete(f"{BASE}/{created['id']}", headers=carol.headers)

    assert deleted.status_code == 204 and deleted.content == b""
    assert (await api.get(BASE, headers=carol.headers)).json() == {"data": []}
    again = await api.delete(f"{BASE}/{created['id']}", headers=carol.headers)
    assert again.status_code == 404
    gone = await api.get(f"{BASE}/{created['id']}/deliveries", headers=carol.headers)
    assert gone.status_code == 404


async def test_another_accounts_endpoint_is_a_404_like_an_unknown_one(
    api: httpx.AsyncClient, carol: Caller, bob: Caller
):
    created = (
        await api.post(BASE, json={"url": "https://hooks.example.com/"}, headers=carol.headers)
    ).json()
    for method, path in (
        ("DELETE", f"{BASE}/{created['id']}"),
        ("POST", f"{BASE}/{created['id']}/rotate-secret"),
        ("GET", f"{BASE}/{created['id']}/deliveries"),
        ("DELETE", f"{BASE}/we_000000000000000000000000"),
        ("GET", f"{BASE}/not-an-id/deliveries"),
    ):
        response = await api.request(method, path, headers=bob.headers)
        assert response.status_code == 404, (method, path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "not_found"
    assert (await api.get(BASE, headers=bob.headers)).json()["data"] == []
    [still] = (await api.get(BASE, headers=carol.headers)).json()["data"]
    assert still["previousSecretExpiresAt"] is None  # bob's rotate changed nothing


async def test_every_route_needs_a_key(api: httpx.AsyncClient):
    for method, path in (
        ("POST", BASE),
        ("GET", BASE),
        ("DELETE", f"{BASE}/we_000000000000000000000000"),
        ("POST", f"{BASE}/we_000000000000000000000000/rotate-secret"),
        ("GET", f"{BASE}/we_000000000000000000000000/deliveries"),
    ):
        response = await api.request(method, path, json={"url": "https://hooks.example.com/"})
        assert response.status_code == 401, (method, path)


BAD_BODIES = {
    "http": ({"url": "http://hooks.example.com/"}, "url", "https"),
    "ftp": ({"url": "ftp://hooks.example.com/"}, "url", "https"),
    "loopback": ({"url": "https://127.0.0.1/"}, "url", "loopback"),
    "ipv6 loopback": ({"url": "https://[::1]/"}, "url", "loopback"),
    "metadata": ({"url": "https://169.254.169.254/latest/"}, "url", "link-local"),
    "private": ({"url": "https://10.0.0.1/"}, "url", "private"),
    "resolves private": ({"url": "https://intranet.example.com/"}, "url", "10.20.30.40"),
    "userinfo": ({"url": "https://me:pw@hooks.example.com/"}, "url", "password"),
    "2 KB": ({"url": "https://hooks.example.com/" + "a" * 2048}, "url", "at most 2000"),
    "not a url": ({"url": "hooks.example.com"}, "url", "https"),
    "url missing": ({"events": ["job.completed"]}, "url", "required"),
    "url not a string": ({"url": 42}, "url", "string"),
    "unknown event": (
        {"url": "https://hooks.example.com/", "events": ["job.done"]},
        "events",
        "unknown event 'job.done'",
    ),
    "no events": ({"url": "https://hooks.example.com/", "events": []}, "events", "at least 1"),
    "repeated event": (
        {"url": "https://hooks.example.com/", "events": ["job.failed", "job.failed"]},
        "events",
        "twice",
    ),
    "long description": (
        {"url": "https://hooks.example.com/", "description": "d" * 201},
        "description",
        "at most 200",
    ),
    "unknown field": ({"url": "https://hooks.example.com/", "secret": "x"}, "secret", "unknown"),
}


@pytest.mark.parametrize("case", BAD_BODIES)
async def test_bad_input_is_a_problem_and_stores_nothing(
    api: httpx.AsyncClient, carol: Caller, case: str
):
    body, field, words = BAD_BODIES[case]

    response = await api.post(BASE, json=body, headers=carol.headers)

    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "invalid_request"
    assert any(e["field"] == field and words in e["message"] for e in problem["errors"]), problem
    assert (await api.get(BASE, headers=carol.headers)).json()["data"] == []


async def test_a_body_that_is_not_json_is_refused(api: httpx.AsyncClient, carol: Caller):
    response = await api.post(BASE, content=b"url=https://x", headers=carol.headers)
    assert response.status_code == 415
    assert (await api.get(BASE, headers=carol.headers)).json()["data"] == []


async def test_openapi_names_each_operation_as_the_contract_does(api: httpx.AsyncClient):
    paths = (await api.get("/openapi.json")).json()["paths"]
    operation_ids = {
        operation["operationId"]
        for path, item in paths.items()
        if path.startswith(BASE)
        for operation in item.values()
    }
    assert operation_ids == {
        "createWebhookEndpoint",
        "listWebhookEndpoints",
        "deleteWebhookEndpoint",
        "rotateWebhookSecret",
        "listWebhookDeliveries",
    }
