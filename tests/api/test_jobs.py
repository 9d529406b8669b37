"""GET /api/v1/jobs/{jobId} and the signed image URLs it hands out."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
import sqlalchemy

from api.app import create_app
from domain.jobs import ImageFailure, ImageProduced, JobStatus, JobView
from infra.settings import Settings
from infra.storage import LocalImageStore
from tests.api.conftest import Caller
from tests.api.fakes import FakeOrchestrator

CREATED_AT = datetime(2026, 11, 30, 9, 15, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n" + b"fake image bytes"


def finished_job(account: Caller, store: LocalImageStore, orchestrator: FakeOrchestrator) -> str:
    """A partial job: images 1 and 3 stored (listed out of order), image 2 failed."""
    job_id = str(uuid.uuid4())
    produced = []
    for index, image_format in ((3, "F10"), (1, "F1")):
        key = f"{account.account.id}/{job_id}/image_{index}.png"
        store.put(key, PNG + bytes([index]))
        produced.append(ImageProduced(index, image_format, key))
    failure = ImageFailure(2, "F4", "render_failed", "the text did not fit")
    view = JobView(
        job_id,
        JobStatus.PARTIAL,
        3,
        started=3,
        produced=produced,
        failures=[failure],
        created_at=CREATED_AT,
        metadata={"campaign": "spring"},
    )
    orchestrator.put(account.account.id, view)
    return job_id


async def test_finished_job_has_the_documented_shape(
    client: httpx.AsyncClient, alice: Caller, store: LocalImageStore, orchestrator: FakeOrchestrator
):
    job_id = finished_job(alice, store, orchestrator)

    response = await client.get(f"/api/v1/jobs/{job_id}", headers=alice.headers)

    assert response.status_code == 200
    body = response.json()
    images = body["result"].pop("images")
    assert body == {
        "jobId": job_id,
        "status": "partial",
        "createdAt": "2026-11-30T09:15:00Z",
        "creditsConsumed": 2,
        "metadata": {"campaign": "spring"},
        "result": {
            "requested": 3,
            "produced": 2,
            "failed": 1,
            "progress": {"done": 3, "total": 3},
            "formats": ["F1", "F10"],
            "failures": [
                {
                    "index": 2,
                    "format": "F4",
                    "code": "render_failed",
                    "message": "the text did not fit",
                }
            ],
        },
    }
    assert [urlsplit(url).path for url in images] == [
        f"/files/{alice.account.id}/{job_id}/image_1.png",
        f"/files/{alice.account.id}/{job_id}/image_3.png",
    ]


async def test_image_urls_are_absolute_and_fetchable_without_a_key(
    client: httpx.AsyncClient, alice: Caller, store: LocalImageStore, orchestrator: FakeOrchestrator
):
    job_id = finished_job(alice, store, orchestrator)
    job = (await client.get(f"/api/v1/jobs/{job_id}", headers=alice.headers)).json()

    fetched = []
    for url in job["result"]["images"]:
        assert url.startswith("http://testserver/files/")
        fetched.append(await client.get(url))

    assert [r.status_code for r in fetched] == [200, 200]
    assert [r.content for r in fetched] == [PNG + b"\x01", PNG + b"\x03"]
    assert all(r.headers["content-type"] == "image/png" for r in fetched)
    assert all("max-age" in r.headers["cache-control"] for r in fetched)


async def test_public_base_url_wins_over_the_request_host(
    client: httpx.AsyncClient, alice: Caller, store: LocalImageStore, orchestrator: FakeOrchestrator
):
    client_app = client._transport.app  # type: ignore[attr-defined]
    client_app.state.settings = client_app.state.settings.model_copy(
        update={"public_base_url": "https://cdn.example.com/"}
    )
    job_id = finished_job(alice, store, orchestrator)

    job = (await client.get(f"/api/v1/jobs/{job_id}", headers=alice.headers)).json()

    assert job["result"]["images"][0].startswith("https://cdn.example.com/files/")


async def test_queued_job_has_empty_lists(
    client: httpx.AsyncClient, alice: Caller, orchestrator: FakeOrchestrator
):
    job_id = (
        await client.post(
            "/api/v1/generate", headers=alice.headers, json={"claim": "Hi", "count": 2}
        )
    ).json()["jobId"]

    body = (await client.get(f"/api/v1/jobs/{job_id}", headers=alice.headers)).json()

    assert body["status"] == "queued"
    assert body["creditsConsumed"] == 0
    assert body["result"] == {
        "requested": 2,
        "produced": 0,
        "failed": 0,
        "progress": {"done": 0, "total": 2},
        "images": [],
        "formats": [],
        "failures": [],
    }


async def test_uppercase_job_id_finds_the_job(
    client: httpx.AsyncClient, alice: Caller, store: LocalImageStore, orchestrator: FakeOrchestrator
):
    job_id = finished_job(alice, store, orchestrator)

    response = await client.get(f"/api/v1/jobs/{job_id.upper()}", headers=alice.headers)

    assert response.status_code == 200
    assert response.json()["jobId"] == job_id


async def test_unknown_foreign_and_malformed_job_ids_get_identical_404s(
    client: httpx.AsyncClient,
    alice: Caller,
    bob: Caller,
    store: LocalImageStore,
    orchestrator: FakeOrchestrator,
):
    bobs_job = finished_job(bob, store, orchestrator)
    ids = [str(uuid.uuid4()), bobs_job, "not-a-uuid", "1" * 300, "%00", "..%2F..%2Fetc"]

    responses = [
        await client.get(f"/api/v1/jobs/{job_id}", headers=alice.headers) for job_id in ids
    ]

    assert [r.status_code for r in responses] == [404] * len(ids)
    assert all(r.headers["content-type"] == "application/problem+json" for r in responses)
    assert all(r.json() == responses[0].json() for r in responses)
    assert responses[0].json()["code"] == "not_found"


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {name: values[0] for name, values in parse_qs(parts.query).items()}
    query.update(changes)
    query = {name: value for name, value in query.items() if value != "<drop>"}
    return parts._replace(query=urlencode(query)).geturl()


@pytest.mark.parametrize(
    "tamper",
    [
        lambda url: with_query(url, signature="A" * 43),
        lambda url: with_query(url, signature="<drop>"),
        lambda url: with_query(url, expires="<drop>"),
        lambda url: with_query(url, expires="9999999999"),
        lambda url: with_query(url, expires="-1"),
        lambda url: with_query(url, expires="1e10"),
        lambda url: with_query(url, signature="\u00e9\u00e9"),
        lambda url: url.replace("image_1.png", "image_3.png"),
        lambda url: url.split("?")[0],
    ],
)
async def test_tampered_urls_get_403_and_no_file(
    client: httpx.AsyncClient,
    alice: Caller,
    store: LocalImageStore,
    orchestrator: FakeOrchestrator,
    tamper,
):
    job_id = finished_job(alice, store, orchestrator)
    job = (await client.get(f"/api/v1/jobs/{job_id}", headers=alice.headers)).json()

    response = await client.get(tamper(job["result"]["images"][0]))

    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "forbidden"
    assert b"PNG" not in response.content


async def test_expired_url_gets_403(
    client: httpx.AsyncClient, alice: Caller, store: LocalImageStore
):
    key = f"{alice.account.id}/{uuid.uuid4()}/image_1.png"
    store.put(key, PNG)
    expired_signer = type(store.signer)(b"test-signing-secret", 60, clock=lambda: 1_000_000)
    url = LocalImageStore(store.root, expired_signer).url(key, "http://testserver")

    response = await client.get(url)

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


async def test_signed_url_for_a_missing_file_gets_404(
    client: httpx.AsyncClient, alice: Caller, store: LocalImageStore
):
    url = store.url(f"{alice.account.id}/{uuid.uuid4()}/image_1.png", "http://testserver")

    response = await client.get(url)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


async def test_traversal_is_refused_even_with_a_valid_signature(
    client: httpx.AsyncClient, store: LocalImageStore
):
    (store.root.parent / "secret.txt").write_text("top secret")
    key = "../secret.txt"
    query = urlencode(store.signer.sign(key))

    response = await client.get(f"/files/{key}?{query}")
    encoded = await client.get(f"/files/..%2Fsecret.txt?{query}")

    assert response.status_code in (403, 404)
    assert encoded.status_code in (403, 404)
    assert b"top secret" not in response.content + encoded.content


@pytest.mark.parametrize("byte_range", ["bytes=abc", "bytes=5-2", "bytes=999-1000", "bytes=0-2"])
async def test_range_headers_never_produce_a_plain_text_error(
    client: httpx.AsyncClient, alice: Caller, store: LocalImageStore, byte_range: str
):
    key = f"{alice.account.id}/{uuid.uuid4()}/image_1.png"
    store.put(key, PNG)

    response = await client.get(store.url(key, "http://testserver"), headers={"Range": byte_range})

    assert response.status_code == 200
    assert response.content == PNG


async def test_head_on_an_image_gives_headers_only(
    client: httpx.AsyncClient, alice: Caller, store: LocalImageStore
):
    key = f"{alice.account.id}/{uuid.uuid4()}/image_1.png"
    store.put(key, PNG)

    response = await client.head(store.url(key, "http://testserver"))

    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.headers["content-length"] == str(len(PNG))
    assert response.content == b""


class CountingStore:
    """The local store behind a wrapper, as a metrics or caching layer would put it."""

    def __init__(self, inner: LocalImageStore) -> None:
        self.inner = inner
        self.served = 0

    def put(self, key: str, data: bytes, content_type: str = "image/png") -> None:
        self.inner.put(key, data, content_type)

    def exists(self, key: str) -> bool:
        return self.inner.exists(key)

    def get(self, key: str) -> bytes:
        return self.inner.get(key)

    def url(self, key: str, base_url: str) -> str:
        return self.inner.url(key, base_url)

    def signed_file(self, key: str, expires: str | None, signature: str | None) -> Path:
        self.served += 1
        return self.inner.signed_file(key, expires, signature)


async def test_the_file_route_serves_any_store_that_signs_its_urls_for_it(
    settings: Settings, engine: sqlalchemy.Engine, store: LocalImageStore, alice: Caller
):
    """The route asks the store how to serve a key; it does not know the store's class."""
    wrapped = CountingStore(store)
    key = f"{alice.account.id}/{uuid.uuid4()}/image_1.png"
    wrapped.put(key, PNG)
    app = create_app(settings, orchestrator=FakeOrchestrator(), engine=engine, store=wrapped)

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            response = await http.get(wrapped.url(key, "http://testserver"))

    assert response.status_code == 200, response.text
    assert response.content == PNG
    assert wrapped.served == 1
