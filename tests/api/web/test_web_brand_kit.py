"""A job started from the web app's form uses the account's default brand kit, like the API."""

from __future__ import annotations

import re

import httpx

from tests.api.fakes import FakeOrchestrator
from tests.api.web.conftest import post_form, sign_up


async def test_the_generate_form_pins_the_default_brand_kit(
    browser: httpx.AsyncClient, orchestrator: FakeOrchestrator
) -> None:
    await sign_up(browser)
    created = await post_form(browser, "/app/settings/keys", "/app/settings/keys", {})
    secret = re.search(r'data-testid="new-api-key">(cs_live_[^<]+)<', created.text)
    assert secret
    kit = await browser.post(
        "/api/v1/brand-kits",
        headers={"Authorization": f"Bearer {secret.group(1)}"},
        json={"name": "Acme", "colors": {"primary": "#0A66C2"}, "font": "Inter"},
    )
    assert kit.status_code == 201

    started = await post_form(
        browser, "/app/generate", "/app/generate", {"claim": "Run further", "count": "1"}
    )

    assert started.status_code == 303
    pins = orchestrator.calls[-1].pins
    assert pins is not None and pins.brand_kit is not None
    assert (pins.brand_kit.kit_id, pins.brand_kit.primary) == (kit.json()["id"], "#0A66C2")
