"""Every error is problem+json with a stable code; nothing ever leaks a stack trace."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy
from fastapi import FastAPI, Query

from api.app import create_app
from api.problems import DOMAIN_PROBLEMS, PROBLEMS, problem_for
from domain import errors
from infra.accounts import AccountService
from infra.db import create_db_engine, migrate
from infra.settings import Settings
from infra.storage import LocalImageStore
from tests.api.conftest import Caller
from tests.api.fakes import FakeOrchestrator


def all_subclasses(cls: type) -> Iterator[type]:
    for subclass in cls.__subclasses__():
        yield subclass
        yield from all_subclasses(subclass)


def test_every_domain_error_has_a_problem_mapping():
    unmapped = [
        cls.__name__
        for cls in all_subclasses(errors.DomainError)
        if not any(base in DOMAIN_PROBLEMS for base in cls.__mro__)
    ]

    assert unmapped == []


def test_problem_codes_match_the_catalog():
    catalog = {(p.status, p.code) for p in DOMAIN_PROBLEMS.values()}

    assert catalog == {
        (400, "invalid_request"),
        (401, "unauthorized"),
        (402, "insufficient_credits"),
        (403, "forbidden"),
        (404, "not_found"),
        (409, "job_finished"),
        (413, "payload_too_large"),
        (409, "key_limit_reached"),
        (415, "unsupported_media_type"),
        (422, "idempotency_key_reused"),
        (429, "too_many_active_jobs"),
        (503, "service_unavailable"),
    }
    assert problem_for(errors.NotFound("x")).status == 404


def test_the_error_tree_drawn_in_the_docstring_is_the_tree_in_the_code():
    assert errors.__doc__ is not None
    drawn = re.findall(r"^[├└]── (\w+)", errors.__doc__, re.MULTILINE)

    assert sorted(drawn) == sorted(cls.__name__ for cls in all_subclasses(errors.DomainError))
    assert errors.__doc__.splitlines()[2] == "DomainError"


def test_the_openapi_documents_exactly_the_catalogs_codes():
    """Each error response of the document names its codes (`code: meaning; ...`): each must be
    one the catalog sends with that status, and each domain problem is documented somewhere."""
    document = create_app(Settings(url_signing_secret="s" * 32)).openapi()
    catalog = {(problem.status, problem.code) for problem in PROBLEMS}
    documented: set[tuple[int, str]] = set()
    for item in document["paths"].values():
        for operation in item.values():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    codes = re.findall(r"(?:^|; )([a-z_]+): ", response["description"])
                    assert codes, (status, response["description"])
                    documented |= {(int(status), code) for code in codes}

    assert documented - catalog == set()
    assert {(p.status, p.code) for p in DOMAIN_PROBLEMS.values()} - documented == set()


@pytest.fixture
def broken_app(
    tmp_path: Path, settings: Settings, orchestrator: FakeOrchestrator, store: LocalImageStore
) -> Iterator[tuple[sqlalchemy.Engine, Caller, FastAPI]]:
    """An app on a database of its own, for tests that break that database under it."""
    engine = create_db_engine(f"sqlite:///{tmp_path / 'breaks.db'}")
    migrate(engine)
    accounts = AccountService(engine)
    account = accounts.create_account("Unlucky")
    _, key = accounts.create_key(account.id)
    app = create_app(settings, orchestrator=orchestrator, engine=engine, store=store)
    yield engine, Caller(account, key), app
    engine.dispose()


async def _get_account(app: FastAPI, caller: Caller) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as http,
    ):
        return await http.get("/api/v1/account", headers=caller.headers)


def assert_service_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "service_unavailable"
    assert int(response.headers["retry-after"]) >= 1


async def test_a_database_failing_during_authentication_is_a_503(
    broken_app: tuple[sqlalchemy.Engine, Caller, FastAPI],
):
    engine, caller, app = broken_app
    with engine.begin() as connection:  # the keys' table vanishes under the API
        connection.exec_driver_sql("DROP TABLE api_keys")

    assert_service_unavailable(await _get_account(app, caller))


async def test_a_saturated_connection_pool_is_a_503(
    tmp_path: Path, settings: Settings, orchestrator: FakeOrchestrator, store: LocalImageStore
):
    url = f"sqlite:///{tmp_path / 'busy.db'}"
    migrate(create_db_engine(url))
    engine = sqlalchemy.create_engine(url, pool_size=1, max_overflow=0, pool_timeout=0.05)
    accounts = AccountService(engine)
    account = accounts.create_account("Busy")
    _, key = accounts.create_key(account.id)
    app = create_app(settings, orchestrator=orchestrator, engine=engine, store=store)

    with engine.connect():  # the pool's only connection is taken
        response = await _get_account(app, Caller(account, key))

    assert_service_unavailable(response)
    engine.dispose()


async def test_unknown_route_is_a_not_found_problem(client: httpx.AsyncClient):
    response = await client.get("/api/v2/nothing")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "not_found"


async def test_wrong_method_is_a_problem_with_allow(client: httpx.AsyncClient, alice: Caller):
    response = await client.delete("/api/v1/generate", headers=alice.headers)

    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "method_not_allowed"
    assert "POST" in response.headers["allow"]


async def test_framework_validation_errors_are_400_not_422(client: httpx.AsyncClient):
    app = client._transport.app  # type: ignore[attr-defined]

    @app.get("/test-only/validated")
    async def validated(count: int = Query()) -> dict[str, int]:
        return {"count": count}

    response = await client.get("/test-only/validated?count=abc")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_request"
    assert body["errors"][0]["field"] == "count"


class ExplodingOrchestrator(FakeOrchestrator):
    async def submit(self, *args, **kwargs):  # type: ignore[override]
        raise RuntimeError("secret internal detail")


async def test_unexpected_errors_are_a_generic_500_without_internals(
    settings, engine, store, alice: Caller
):
    app = create_app(settings, orchestrator=ExplodingOrchestrator(), engine=engine, store=store)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
    ):
        response = await client.post(
            "/api/v1/generate", headers=alice.headers, json={"claim": "Hi"}
        )

    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "internal_error"
    assert "secret" not in response.text
    assert "Traceback" not in response.text


@pytest.mark.parametrize(
    "path",
    ["/api/v1/generate", "/api/v1/jobs/x", "/files/a.png", "/api/v1/formats", "/nope"],
)
async def test_garbage_requests_never_get_a_500(client: httpx.AsyncClient, path: str):
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"):
        response = await client.request(
            method,
            path + "?expires=%ff&signature=%00",
            headers=[
                (b"Authorization", b"Bearer \xff\x80"),
                (b"Content-Type", b"application/json"),
            ],
            content=b"\xff\x00{",
        )
        assert response.status_code < 500, (method, path, response.text)
