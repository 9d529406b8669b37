"""The image activity loads the bytes a job pinned, and only those bytes."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.images import ImageActivities
from domain.brand import BrandKitPin, PinnedAsset
from domain.jobs import ImageTask
from infra.accounts import AccountService
from infra.db import create_db_engine, migrate
from infra.ledger import CreditLedger, ReservationState
from infra.signing import UrlSigner
from infra.storage import LocalImageStore
from rendering import CreativeSpec, render_png
from tests.support import upload_images as images


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[str, CreditLedger, LocalImageStore]]:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    migrate(engine)
    account = AccountService(engine).create_account("Acme")
    ledger = CreditLedger(engine)
    ledger.grant(account.id, 5)
    yield account.id, ledger, LocalImageStore(tmp_path / "images", UrlSigner(b"s", 3600))
    engine.dispose()


def pinned(store: LocalImageStore, account_id: str, data: bytes, ext: str) -> PinnedAsset:
    sha = hashlib.sha256(data).hexdigest()
    key = f"{account_id}/assets/{sha}.{ext}"
    store.put(key, data)
    return PinnedAsset(sha, key, f"image/{ext}", 1, 1)


def brand_task(account_id: str, logo: PinnedAsset, photo: PinnedAsset) -> ImageTask:
    return ImageTask(
        "job-1",
        account_id,
        1,
        "F1",
        "Best coffee",
        "EN",
        "Shop now",
        brand_kit=BrandKitPin("bk_1", primary="#0A66C2", text="#111111", font="Inter", logo=logo),
        product_image=photo,
    )


def test_the_renderer_gets_the_kit_and_the_pinned_bytes(world):
    account_id, ledger, store = world
    logo_bytes, photo_bytes = images.transparent_logo(), images.product_photo()
    specs: list[CreativeSpec] = []

    def render(spec: CreativeSpec) -> bytes:
        specs.append(spec)
        return render_png(spec)

    task = brand_task(
        account_id,
        pinned(store, account_id, logo_bytes, "png"),
        pinned(store, account_id, photo_bytes, "jpeg"),
    )
    ActivityEnvironment().run(ImageActivities(ledger, store, render).produce_image, task)

    [spec] = specs
    assert spec.product_image == photo_bytes
    assert spec.brand is not None
    assert (spec.brand.primary, spec.brand.text, spec.brand.font) == ("#0A66C2", "#111111", "Inter")
    assert spec.brand.logo == logo_bytes


def test_a_pinned_image_gone_from_the_store_fails_the_image_for_good(world):
    account_id, ledger, store = world
    logo = pinned(store, account_id, images.transparent_logo(), "png")
    missing = PinnedAsset("0" * 64, f"{account_id}/assets/{'0' * 64}.png", "image/png", 1, 1)

    with pytest.raises(ApplicationError) as failure:
        ActivityEnvironment().run(
            ImageActivities(ledger, store, render_png).produce_image,
            brand_task(account_id, logo, missing),
        )

    assert failure.value.non_retryable and failure.value.type == "InvalidCreative"
    assert [r.state for r in ledger.job_reservations("job-1")] == [ReservationState.HELD]


def test_bytes_that_do_not_hash_to_the_pin_are_never_rendered(world):
    account_id, ledger, store = world
    logo = pinned(store, account_id, images.transparent_logo(), "png")
    photo = pinned(store, account_id, images.product_photo(), "jpeg")
    store.put(photo.storage_key, images.product_photo((90, 90)))  # altered behind our back
    rendered: list[CreativeSpec] = []

    with pytest.raises(ApplicationError) as failure:
        ActivityEnvironment().run(
            ImageActivities(ledger, store, lambda s: rendered.append(s) or b"").produce_image,
            brand_task(account_id, logo, photo),
        )

    assert not failure.value.non_retryable, "a storage fault: a retry may read it intact"
    assert rendered == []
