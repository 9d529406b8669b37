"""The web app through the ASGI app: real database, real templates, a fake orchestrator."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
import sqlalchemy

from api.app import create_app
from infra.settings import Settings
from infra.storage import LocalImageStore
from tests.api.fakes import FakeOrchestrator

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_IDEMPOTENCY_KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')


def new_email() -> str:
    return f"user-{uuid.uuid4().hex[:10]}@example.com"


def csrf_token(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


async def post_form(
    browser: httpx.AsyncClient, page: str, action: str, data: dict[str, str | list[str]]
) -> httpx.Response:
    """Open `page` as a browser would, then submit its form with the page's CSRF token."""
    opened = await browser.get(page)
    assert opened.status_code == 200, opened.text
    hidden = {"csrf_token": csrf_token(opened.text)}
    if key := _IDEMPOTENCY_KEY.search(opened.text):
        hidden["idempotency_key"] = key.group(1)
    return await browser.post(action, data={**data, **hidden})


async def sign_up(browser: httpx.AsyncClient, email: str | None = None) -> str:
    email = email or new_email()
    response = await post_form(
        browser, "/app/signup", "/app/signup", {"email": email, "password": PASSWORD}
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/app/dashboard"
    return email


async def web_client(
    settings: Settings,
    orchestrator: FakeOrchestrator,
    engine: sqlalchemy.Engine,
    store: LocalImageStore,
    base_url: str,
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, orchestrator=orchestrator, engine=engine, store=store)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as browser:
            yield browser


@pytest.fixture
async def browser(
    settings: Settings,
    orchestrator: FakeOrchestrator,
    engine: sqlalchemy.Engine,
    store: LocalImageStore,
) -> AsyncIterator[httpx.AsyncClient]:
    """A cookie-keeping client on a fresh app (its own log-in throttle), over http."""
    async for client in web_client(settings, orchestrator, engine, store, "http://testserver"):
        yield client


@pytest.fixture
async def https_browser(
    settings: Settings,
    orchestrator: FakeOrchestrator,
    engine: sqlalchemy.Engine,
    store: LocalImageStore,
) -> AsyncIterator[httpx.AsyncClient]:
    """The same over https, as behind a TLS-terminating proxy."""
    async for client in web_client(settings, orchestrator, engine, store, "https://testserver"):
        yield client
