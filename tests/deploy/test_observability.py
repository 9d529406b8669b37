"""Operators' view of the product: API metrics, worker render metrics, JSON logs without keys."""

from __future__ import annotations

import io
import json
import logging
import sys
import time
import urllib.request
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy
from prometheus_client.parser import text_string_to_metric_families
from temporalio.worker import ActivityInboundInterceptor, ExecuteActivityInput

from api.app import create_app
from cli.processes import free_port
from domain.jobs import ImageTask, JobView
from infra.accounts import AccountService
from infra.db import create_db_engine, migrate
from infra.logging import (
    REDACTED,
    JsonFormatter,
    RedactApiKeys,
    TextFormatter,
    configure_logging,
    current_log_context,
    log_context,
)
from infra.settings import Settings
from infra.signing import UrlSigner
from infra.storage import LocalImageStore
from rendering import CreativeSpec
from tests.api.fakes import FakeOrchestrator
from worker.metrics import (
    LogContextInterceptor,
    RenderMetrics,
    build_metrics_runtime,
    instrument_renderer,
)

SECRET = "observability-test-secret"
JOBS_ROUTE = "/api/v1/jobs/{jobId}"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlalchemy.Engine]:
    db_engine = create_db_engine(f"sqlite:///{tmp_path_factory.mktemp('obs-db') / 'test.db'}")
    migrate(db_engine)
    yield db_engine
    db_engine.dispose()


@pytest.fixture(scope="module")
def api_key(engine: sqlalchemy.Engine) -> str:
    accounts = AccountService(engine)
    account = accounts.create_account("Observer")
    return accounts.create_key(account.id)[1]


class ExplodingOrchestrator(FakeOrchestrator):
    """Fails like a bug would: not a domain error, so the API answers 500 internal_error."""

    async def get(self, account_id: str, job_id: str) -> JobView:
        raise RuntimeError("orchestrator bug")


async def _client(
    tmp_path: Path, engine: sqlalchemy.Engine, orchestrator: FakeOrchestrator
) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(data_dir=tmp_path, url_signing_secret=SECRET)
    store = LocalImageStore(tmp_path / "images", UrlSigner(SECRET.encode(), 3600))
    app = create_app(settings, orchestrator=orchestrator, engine=engine, store=store)
    async with app.router.lifespan_context(app):
        # raise_app_exceptions=False: answer a crash with the 500 a real server sends.
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


@pytest.fixture
async def client(tmp_path: Path, engine: sqlalchemy.Engine) -> AsyncIterator[httpx.AsyncClient]:
    async for http in _client(tmp_path, engine, FakeOrchestrator()):
        yield http


def _samples(exposition: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }


async def _scrape(http: httpx.AsyncClient) -> tuple[str, Samples]:
    response = await http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return response.text, _samples(response.text)


def _value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def test_metrics_count_requests_by_route_template_not_raw_path(
    client: httpx.AsyncClient, api_key: str
) -> None:
    auth = {"Authorization": f"Bearer {api_key}"}
    job_ids = [str(uuid.uuid4()) for _ in range(3)]
    for job_id in job_ids:
        assert (await client.get(f"/api/v1/jobs/{job_id}", headers=auth)).status_code == 404
    for _ in range(2):
        assert (await client.get("/api/v1/formats")).status_code == 200
    assert (await client.get(f"/scanner/{uuid.uuid4()}")).status_code == 404

    text, samples = await _scrape(client)

    requests = "creative_api_requests_total"
    assert _value(samples, requests, method="GET", route=JOBS_ROUTE, status="404") == 3
    assert _value(samples, requests, method="GET", route="/api/v1/formats", status="200") == 2
    assert _value(samples, requests, method="GET", route="unmatched", status="404") == 1
    latency = "creative_api_request_duration_seconds_count"
    assert _value(samples, latency, method="GET", route=JOBS_ROUTE) == 3
    assert not any(job_id in text for job_id in job_ids), "raw paths leaked into labels"
    assert "process_cpu_seconds_total" in text or "python_info" in text


async def test_with_a_metrics_token_only_its_bearer_reads_the_metrics(
    tmp_path: Path, engine: sqlalchemy.Engine, api_key: str
) -> None:
    settings = Settings(data_dir=tmp_path, url_signing_secret=SECRET, metrics_token="scrape-me")
    app = create_app(settings, orchestrator=FakeOrchestrator(), engine=engine)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            anonymous = await http.get("/metrics")
            customer = await http.get("/metrics", headers={"Authorization": f"Bearer {api_key}"})
            scraper = await http.get("/metrics", headers={"Authorization": "Bearer scrape-me"})

    for refused in (anonymous, customer):
        assert refused.status_code == 401
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["code"] == "unauthorized"
    assert scraper.status_code == 200
    assert "creative_api_requests_total" in scraper.text


async def test_metrics_endpoint_is_not_in_the_openapi_schema(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert "/metrics" not in paths
    assert "/api/v1/jobs/{jobId}" in paths


async def test_error_responses_are_counted_by_problem_code(
    client: httpx.AsyncClient, api_key: str
) -> None:
    _, before = await _scrape(client)
    await client.get(f"/api/v1/jobs/{uuid.uuid4()}")  # no key
    await client.get(f"/api/v1/jobs/{uuid.uuid4()}", headers={"Authorization": "Bearer nope"})
    await client.post(
        "/api/v1/generate",
        headers={"Authorization": f"Bearer {api_key}"},
        json={"claim": "", "count": 0},
    )
    _, after = await _scrape(client)

    def delta(code: str, status: str) -> float:
        name = "creative_api_problems_total"
        return _value(after, name, code=code, status=status) - _value(
            before, name, code=code, status=status
        )

    assert delta("unauthorized", "401") == 2
    assert delta("invalid_request", "400") == 1
    assert delta("not_found", "404") == 0


async def test_a_crash_counts_as_a_500_internal_error(
    tmp_path: Path, engine: sqlalchemy.Engine, api_key: str
) -> None:
    async for http in _client(tmp_path, engine, ExplodingOrchestrator()):
        response = await http.get(
            f"/api/v1/jobs/{uuid.uuid4()}", headers={"Authorization": f"Bearer {api_key}"}
        )
        assert response.status_code == 500
        assert response.json()["code"] == "internal_error"
        _, samples = await _scrape(http)
        assert _value(samples, "creative_api_problems_total", code="internal_error", status="500")
        assert (
            _value(
                samples, "creative_api_requests_total", method="GET", route=JOBS_ROUTE, status="500"
            )
            == 1
        )


async def test_each_request_is_logged_once_with_its_route_job_and_account(
    client: httpx.AsyncClient,
    api_key: str,
    engine: sqlalchemy.Engine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    job_id = str(uuid.uuid4())
    with caplog.at_level(logging.INFO, logger="api.access"):
        await client.get(f"/api/v1/jobs/{job_id}", headers={"Authorization": f"Bearer {api_key}"})
        await client.get("/metrics")
    [record] = [r for r in caplog.records if r.name == "api.access"]
    assert vars(record)["route"] == JOBS_ROUTE
    assert vars(record)["status"] == 404
    assert vars(record)["job_id"] == job_id
    assert vars(record)["problemCode"] == "not_found"
    assert vars(record)["account_id"] == AccountService(engine).authenticate(api_key).id


def _json_logger(name: str) -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactApiKeys())
    logger = logging.getLogger(name)
    logger.handlers = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger, stream


def test_json_lines_carry_the_job_and_account_and_never_an_api_key() -> None:
    logger, stream = _json_logger("tests.deploy.json")
    key = "cs_live_Ab3_x-Y9zQ"
    with log_context(job_id="job-1", account_id="acct_1"):
        logger.info("caller presented %s", key)
        logger.warning(f"key {key} in the message itself", extra={"renderMs": 12})
        try:
            raise ValueError(f"bad key {key}")
        except ValueError:
            logger.exception("failed")
    logger.info("outside any job")

    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(lines) == 4
    assert key not in stream.getvalue()
    for line in lines[:3]:
        assert {"ts", "level", "logger", "message"} <= line.keys()
        assert line["jobId"] == "job-1" and line["accountId"] == "acct_1"
    assert lines[0]["message"] == f"caller presented {REDACTED}"
    assert lines[1]["level"] == "WARNING" and lines[1]["renderMs"] == 12
    assert REDACTED in lines[2]["exc"] and "ValueError" in lines[2]["exc"]
    assert "jobId" not in lines[3]


def test_json_mode_turns_every_record_and_a_crash_into_json_lines(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    try:
        configure_logging("json", "info")
        logging.getLogger("uvicorn.error").info(
            "Started server process [%d]", 7, extra={"color_message": "\x1b[36m%d\x1b[0m"}
        )
        try:
            raise RuntimeError("Bearer cs_live_crash_key was rejected")
        except RuntimeError as error:
            sys.excepthook(RuntimeError, error, error.__traceback__)
    finally:
        root.handlers, root.level = saved_handlers, saved_level
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert lines[0]["message"] == "Started server process [7]"
    assert "color_message" not in lines[0]
    assert lines[1]["level"] == "CRITICAL" and "RuntimeError" in lines[1]["exc"]
    assert "cs_live_crash_key" not in json.dumps(lines)


def test_json_lines_name_the_workflow_of_temporal_activity_logs() -> None:
    logger, stream = _json_logger("tests.deploy.temporal")
    info = {"workflow_id": "creative-job-42", "activity_type": "produce_image", "attempt": 3}
    logger.warning("Completing activity as failed", extra={"temporal_activity": info})
    [line] = [json.loads(text) for text in stream.getvalue().splitlines()]
    assert line["workflowId"] == "creative-job-42"
    assert line["activityType"] == "produce_image" and line["attempt"] == 3
    assert "temporal_activity" not in line


def test_text_lines_redact_keys_too() -> None:
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "key %s", ("cs_live_secret",), None)
    RedactApiKeys().filter(record)
    assert "cs_live_secret" not in TextFormatter("%(message)s").format(record)


async def test_activities_run_inside_their_job_and_account_log_context() -> None:
    seen: list[dict[str, str]] = []

    class Innermost(ActivityInboundInterceptor):
        async def execute_activity(self, input: ExecuteActivityInput) -> Any:
            seen.append(dict(current_log_context()))

    task = ImageTask("job-7", "acct_7", 1, "F1", "Claim", "EN", "Buy")
    inbound = LogContextInterceptor().intercept_activity(Innermost(None))  # type: ignore[arg-type]
    await inbound.execute_activity(ExecuteActivityInput(lambda: None, [task], None, {}))
    assert seen == [{"job_id": "job-7", "account_id": "acct_7"}]
    assert current_log_context() == {}


def _scrape_worker(address: str, until: str) -> str:
    deadline = time.monotonic() + 10
    while True:
        text = urllib.request.urlopen(f"http://{address}/metrics", timeout=5).read().decode()
        if until in text or time.monotonic() > deadline:
            return text
        time.sleep(0.1)


def test_worker_counts_and_times_renders_on_its_metrics_endpoint() -> None:
    address = f"127.0.0.1:{free_port()}"
    runtime = build_metrics_runtime(address)

    def render(spec: CreativeSpec) -> bytes:
        if spec.claim == "boom":
            raise MemoryError("out of memory")
        return b"png"

    instrumented = instrument_renderer(render, RenderMetrics(runtime.metric_meter))
    spec = CreativeSpec("Claim", "EN", "Buy", "F4", "job:1")
    assert instrumented(spec) == b"png"
    assert instrumented(spec) == b"png"
    with pytest.raises(MemoryError):
        instrumented(CreativeSpec("boom", "EN", "Buy", "F4", "job:2"))

    samples = _samples(_scrape_worker(address, until="creative_images_failed_total"))
    tags = {"service_name": "temporal-core-sdk"}
    assert _value(samples, "creative_images_rendered_total", format="F4", **tags) == 2
    assert (
        _value(samples, "creative_images_failed_total", format="F4", error="MemoryError", **tags)
        == 1
    )
    assert _value(samples, "creative_image_render_seconds_count", format="F4", **tags) == 2
