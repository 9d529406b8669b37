"""The S3 image store against a real S3-compatible server (SeaweedFS), fetched as clients do."""

from __future__ import annotations

import io
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import pytest
import sqlalchemy
from botocore.exceptions import ClientError
from PIL import Image
from temporalio.testing import ActivityEnvironment

from activities.images import ImageActivities
from api.app import create_app
from domain.jobs import ImageProduced, ImageTask, JobStatus, JobView
from infra.accounts import AccountService
from infra.db import create_db_engine, migrate
from infra.image_stores import build_image_store
from infra.ledger import CreditLedger
from infra.s3_storage import S3ImageStore, S3NotConfigured
from infra.settings import Settings, load_settings
from rendering import render_image, render_png
from tests.api.fakes import FakeOrchestrator
from tests.support.seaweed import SeaweedS3

PNG = b"\x89PNG\r\n\x1a\n" + b"not really an image, but bytes we can recognise" * 20


@pytest.fixture(scope="module")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedS3]:
    with SeaweedS3.running(tmp_path_factory.mktemp("seaweed")) as server:
        yield server


@pytest.fixture(scope="module")
def bucket(s3_server: SeaweedS3, tmp_path_factory: pytest.TempPathFactory) -> str:
    """One bucket for the module's tests (creating one takes the server a second or two)."""
    name = f"images-{uuid.uuid4().hex[:12]}"
    settings = load_settings(data_dir=tmp_path_factory.mktemp("bucket"), **s3_server.settings(name))
    build_image_store(settings)
    return name


def s3_settings(server: SeaweedS3, bucket: str, tmp_path: Path, **overrides: object) -> Settings:
    """Settings for an S3 store on `bucket`, which already exists."""
    return load_settings(
        data_dir=tmp_path, **server.settings(bucket, s3_create_bucket=False, **overrides)
    )


@pytest.fixture
def store(s3_server: SeaweedS3, bucket: str, tmp_path: Path) -> S3ImageStore:
    built = build_image_store(s3_settings(s3_server, bucket, tmp_path))
    assert isinstance(built, S3ImageStore)
    return built


def key() -> str:
    return f"acct_test/{uuid.uuid4()}/image_1.png"


def with_query(url: str, **changes: str) -> str:
    """`url` with some query parameters replaced, as someone tampering with it would."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query)) | changes
    return urlunsplit(parts._replace(query=urlencode(query)))


def test_put_then_exists(store: S3ImageStore):
    stored, never_stored = key(), key()

    store.put(stored, PNG)

    assert store.exists(stored)
    assert not store.exists(never_stored)
    assert not store.exists("../escape.png")
    assert store.get(stored) == PNG  # what a job's zip archive is made of


def test_putting_a_key_again_leaves_one_object_with_the_same_bytes(
    store: S3ImageStore, s3_server: SeaweedS3
):
    image_key = key()

    store.put(image_key, PNG)
    store.put(image_key, PNG)  # a retried activity uploads the same image again

    listed = s3_server.client().list_objects_v2(Bucket=store.bucket, Prefix=image_key)
    assert [entry["Key"] for entry in listed["Contents"]] == [image_key]
    assert httpx.get(store.url(image_key, "http://api.invalid")).content == PNG


def test_presigned_url_serves_the_exact_bytes_to_a_client_without_credentials(
    store: S3ImageStore, s3_server: SeaweedS3
):
    image_key = key()
    store.put(image_key, PNG)

    url = store.url(image_key, "https://api.example.com")
    response = httpx.get(url)  # no Authorization header: the URL alone grants access

    assert url.startswith(f"{s3_server.endpoint_url}/")  # absolute, on the store, not the API
    assert response.status_code == 200
    assert response.content == PNG
    assert response.headers["content-type"] == "image/png"


def test_the_object_without_a_signature_is_refused(store: S3ImageStore, s3_server: SeaweedS3):
    image_key = key()
    store.put(image_key, PNG)

    response = httpx.get(f"{s3_server.endpoint_url}/{store.bucket}/{image_key}")

    assert response.status_code == 403
    assert PNG not in response.content


def test_a_tampered_signature_is_refused(store: S3ImageStore):
    image_key = key()
    store.put(image_key, PNG)
    url = store.url(image_key, "http://api.invalid")
    signature = dict(parse_qsl(urlsplit(url).query))["X-Amz-Signature"]
    flipped = ("0" if signature[0] != "0" else "1") + signature[1:]

    response = httpx.get(with_query(url, **{"X-Amz-Signature": flipped}))

    assert response.status_code == 403
    assert PNG not in response.content


def test_a_signature_does_not_open_another_key(store: S3ImageStore):
    mine, other = key(), key()
    store.put(mine, b"mine")
    store.put(other, PNG)
    url = store.url(mine, "http://api.invalid")

    response = httpx.get(url.replace(mine, other))

    assert response.status_code == 403
    assert PNG not in response.content


def test_a_lengthened_lifetime_is_refused(s3_server: SeaweedS3, bucket: str, tmp_path: Path):
    settings = s3_settings(s3_server, bucket, tmp_path, image_url_ttl_seconds=3600)
    store = build_image_store(settings)
    image_key = key()
    store.put(image_key, PNG)
    url = store.url(image_key, "http://api.invalid")

    response = httpx.get(with_query(url, **{"X-Amz-Expires": str(2 * 3600)}))

    assert response.status_code == 403
    assert PNG not in response.content


def test_an_expired_url_is_refused(s3_server: SeaweedS3, bucket: str, tmp_path: Path):
    store = build_image_store(s3_settings(s3_server, bucket, tmp_path, image_url_ttl_seconds=1))
    image_key = key()
    store.put(image_key, PNG)
    url = store.url(image_key, "http://api.invalid")

    time.sleep(2.5)  # S3 counts expiry in whole seconds from X-Amz-Date
    response = httpx.get(url)

    assert response.status_code == 403
    assert PNG not in response.content


def test_urls_use_the_public_endpoint_when_clients_reach_the_store_elsewhere(
    s3_server: SeaweedS3, bucket: str, tmp_path: Path
):
    # The same server under another host name, as a browser outside docker-compose sees it.
    public = s3_server.endpoint_url.replace("127.0.0.1", "localhost")
    settings = s3_settings(s3_server, bucket, tmp_path, s3_public_endpoint_url=public)
    store = build_image_store(settings)
    image_key = key()
    store.put(image_key, PNG)

    url = store.url(image_key, "http://api.invalid")

    assert url.startswith(f"{public}/")
    assert httpx.get(url).content == PNG


def test_the_bucket_is_created_only_when_asked(s3_server: SeaweedS3, tmp_path: Path):
    settings = s3_settings(s3_server, f"new-{uuid.uuid4().hex[:12]}", tmp_path)
    store = build_image_store(settings)

    with pytest.raises(ClientError, match="NoSuchBucket"):
        store.put(key(), PNG)  # an operator who forgot the bucket hears of it at once

    build_image_store(settings.model_copy(update={"s3_create_bucket": True}))
    build_image_store(settings.model_copy(update={"s3_create_bucket": True}))  # exists: fine
    store.put(key(), PNG)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"s3_bucket": None}, "S3_BUCKET"),
        ({"s3_secret_access_key": None}, "S3_SECRET_ACCESS_KEY"),
        ({"image_url_ttl_seconds": 8 * 24 * 3600}, "IMAGE_URL_TTL_SECONDS"),
    ],
)
def test_settings_s3_cannot_honour_are_refused_at_start_up(
    tmp_path: Path, overrides: dict[str, object], message: str
):
    settings = load_settings(
        data_dir=tmp_path,
        storage_backend="s3",
        s3_bucket="images",
        s3_endpoint_url="http://127.0.0.1:9",
        s3_access_key_id="key",
        s3_secret_access_key="secret",
    ).model_copy(update=overrides)

    with pytest.raises(S3NotConfigured, match=message):
        build_image_store(settings)


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[sqlalchemy.Engine]:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'ledger.db'}")
    migrate(engine)
    yield engine
    engine.dispose()


def test_an_image_activity_uploads_a_png_its_url_serves(
    store: S3ImageStore, sqlite_engine: sqlalchemy.Engine
):
    accounts, ledger = AccountService(sqlite_engine), CreditLedger(sqlite_engine)
    account = accounts.create_account("Acme", plan="pro")
    ledger.grant(account.id, 1)
    activities = ImageActivities(ledger, store, render_png)
    task = ImageTask(
        job_id=str(uuid.uuid4()),
        account_id=account.id,
        index=1,
        format="F4",
        claim="Fresh coffee, roasted this morning",
        language="EN",
        cta="Order now",
    )

    produced = ActivityEnvironment().run(activities.produce_image, task)
    retried = ActivityEnvironment().run(activities.produce_image, task)
    response = httpx.get(store.url(produced.storage_key, "http://api.invalid"))

    assert retried.storage_key == produced.storage_key
    assert response.status_code == 200
    image = Image.open(io.BytesIO(response.content))
    assert (image.format, image.size) == ("PNG", (1200, 628))
    credits = ledger.summary(account.id)
    assert (credits.consumed, credits.held, credits.available) == (1, 0, 0)


@pytest.mark.parametrize(
    ("output", "media_type", "pillow_format"),
    [("jpeg", "image/jpeg", "JPEG"), ("webp", "image/webp", "WEBP")],
)
def test_a_jpeg_or_webp_image_is_served_by_the_store_with_its_content_type(
    store: S3ImageStore,
    sqlite_engine: sqlalchemy.Engine,
    output: str,
    media_type: str,
    pillow_format: str,
):
    accounts, ledger = AccountService(sqlite_engine), CreditLedger(sqlite_engine)
    account = accounts.create_account("Acme", plan="pro")
    ledger.grant(account.id, 1)
    activities = ImageActivities(ledger, store, render_image)
    task = ImageTask(str(uuid.uuid4()), account.id, 1, "F7", "Fresh coffee", "EN", "Order now")

    produced = ActivityEnvironment().run(activities.produce_image, replace(task, output=output))
    response = httpx.get(store.url(produced.storage_key, "http://api.invalid"))

    assert response.status_code == 200
    assert response.headers["Content-Type"] == media_type
    image = Image.open(io.BytesIO(response.content))
    assert (image.format, image.size) == (pillow_format, (300, 250))


async def test_the_api_hands_out_urls_on_the_store_not_on_itself(
    s3_server: SeaweedS3, bucket: str, tmp_path: Path, sqlite_engine: sqlalchemy.Engine
):
    accounts = AccountService(sqlite_engine)
    account = accounts.create_account("Acme", plan="pro")
    _, api_key = accounts.create_key(account.id)
    image_key = f"{account.id}/{uuid.uuid4()}/image_1.png"
    job = JobView(str(uuid.uuid4()), JobStatus.COMPLETED, 1, 1, [ImageProduced(1, "F1", image_key)])
    orchestrator = FakeOrchestrator()
    orchestrator.put(account.id, job)
    settings = s3_settings(s3_server, bucket, tmp_path, public_base_url="https://api.example.com")
    app = create_app(settings, orchestrator=orchestrator, engine=sqlite_engine)

    async with app.router.lifespan_context(app):  # builds the S3 store from the settings
        app.state.store.put(image_key, PNG)  # as the worker that produced it did
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as api:
            answer = await api.get(
                f"/api/v1/jobs/{job.job_id}", headers={"Authorization": f"Bearer {api_key}"}
            )
            on_the_api = await api.get(f"/files/{image_key}")
        [url] = answer.json()["result"]["images"]
        async with httpx.AsyncClient() as anyone:  # no API key, no S3 credentials
            image = await anyone.get(url)

    assert url.startswith(f"{s3_server.endpoint_url}/{bucket}/")
    assert image.content == PNG
    # The API's own file route never serves the bucket's images, signed or not.
    assert on_the_api.status_code == 404
    assert on_the_api.headers["content-type"] == "application/problem+json"
    assert on_the_api.json()["code"] == "not_found"
