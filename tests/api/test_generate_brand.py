"""POST /generate with productImage and brandKit: what the job pins, and what it refuses."""

from __future__ import annotations

import hashlib

from domain.brand import BrandKitPin, JobPins, PinnedAsset
from tests.api.brand_fixtures import *  # noqa: F403
from tests.api.brand_fixtures import Brand, upload
from tests.support import upload_images as images

KITS = "/api/v1/brand-kits"


async def generate(brand: Brand, key: str | None = None, headers=None, **body):
    extra = {"Idempotency-Key": key} if key else {}
    return await brand.http.post(
        "/api/v1/generate",
        headers={**(headers or brand.alice), **extra},
        json={"claim": "Best coffee in town", **body},
    )


async def kit_with_logo(brand: Brand) -> tuple[dict, dict]:
    logo = (await upload(brand, images.transparent_logo())).json()
    kit = await brand.http.post(
        KITS,
        headers=brand.alice,
        json={
            "name": "Acme",
            "colors": {"primary": "#0A66C2", "accent": "#F5B700"},
            "font": "Inter",
            "logo": logo["id"],
        },
    )
    return kit.json(), logo


async def test_the_job_pins_the_kit_content_and_the_assets_by_sha256(brand: Brand):
    kit, logo = await kit_with_logo(brand)
    photo_bytes = images.product_photo()
    photo = (await upload(brand, photo_bytes)).json()

    response = await generate(brand, brandKit=kit["id"], productImage=photo["id"])

    assert response.status_code == 202
    [call] = brand.orchestrator.calls
    logo_key = f"{brand.alice_id}/assets/{logo['sha256']}.png"
    photo_key = f"{brand.alice_id}/assets/{photo['sha256']}.jpg"
    assert call.pins == JobPins(
        brand_kit=BrandKitPin(
            kit_id=kit["id"],
            primary="#0A66C2",
            accent="#F5B700",
            font="Inter",
            logo=PinnedAsset(logo["sha256"], logo_key, "image/png", 120, 60),
        ),
        product_image=PinnedAsset(photo["sha256"], photo_key, "image/jpeg", 200, 100),
    )
    assert hashlib.sha256(brand.store.get(photo_key)).hexdigest() == photo["sha256"]
    assert photo["sha256"] == hashlib.sha256(photo_bytes).hexdigest()


async def test_without_brand_kit_the_default_kit_is_pinned_and_without_one_nothing(brand: Brand):
    assert (await generate(brand)).status_code == 202
    kit, _ = await kit_with_logo(brand)
    assert (await generate(brand)).status_code == 202

    before, after = brand.orchestrator.calls
    assert before.pins == JobPins()
    assert after.pins is not None and after.pins.brand_kit is not None
    assert after.pins.brand_kit.kit_id == kit["id"]


async def test_editing_or_deleting_after_submission_does_not_touch_the_pinned_content(
    brand: Brand,
):
    kit, logo = await kit_with_logo(brand)
    await generate(brand, brandKit=kit["id"])
    [call] = brand.orchestrator.calls
    pinned = call.pins

    await brand.http.patch(
        f"{KITS}/{kit['id']}", headers=brand.alice, json={"colors": {"primary": "#000000"}}
    )
    await brand.http.delete(f"/api/v1/assets/{logo['id']}", headers=brand.alice)

    assert call.pins == pinned
    assert pinned is not None and pinned.brand_kit is not None and pinned.brand_kit.logo
    assert pinned.brand_kit.primary == "#0A66C2"
    logo_bytes = brand.store.get(pinned.brand_kit.logo.storage_key)
    assert hashlib.sha256(logo_bytes).hexdigest() == logo["sha256"], "the bytes outlive the record"


async def test_a_product_image_deleted_before_submission_is_404_and_starts_nothing(brand: Brand):
    photo = (await upload(brand, images.product_photo())).json()
    await brand.http.delete(f"/api/v1/assets/{photo['id']}", headers=brand.alice)

    response = await generate(brand, productImage=photo["id"])

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert response.json()["detail"].startswith("productImage: no such asset")
    assert brand.orchestrator.jobs == {}


async def test_foreign_ids_are_404_like_unknown_ones_and_start_nothing(brand: Brand):
    bobs_photo = (await upload(brand, images.product_photo(), brand.bob)).json()["id"]
    bobs_kit = (
        await brand.http.post(
            KITS, headers=brand.bob, json={"name": "Bob", "colors": {"primary": "#123456"}}
        )
    ).json()["id"]

    answers = {
        "foreign photo": await generate(brand, productImage=bobs_photo),
        "unknown photo": await generate(brand, productImage="ast_" + "0" * 24),
        "foreign kit": await generate(brand, brandKit=bobs_kit),
        "unknown kit": await generate(brand, brandKit="bk_" + "0" * 24),
    }

    assert {name: r.status_code for name, r in answers.items()} == dict.fromkeys(answers, 404)
    assert answers["foreign photo"].json() == answers["unknown photo"].json()
    assert answers["foreign kit"].json() == answers["unknown kit"].json()
    assert answers["foreign kit"].json()["detail"].startswith("brandKit: no such brand kit")
    assert brand.orchestrator.jobs == {}


async def test_the_idempotency_fingerprint_covers_brand_kit_and_product_image(brand: Brand):
    kit, _ = await kit_with_logo(brand)
    photo = (await upload(brand, images.product_photo())).json()
    other = (await upload(brand, images.product_photo((120, 80)))).json()

    first = await generate(brand, key="k1", brandKit=kit["id"], productImage=photo["id"])
    other_photo = await generate(brand, key="k1", brandKit=kit["id"], productImage=other["id"])
    no_kit = await generate(brand, key="k1", productImage=photo["id"])
    same = await generate(brand, key="k1", brandKit=kit["id"], productImage=photo["id"])

    assert first.status_code == 202
    assert other_photo.status_code == no_kit.status_code == 422
    assert same.status_code == 202 and same.headers["Idempotent-Replayed"] == "true"
    assert same.json()["jobId"] == first.json()["jobId"]


async def test_a_replay_after_the_asset_was_deleted_still_returns_the_job(brand: Brand):
    photo = (await upload(brand, images.product_photo())).json()
    first = await generate(brand, key="k2", productImage=photo["id"])
    await brand.http.delete(f"/api/v1/assets/{photo['id']}", headers=brand.alice)

    replay = await generate(brand, key="k2", productImage=photo["id"])

    assert replay.status_code == 202
    assert replay.json()["jobId"] == first.json()["jobId"]
    assert len(brand.orchestrator.jobs) == 1


async def test_wrong_types_for_the_new_fields_are_400(brand: Brand):
    for body in ({"productImage": 12}, {"brandKit": ""}, {"brandKit": ["bk_1"]}):
        response = await generate(brand, **body)
        assert response.status_code == 400, body
        assert response.json()["errors"][0]["field"] in body
    assert brand.orchestrator.jobs == {}
