"""upload -> kit -> job: the workflow input pins sha256s, and every attempt renders the same.

Runs the real workflow (time-skipping server) and the real image activity, on SQLite + local
files and on PostgreSQL + S3 (SeaweedFS).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy
from temporalio.testing import WorkflowEnvironment

from activities.images import ImageActivities
from api.temporal_orchestrator import _job_input
from domain.jobs import GenerateRequest, JobStatus
from infra.accounts import AccountService
from infra.assets import AssetService
from infra.brand_kits import BrandKitService, KitChanges
from infra.db import create_db_engine, migrate
from infra.ledger import CreditLedger
from infra.signing import UrlSigner
from infra.storage import ImageStore, LocalImageStore
from rendering import CreativeSpec, render_image
from tests.api.brand_fixtures import BACKENDS, _s3_store, s3_server  # noqa: F401
from tests.infra.conftest import empty_all_tables, postgres_url  # noqa: F401
from tests.support import upload_images as images
from worker.main import build_worker
from workflows.generate_creatives import GenerateCreativesWorkflow


@dataclass
class World:
    engine: sqlalchemy.Engine
    store: ImageStore
    account_id: str
    ledger: CreditLedger
    assets: AssetService
    kits: BrandKitService


@pytest.fixture(params=BACKENDS)
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    if request.param == "sqlite-local":
        engine = create_db_engine(f"sqlite:///{tmp_path / 'db' / 'pins.db'}")
        migrate(engine)
        store: ImageStore = LocalImageStore(tmp_path / "images", UrlSigner(b"secret", 3600))
    else:
        engine = create_db_engine(request.getfixturevalue("postgres_url"))
        store = _s3_store(request.getfixturevalue("s3_server"), tmp_path)
    account = AccountService(engine).create_account("Acme")
    ledger = CreditLedger(engine)
    ledger.grant(account.id, 10)
    assets = AssetService(engine, store)
    yield World(engine, store, account.id, ledger, assets, BrandKitService(engine, assets))
    if request.param != "sqlite-local":
        empty_all_tables(engine)
    engine.dispose()


async def test_a_retried_image_renders_from_byte_identical_pinned_inputs(
    world: World, time_skipping_env: WorkflowEnvironment
):
    logo_bytes, photo_bytes = images.transparent_logo(), images.product_photo()
    logo = world.assets.create(world.account_id, logo_bytes)
    photo = world.assets.create(world.account_id, photo_bytes)
    kit = world.kits.create(
        world.account_id,
        KitChanges(name="Acme", colors={"primary": "#0A66C2"}, font="Inter", logo=logo.id),
    )
    request = GenerateRequest(
        claim="Best coffee", count=2, brand_kit=kit.id, product_image=photo.id
    )
    pins = world.kits.pin(world.account_id, request.brand_kit, request.product_image)
    job = _job_input(str(uuid.uuid4()), world.account_id, request, pins)
    # Edited and deleted after submission: the job must not notice.
    world.kits.update(world.account_id, kit.id, KitChanges(colors={"primary": "#000000"}))
    world.assets.delete(world.account_id, photo.id)
    specs: list[CreativeSpec] = []

    def render_failing_once_per_image(spec: CreativeSpec) -> bytes:
        specs.append(spec)
        if sum(s.variant_seed == spec.variant_seed for s in specs) == 1:
            raise RuntimeError("the renderer's host went away")  # retryable
        return render_image(spec)

    activities = ImageActivities(world.ledger, world.store, render_failing_once_per_image)
    task_queue = f"tq-{uuid.uuid4()}"
    with ThreadPoolExecutor(2) as executor:
        worker = build_worker(
            time_skipping_env.client,
            activities,
            task_queue=task_queue,
            executor=executor,
            max_concurrent_activities=2,
        )
        async with worker:
            handle = await time_skipping_env.client.start_workflow(
                GenerateCreativesWorkflow.run, job, id=f"pins-{job.job_id}", task_queue=task_queue
            )
            view = await handle.result()
            history = await handle.fetch_history()

    assert view.status is JobStatus.COMPLETED
    started = history.events[0].workflow_execution_started_event_attributes
    [payload] = started.input.payloads
    pinned = json.loads(payload.data)
    assert pinned["brand_kit"]["primary"] == "#0A66C2"
    assert pinned["brand_kit"]["font"] == "Inter"
    assert pinned["brand_kit"]["logo"]["sha256"] == hashlib.sha256(logo_bytes).hexdigest()
    assert pinned["product_image"]["sha256"] == hashlib.sha256(photo_bytes).hexdigest()
    assert len(specs) == 4, "each of the 2 images: one failed attempt, one retry"
    for seed in {s.variant_seed for s in specs}:
        first, retry = [s for s in specs if s.variant_seed == seed]
        assert first == retry
        assert first.product_image == photo_bytes
        assert first.brand is not None and first.brand.logo == logo_bytes
        assert (first.brand.primary, first.brand.font) == ("#0A66C2", "Inter")
