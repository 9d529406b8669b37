"""Property-based: schemathesis drives every documented operation from our OpenAPI schema.

In-process over ASGI, with a funded account's key and the fake orchestrator; deterministic
and bounded. Whatever it sends, the API must not answer 5xx, must refuse requests without a
valid key, and every response must match the schema (status, media type, headers, body).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
import sqlalchemy
from fastapi import FastAPI
from schemathesis import Case
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api.app import create_app
from infra.accounts import AccountService
from infra.ledger import CreditLedger
from infra.settings import Settings
from infra.signing import UrlSigner
from infra.storage import LocalImageStore
from tests.api.conftest import SECRET, TTL_SECONDS, Caller
from tests.api.fakes import FakeOrchestrator

CONFIG = schemathesis.Config.from_dict(
    {"generation": {"max-examples": 50, "deterministic": True, "database": "none"}}
)


class AppUnderTest:
    """The ASGI app schemathesis calls; the `app` fixture plugs the real one in.

    The schema is built at import (pytest parametrizes from it), the app only once the
    database fixtures exist.
    """

    def __init__(self) -> None:
        self.app: FastAPI | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        assert self.app is not None, "request the `app` fixture"
        await self.app(scope, receive, send)


APP = AppUnderTest()
# Only the OpenAPI document is read here: nothing connects to a database or to Temporal.
schema = schemathesis.openapi.from_dict(
    create_app(Settings(url_signing_secret=SECRET.decode())).openapi(), config=CONFIG
)
schema.app = APP


@pytest.fixture(scope="module")
def fuzzer(accounts: AccountService, engine: sqlalchemy.Engine) -> Caller:
    """A business account with plenty of credits, so valid requests can succeed."""
    account = accounts.create_account("Schemathesis", plan="business")
    CreditLedger(engine).grant(account.id, 1_000_000)
    _, key = accounts.create_key(account.id)
    return Caller(account, key)


@pytest.fixture(scope="module")
def app(engine: sqlalchemy.Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    data_dir = tmp_path_factory.mktemp("schemathesis")
    store = LocalImageStore(data_dir / "images", UrlSigner(SECRET, TTL_SECONDS))
    settings = Settings(data_dir=data_dir, url_signing_secret=SECRET.decode())
    APP.app = create_app(settings, orchestrator=FakeOrchestrator(), engine=engine, store=store)
    yield
    APP.app = None


# POST /generate has rules JSON Schema cannot state (formats <= count; a claim that is not
# blank once trimmed and has no control characters), so some schema-valid bodies get a 400.
# Nor can it say which webhook URLs are safe (https, public addresses only), and GET /jobs takes
# only cursors it signed itself: any other string is a 400.
# Likewise an upload must be a real PNG/JPEG/WebP, a kit's font one on offer and its name not
# blank once trimmed, and a cursor one a page handed out (opaque strings the schema cannot pin).
_SCHEMA_CANNOT_SAY = {
    ("POST", "/api/v1/generate"): [positive_data_acceptance],
    ("POST", "/api/v1/webhook-endpoints"): [positive_data_acceptance],
    ("GET", "/api/v1/jobs"): [positive_data_acceptance],
    ("POST", "/api/v1/assets"): [positive_data_acceptance],
    ("GET", "/api/v1/assets"): [positive_data_acceptance],
    ("POST", "/api/v1/brand-kits"): [positive_data_acceptance],
    ("GET", "/api/v1/brand-kits"): [positive_data_acceptance],
    ("PATCH", "/api/v1/brand-kits/{kitId}"): [positive_data_acceptance],
}


@schema.parametrize()
def test_api_conforms_to_its_schema(case: Case, app: None, fuzzer: Caller) -> None:
    excluded = _SCHEMA_CANNOT_SAY.get((case.method.upper(), case.path), [])
    case.call_and_validate(headers=fuzzer.headers, excluded_checks=excluded)
