"""The image activity with its real ledger, store and renderer, called as Temporal would."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.images import ImageActivities
from domain.jobs import ImageTask
from infra.accounts import AccountService
from infra.db import create_db_engine, migrate
from infra.ledger import CreditLedger, ReservationState
from infra.signing import UrlSigner
from infra.storage import LocalImageStore
from rendering import CreativeSpec, render_image, render_png


@pytest.fixture
def world(tmp_path: Path):
    engine = create_db_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    migrate(engine)
    account = AccountService(engine).create_account("Acme")
    ledger = CreditLedger(engine)
    ledger.grant(account.id, 5)
    store = LocalImageStore(tmp_path / "images", UrlSigner(b"secret", 3600))
    yield account.id, ledger, store, ImageActivities(ledger, store, render_png)
    engine.dispose()


def task(account_id: str, claim: str, index: int = 1, image_format: str = "F4") -> ImageTask:
    return ImageTask("job-1", account_id, index, image_format, claim, "EN", "Shop now")


def test_an_image_is_rendered_stored_and_charged_once_even_when_retried(world):
    account_id, ledger, store, activities = world
    env = ActivityEnvironment()

    first = env.run(activities.produce_image, task(account_id, "Best protein supplements"))
    again = env.run(activities.produce_image, task(account_id, "Best protein supplements"))

    assert first == again
    with Image.open(store.path_for(first.storage_key)) as image:
        assert image.size == (1200, 628)
    summary = ledger.summary(account_id)
    assert (summary.consumed, summary.held, summary.available) == (1, 0, 4)


def test_a_claim_no_font_can_draw_fails_for_good_without_charging(world):
    account_id, ledger, _store, activities = world

    with pytest.raises(ApplicationError) as failure:
        ActivityEnvironment().run(activities.produce_image, task(account_id, "🚀🚀🚀"))

    assert failure.value.type == "InvalidCreative"
    assert failure.value.non_retryable
    assert [r.state for r in ledger.job_reservations("job-1")] == [ReservationState.HELD]
    assert ledger.summary(account_id).consumed == 0, "held until the workflow releases it"


class RecordingStore:
    """The real local store, remembering the content type each object was stored with."""

    def __init__(self, inner: LocalImageStore) -> None:
        self.inner = inner
        self.content_types: dict[str, str] = {}

    def put(self, key: str, data: bytes, content_type: str = "image/png") -> None:
        self.content_types[key] = content_type
        self.inner.put(key, data, content_type)

    def exists(self, key: str) -> bool:
        return self.inner.exists(key)

    def url(self, key: str, base_url: str) -> str:
        return self.inner.url(key, base_url)


@pytest.mark.parametrize(
    ("output", "extension", "media_type", "pillow_format"),
    [
        ("png", "png", "image/png", "PNG"),
        ("jpeg", "jpg", "image/jpeg", "JPEG"),
        ("webp", "webp", "image/webp", "WEBP"),
    ],
)
def test_an_image_is_stored_in_the_output_it_asked_for_with_the_spec_fields(
    world, output: str, extension: str, media_type: str, pillow_format: str
):
    account_id, ledger, local_store, _ = world
    store = RecordingStore(local_store)
    specs: list[CreativeSpec] = []

    def render(spec: CreativeSpec) -> bytes:
        specs.append(spec)
        return render_image(spec)

    activities = ImageActivities(ledger, store, render)
    image_task = replace(
        task(account_id, "Best protein supplements", image_format="F1"),
        subline="Free shipping",
        badge="-20%",
        output=output,
    )

    produced = ActivityEnvironment().run(activities.produce_image, image_task)

    assert produced.storage_key == f"{account_id}/job-1/image_1.{extension}"
    assert store.content_types == {produced.storage_key: media_type}
    with Image.open(local_store.path_for(produced.storage_key)) as image:
        assert (image.format, image.size) == (pillow_format, (1080, 1080))
    [spec] = specs
    assert (spec.subline, spec.badge, spec.output) == ("Free shipping", "-20%", output)
