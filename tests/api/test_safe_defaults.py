"""Safe defaults at the application level: redirects never take their host from the request,
a body must arrive in time, and production will not serve an open /metrics by accident."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy
import yaml

from api.app import create_app
from infra.settings import Settings
from infra.storage import LocalImageStore
from tests.api.conftest import SECRET, Caller
from tests.api.fakes import FakeOrchestrator
from tests.api.test_generate import problem

ROOT = Path(__file__).parents[2]
# Paths a trailing slash away from a route or mount: each once invited a 307 to Host.
NEAR_MISSES = ["/files", "/api/v1/keys/", "/api/v1/account/", "/healthz/", "/app/static", "/docs/"]


@pytest.mark.parametrize("path", NEAR_MISSES)
async def test_no_redirect_takes_its_host_from_the_request(client: httpx.AsyncClient, path: str):
    response = await client.get(path, headers={"Host": "evil.example"})

    assert "evil.example" not in response.headers.get("location", "")
    assert not 300 <= response.status_code < 400, response.headers
    if path.startswith("/app/"):  # the web app's own not-found page
        assert response.status_code == 404
    else:
        problem(response, 404, "not_found")


async def test_the_web_app_still_redirects_to_its_own_paths(client: httpx.AsyncClient):
    response = await client.get("/app", headers={"Host": "evil.example"})

    assert response.status_code == 303
    assert response.headers["location"] == "/app/login"  # a path: the browser keeps its host


async def test_a_body_that_stops_arriving_gets_408_and_starts_nothing(
    tmp_path: Path,
    orchestrator: FakeOrchestrator,
    engine: sqlalchemy.Engine,
    store: LocalImageStore,
    alice: Caller,
):
    settings = Settings(
        data_dir=tmp_path, url_signing_secret=SECRET.decode(), body_read_timeout_seconds=0.2
    )
    app = create_app(settings, orchestrator=orchestrator, engine=engine, store=store)

    async def declared_then_stalled() -> AsyncIterator[bytes]:
        yield b'{"claim": "Best protein'
        await asyncio.sleep(60)  # a slow client: the rest never comes
        yield b' supplements"}'

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            response = await http.post(
                "/api/v1/generate",
                headers={**alice.headers, "Content-Type": "application/json"},
                content=declared_then_stalled(),
            )

    body = problem(response, 408, "request_timeout")
    assert "0.2 s" in body["detail"]
    assert response.headers["connection"] == "close"
    assert orchestrator.calls == []


def production(tmp_path: Path, **extra: object) -> Settings:
    return Settings(
        environment="production",
        data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'db.sqlite'}",
        url_signing_secret="a-production-secret",
        public_base_url="https://ads.example.com",
        **extra,  # type: ignore[arg-type]
    )


def test_production_api_refuses_to_start_with_open_metrics(tmp_path: Path):
    with pytest.raises(ValueError, match="METRICS_TOKEN"):
        create_app(production(tmp_path))
    with pytest.raises(ValueError, match="METRICS_TOKEN"):
        create_app(production(tmp_path, metrics_token=""))  # empty is no token


@pytest.mark.parametrize("extra", [{"metrics_token": "scrape-me"}, {"metrics_public": True}])
def test_production_api_starts_with_a_token_or_metrics_made_public_on_purpose(
    tmp_path: Path, extra: dict[str, object]
):
    assert create_app(production(tmp_path, **extra)) is not None


def test_compose_gives_the_api_a_token_and_its_prometheus_sends_it():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert compose["x-app-environment"]["METRICS_TOKEN"] == "${METRICS_TOKEN:?set METRICS_TOKEN}"
    assert compose["configs"]["metrics-token"]["content"] == "${METRICS_TOKEN:?set METRICS_TOKEN}"
    [mounted] = compose["services"]["prometheus"]["configs"]
    assert mounted["source"] == "metrics-token"

    scrape = yaml.safe_load((ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text())
    [api_job] = [job for job in scrape["scrape_configs"] if job["job_name"] == "creative-api"]
    assert api_job["authorization"] == {"type": "Bearer", "credentials_file": mounted["target"]}
    assert "METRICS_TOKEN=" in (ROOT / "deploy" / "example.env").read_text()
