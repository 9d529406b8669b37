"""Assets over HTTP on SQLite + local files and PostgreSQL + S3: upload, list, get, delete."""

from __future__ import annotations

import hashlib
import io

import pytest
from PIL import Image

from tests.api.brand_fixtures import *  # noqa: F403
from tests.api.brand_fixtures import Brand, upload
from tests.support import upload_images as images


async def test_an_uploaded_logo_is_stored_by_its_sha256_with_transparency(brand: Brand):
    logo = images.transparent_logo()

    response = await upload(brand, logo)

    assert response.status_code == 201
    body = response.json()
    assert body["id"].startswith("ast_")
    assert (body["width"], body["height"], body["mediaType"]) == (120, 60, "image/png")
    assert body["bytes"] == len(logo)
    assert body["sha256"] == hashlib.sha256(logo).hexdigest()
    key = f"{brand.alice_id}/assets/{body['sha256']}.png"
    assert brand.stored_keys(brand.alice_id) == [key]
    with Image.open(io.BytesIO(brand.store.get(key))) as stored:
        assert stored.mode == "RGBA" and stored.getpixel((0, 0))[3] == 0
    with pytest.raises(KeyError):
        brand.store.get(f"{brand.alice_id}/assets/{'0' * 64}.png")


async def test_a_sideways_photo_is_stored_upright(brand: Brand):
    response = await upload(brand, images.product_photo((200, 100), orientation=6))

    assert response.status_code == 201
    assert (response.json()["width"], response.json()["height"]) == (100, 200)


async def test_the_same_image_twice_is_two_assets_over_one_blob(brand: Brand):
    logo = images.transparent_logo()

    first = (await upload(brand, logo)).json()
    second = (await upload(brand, logo)).json()

    assert first["id"] != second["id"]
    assert first["sha256"] == second["sha256"]
    assert len(brand.stored_keys(brand.alice_id)) == 1


async def test_list_is_newest_first_and_pages_with_a_cursor(brand: Brand):
    ids = [(await upload(brand, images.product_photo((10 + n, 10)))).json()["id"] for n in range(5)]

    first = (await brand.http.get("/api/v1/assets?limit=2", headers=brand.alice)).json()
    second = (
        await brand.http.get(
            f"/api/v1/assets?limit=2&cursor={first['nextCursor']}", headers=brand.alice
        )
    ).json()
    third = (
        await brand.http.get(
            f"/api/v1/assets?limit=2&cursor={second['nextCursor']}", headers=brand.alice
        )
    ).json()

    listed = [a["id"] for a in first["data"] + second["data"] + third["data"]]
    assert listed == ids[::-1]
    assert third["nextCursor"] is None
    other = (await brand.http.get("/api/v1/assets", headers=brand.bob)).json()
    assert other == {"data": [], "nextCursor": None}


async def test_a_bad_cursor_is_a_400_naming_it(brand: Brand):
    response = await brand.http.get("/api/v1/assets?cursor=not-a-cursor", headers=brand.alice)

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "cursor"


async def test_another_accounts_asset_is_404_exactly_like_an_unknown_one(brand: Brand):
    asset = (await upload(brand, images.transparent_logo())).json()
    unknown = "ast_" + "0" * 24

    foreign = await brand.http.get(f"/api/v1/assets/{asset['id']}", headers=brand.bob)
    missing = await brand.http.get(f"/api/v1/assets/{unknown}", headers=brand.bob)
    delete_foreign = await brand.http.delete(f"/api/v1/assets/{asset['id']}", headers=brand.bob)

    assert foreign.status_code == missing.status_code == delete_foreign.status_code == 404
    assert foreign.json() == missing.json()
    assert foreign.headers["content-type"] == "application/problem+json"
    mine = await brand.http.get(f"/api/v1/assets/{asset['id']}", headers=brand.alice)
    assert mine.json() == asset


async def test_delete_forgets_the_asset_but_keeps_its_bytes_for_submitted_jobs(brand: Brand):
    asset = (await upload(brand, images.transparent_logo())).json()

    deleted = await brand.http.delete(f"/api/v1/assets/{asset['id']}", headers=brand.alice)

    assert deleted.status_code == 204
    gone = await brand.http.get(f"/api/v1/assets/{asset['id']}", headers=brand.alice)
    assert gone.status_code == 404
    again = await brand.http.delete(f"/api/v1/assets/{asset['id']}", headers=brand.alice)
    assert again.status_code == 404
    assert brand.stored_keys(brand.alice_id) == [f"{brand.alice_id}/assets/{asset['sha256']}.png"]


BAD_UPLOADS = [
    pytest.param(b"hello, I am a text file named logo.png\n" * 20, 415, id="text-named-png"),
    pytest.param(images.truncated_png(), 415, id="truncated-png"),
    pytest.param(images.SVG, 415, id="svg"),
    pytest.param(images.gif_image(), 415, id="gif"),
    pytest.param(images.animated_webp(), 415, id="animated-webp"),
    pytest.param(images.png_bomb(), 413, id="png-bomb"),
]


@pytest.mark.parametrize(("data", "status"), BAD_UPLOADS)
async def test_a_file_we_do_not_accept_is_refused_and_nothing_is_stored(
    brand: Brand, data: bytes, status: int
):
    response = await upload(brand, data)

    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    expected = {413: "payload_too_large", 415: "unsupported_media_type"}[status]
    assert response.json()["code"] == expected
    await assert_nothing_stored(brand)


async def test_an_11_mb_upload_is_413_and_nothing_is_stored(brand: Brand):
    big = images.noise_png(11)
    assert len(big) > 11 * 1024 * 1024

    response = await upload(brand, big)

    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    await assert_nothing_stored(brand)


async def test_an_endless_body_is_cut_off_past_the_limit(brand: Brand):
    """No Content-Length: the server counts while reading and stops soon after 10 MB."""
    sent = 0

    async def endless():
        nonlocal sent
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="x.png"\r\n\r\n'
        while sent < 64 * 1024 * 1024:
            sent += 1024 * 1024
            yield b"\0" * (1024 * 1024)

    response = await brand.http.post(
        "/api/v1/assets",
        headers={**brand.alice, "Content-Type": "multipart/form-data; boundary=b"},
        content=endless(),
    )

    assert response.status_code == 413
    assert sent <= 12 * 1024 * 1024, f"read {sent} bytes of an endless body"
    await assert_nothing_stored(brand)


@pytest.mark.parametrize(
    ("files", "field", "message"),
    [
        ([("note", (None, "no file here"))], "file", "is required"),
        ([("image", ("x.png", images.transparent_logo(), "image/png"))], "file", "is required"),
        (
            [
                ("file", ("a.png", images.transparent_logo(), "image/png")),
                ("note", (None, "hello")),
            ],
            "note",
            "unknown field",
        ),
        (
            [
                ("file", ("a.png", images.transparent_logo(), "image/png")),
                ("file", ("b.png", images.transparent_logo(), "image/png")),
            ],
            "file",
            "exactly one",
        ),
    ],
    ids=["missing-file-part", "wrong-part-name", "extra-part", "two-file-parts"],
)
async def test_a_malformed_upload_is_a_400_naming_the_part(
    brand: Brand, files: list, field: str, message: str
):
    response = await brand.http.post(
        "/api/v1/assets",
        headers=brand.alice,
        files=files,
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_request"
    assert [(e["field"], message in e["message"]) for e in body["errors"]] == [(field, True)]
    await assert_nothing_stored(brand)


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data", b"no boundary at all"),
        ("multipart/form-data; boundary=zz", b"not multipart inside"),
        (
            "multipart/form-data; boundary=zz",
            b'--zz\r\nContent-Disposition: form-data; name="file"\r\n\r\nabc\r\n--zz--\r\n',
        ),
    ],
    ids=["no-boundary", "garbage", "file-without-filename"],
)
async def test_a_broken_multipart_body_is_a_400_on_file(
    brand: Brand, content_type: str, body: bytes
):
    response = await brand.http.post(
        "/api/v1/assets", headers={**brand.alice, "Content-Type": content_type}, content=body
    )

    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["file"]
    await assert_nothing_stored(brand)


async def test_a_json_body_is_415(brand: Brand):
    response = await brand.http.post("/api/v1/assets", headers=brand.alice, json={"file": "x"})

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


async def test_uploading_needs_a_key(brand: Brand):
    response = await brand.http.post(
        "/api/v1/assets", files={"file": ("a.png", images.transparent_logo(), "image/png")}
    )

    assert response.status_code == 401
    await assert_nothing_stored(brand)


async def assert_nothing_stored(brand: Brand) -> None:
    listed = (await brand.http.get("/api/v1/assets", headers=brand.alice)).json()
    assert listed["data"] == []
    assert brand.stored_keys(brand.alice_id) == []
