"""The public catalogs."""

from __future__ import annotations

import httpx


async def test_formats_are_listed_in_catalog_order_without_a_key(client: httpx.AsyncClient):
    response = await client.get("/api/v1/formats")

    assert response.status_code == 200
    formats = response.json()
    assert [f["code"] for f in formats] == [f"F{i}" for i in range(1, 13)]
    assert {k: v for k, v in formats[0].items() if k != "maxClaimChars"} == {
        "code": "F1", "width": 1080, "height": 1080, "name": "square feed (1:1)"}  # fmt: skip
    assert formats[9]["name"] == "wide skyscraper"
    limits = {f["code"]: f["maxClaimChars"] for f in formats}
    assert limits["F1"] == 200  # a feed square sets the longest claim legibly
    assert limits["F11"] < limits["F9"] < limits["F7"] <= 200  # the smaller, the shorter
    assert all(isinstance(limit, int) and limit >= 20 for limit in limits.values())


async def test_languages_are_listed_with_direction_and_default_cta(client: httpx.AsyncClient):
    response = await client.get("/api/v1/languages")

    assert response.status_code == 200
    languages = {lang["code"]: lang for lang in response.json()}
    assert len(languages) == 27
    assert languages["DE"] == {
        "code": "DE",
        "name": "German",
        "rtl": False,
        "defaultCta": "Jetzt kaufen",
    }
    assert languages["AR"]["rtl"] is True
    assert languages["HE"]["rtl"] is True


async def test_openapi_docs_are_served(client: httpx.AsyncClient):
    docs = await client.get("/docs")
    schema = (await client.get("/openapi.json")).json()

    assert docs.status_code == 200
    assert schema["info"]["title"] == "Creative SaaS API"
    body_schema = schema["paths"]["/api/v1/generate"]["post"]["requestBody"]["content"]
    assert body_schema["application/json"]["schema"] == {
        "$ref": "#/components/schemas/GenerateBody"
    }
    assert "claim" in schema["components"]["schemas"]["GenerateBody"]["properties"]
