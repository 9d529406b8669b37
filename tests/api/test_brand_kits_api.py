"""Brand kits and fonts over HTTP, on SQLite + local files and PostgreSQL + S3."""

from __future__ import annotations

import pytest

from tests.api.brand_fixtures import *  # noqa: F403
from tests.api.brand_fixtures import Brand, upload
from tests.support import upload_images as images

KITS = "/api/v1/brand-kits"


async def create_kit(brand: Brand, headers: dict[str, str] | None = None, **body) -> dict:
    payload = {"name": "Acme", "colors": {"primary": "#0a66c2"}, **body}
    response = await brand.http.post(KITS, headers=headers or brand.alice, json=payload)
    assert response.status_code == 201, response.text
    return response.json()


async def test_fonts_lists_the_families_on_offer_with_their_scripts_without_a_key(brand: Brand):
    response = await brand.http.get("/api/v1/fonts")

    assert response.status_code == 200
    fonts = {f["family"]: f["scripts"] for f in response.json()["data"]}
    assert fonts["Inter"] == ["latin", "cyrillic", "greek"]
    assert "latin" in fonts["Noto Sans"]


async def test_a_kit_with_colours_font_and_logo_round_trips(brand: Brand):
    logo = (await upload(brand, images.transparent_logo())).json()

    kit = await create_kit(
        brand,
        name="  Acme Coffee ",
        colors={"primary": "#0a66c2", "accent": "#F5B700", "text": "#111111"},
        font="inter",
        logo=logo["id"],
    )

    assert kit["id"].startswith("bk_")
    assert kit["name"] == "Acme Coffee"
    assert kit["colors"] == {"primary": "#0A66C2", "accent": "#F5B700", "text": "#111111"}
    assert (kit["font"], kit["logo"], kit["default"]) == ("Inter", logo["id"], True)
    fetched = await brand.http.get(f"{KITS}/{kit['id']}", headers=brand.alice)
    assert fetched.json() == kit


async def test_the_first_kit_is_the_default_and_a_new_default_takes_over(brand: Brand):
    first = await create_kit(brand, name="First")
    second = await create_kit(brand, name="Second")
    third = await create_kit(brand, name="Third", default=True)

    listed = (await brand.http.get(KITS, headers=brand.alice)).json()["data"]

    assert [(k["name"], k["default"]) for k in listed] == [
        ("Third", True),
        ("Second", False),
        ("First", False),
    ]
    assert first["default"] and not second["default"] and third["default"]
    patched = await brand.http.patch(
        f"{KITS}/{second['id']}", headers=brand.alice, json={"default": True}
    )
    assert patched.json()["default"] is True
    defaults = [
        k["name"]
        for k in (await brand.http.get(KITS, headers=brand.alice)).json()["data"]
        if k["default"]
    ]
    assert defaults == ["Second"]


async def test_patch_changes_only_what_it_names_and_null_removes(brand: Brand):
    logo = (await upload(brand, images.transparent_logo())).json()
    kit = await create_kit(
        brand, colors={"primary": "#000000", "accent": "#FF0000"}, font="Inter", logo=logo["id"]
    )

    response = await brand.http.patch(
        f"{KITS}/{kit['id']}",
        headers=brand.alice,
        json={"colors": {"accent": None, "background": "#fafafa"}, "logo": None},
    )

    assert response.status_code == 200
    patched = response.json()
    assert patched["colors"] == {"primary": "#000000", "background": "#FAFAFA"}
    assert (patched["font"], patched["logo"], patched["name"]) == ("Inter", None, "Acme")


async def test_delete_then_404_and_no_default_is_promoted(brand: Brand):
    default = await create_kit(brand, name="Default")
    await create_kit(brand, name="Other")

    assert (
        await brand.http.delete(f"{KITS}/{default['id']}", headers=brand.alice)
    ).status_code == 204

    assert (await brand.http.get(f"{KITS}/{default['id']}", headers=brand.alice)).status_code == 404
    listed = (await brand.http.get(KITS, headers=brand.alice)).json()["data"]
    assert [(k["name"], k["default"]) for k in listed] == [("Other", False)]


async def test_another_accounts_kit_is_404_like_an_unknown_one(brand: Brand):
    kit = await create_kit(brand)
    unknown = "bk_" + "0" * 24

    answers = [
        await brand.http.get(f"{KITS}/{kit['id']}", headers=brand.bob),
        await brand.http.get(f"{KITS}/{unknown}", headers=brand.bob),
        await brand.http.patch(f"{KITS}/{kit['id']}", headers=brand.bob, json={"name": "Mine"}),
        await brand.http.delete(f"{KITS}/{kit['id']}", headers=brand.bob),
    ]

    assert [a.status_code for a in answers] == [404, 404, 404, 404]
    assert answers[0].json() == answers[1].json()
    still = (await brand.http.get(f"{KITS}/{kit['id']}", headers=brand.alice)).json()
    assert still["name"] == "Acme"
    assert (await brand.http.get(KITS, headers=brand.bob)).json()["data"] == []


async def test_deleting_the_logo_asset_takes_it_out_of_the_kit(brand: Brand):
    logo = (await upload(brand, images.transparent_logo())).json()
    kit = await create_kit(brand, logo=logo["id"])

    await brand.http.delete(f"/api/v1/assets/{logo['id']}", headers=brand.alice)

    assert (await brand.http.get(f"{KITS}/{kit['id']}", headers=brand.alice)).json()["logo"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"colors": {"primary": "0a66c2"}}, "colors.primary"),
        ({"colors": {"primary": "#0a66c"}}, "colors.primary"),
        ({"colors": {"primary": "#0a66cg"}}, "colors.primary"),
        ({"colors": {"primary": "#0A66C2", "accent": "red"}}, "colors.accent"),
        ({"colors": {"secondary": "#0A66C2"}}, "colors.primary"),
        ({"colors": {"primary": "#0A66C2", "glow": "#FFFFFF"}}, "colors.glow"),
        ({"font": "Comic Sans MS"}, "font"),
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"shape": "round"}, "shape"),
        ({"default": "yes"}, "default"),
    ],
    ids=[
        "no-hash",
        "short-hex",
        "not-hex",
        "named-colour",
        "no-primary",
        "unknown-colour-role",
        "unknown-font",
        "empty-name",
        "long-name",
        "unknown-field",
        "default-not-bool",
    ],
)
async def test_invalid_kits_are_400_naming_the_field_and_nothing_is_stored(
    brand: Brand, body: dict, field: str
):
    payload = {"name": "Acme", "colors": {"primary": "#0A66C2"}, **body}

    response = await brand.http.post(KITS, headers=brand.alice, json=payload)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"
    assert field in [e["field"] for e in response.json()["errors"]]
    assert (await brand.http.get(KITS, headers=brand.alice)).json()["data"] == []


async def test_an_invalid_patch_changes_nothing(brand: Brand):
    kit = await create_kit(brand)

    for body in ({"colors": {"primary": None}}, {"colors": {"text": "#12345"}}, {"font": "Nope"}):
        response = await brand.http.patch(f"{KITS}/{kit['id']}", headers=brand.alice, json=body)
        assert response.status_code == 400, body

    assert (await brand.http.get(f"{KITS}/{kit['id']}", headers=brand.alice)).json() == kit


async def test_a_logo_that_is_foreign_deleted_or_unknown_is_404_naming_logo(brand: Brand):
    foreign = (await upload(brand, images.transparent_logo(), brand.bob)).json()["id"]
    deleted = (await upload(brand, images.transparent_logo())).json()["id"]
    await brand.http.delete(f"/api/v1/assets/{deleted}", headers=brand.alice)

    for logo in (foreign, deleted, "ast_" + "0" * 24, "not-an-id"):
        payload = {"name": "Acme", "colors": {"primary": "#0A66C2"}, "logo": logo}
        response = await brand.http.post(KITS, headers=brand.alice, json=payload)
        assert response.status_code == 404, logo
        assert response.json()["code"] == "not_found"
        assert response.json()["detail"].startswith("logo: no such asset")

    assert (await brand.http.get(KITS, headers=brand.alice)).json()["data"] == []
