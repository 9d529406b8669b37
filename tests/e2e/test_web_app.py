"""The web app in a real browser on the real stack: a new customer's first session, end to end,
with the screenshots README shows."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, ConsoleMessage, Dialog, Page, expect

from tests.e2e.browser import chromium
from tests.support.stack import Stack, bearer

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "a long enough password"
IMAGE_TIMEOUT_MS = 60_000
# A busy CI machine hashes passwords and renders slowly: wait for what a user waits for.
expect.set_options(timeout=20_000)
ALL_IMAGES_LOADED = """count => {
  const images = [...document.querySelectorAll('[data-state="ready"] img')];
  return images.length === count && images.every(img => img.complete && img.naturalWidth > 0);
}"""


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as running:
        yield running


@pytest.fixture
async def page(browser: Browser, stack: Stack) -> AsyncIterator[Page]:
    """A fresh browser profile; fails the test on any Content-Security-Policy violation."""
    stack.assert_running()
    context = await browser.new_context(
        base_url=stack.base_url, viewport={"width": 1280, "height": 680}
    )
    tab = await context.new_page()
    violations: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            violations.append(message.text)

    tab.on("console", on_console)
    yield tab
    await context.close()
    assert violations == [], violations


async def sign_up(page: Page, email: str) -> None:
    await page.goto("/app/signup")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Create account").click()
    await expect(page).to_have_url(re.compile(r"/app/dashboard$"))


async def create_key(page: Page) -> str:
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="API keys").click()
    await page.get_by_role("button", name="Create API key").click()
    secret = page.get_by_test_id("new-api-key")
    await expect(secret).to_be_visible()
    return (await secret.inner_text()).strip()


async def test_a_new_customer_signs_up_gets_a_key_generates_and_logs_out(
    page: Page, stack: Stack, http: httpx.AsyncClient
) -> None:
    await sign_up(page, "maria@acme.example")
    await expect(page.get_by_test_id("credits-available")).to_have_text("10")
    await expect(page.get_by_test_id("plan")).to_have_text("Free")

    # A key works against the JSON API, then is revoked from the page and fails.
    key = await create_key(page)
    await expect(page.get_by_role("button", name="Copy")).to_be_visible()
    account = await http.get("/api/v1/account", headers=bearer(key))
    assert account.status_code == 200
    assert account.json()["credits"]["available"] == 10
    await page.get_by_role("link", name=re.compile(r"^Revoke")).click()
    await page.get_by_role("button", name="Revoke key").click()
    await expect(page.get_by_text("is revoked")).to_be_visible()
    assert (await http.get("/api/v1/account", headers=bearer(key))).status_code == 401

    # A second key, for the screenshot and to read the balance later.
    key = await create_key(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / "api-keys.png"), full_page=True)

    # Generate 3 images from the page and watch them arrive in the gallery.
    await page.get_by_role("link", name="Generate", exact=True).click()
    await page.get_by_label("Claim").fill("Fresh coffee, roasted this morning")
    await page.get_by_label("Number of images").fill("3")
    for code in ("F1", "F4", "F2"):
        await page.get_by_role("checkbox", name=re.compile(rf"^{code} ")).check()
    await page.get_by_role("button", name="Generate images").click()
    await expect(page).to_have_url(re.compile(r"/app/jobs/[0-9a-f-]{36}$"))
    tiles = page.get_by_test_id("image-slot")
    await expect(tiles).to_have_count(3)
    ready = page.locator('[data-testid="image-slot"][data-state="ready"] img')
    await expect(ready).to_have_count(3, timeout=IMAGE_TIMEOUT_MS)
    await expect(page.get_by_test_id("progress")).to_have_text("3 of 3 ready")
    await page.wait_for_function(ALL_IMAGES_LOADED, arg=3)
    await page.screenshot(path=str(SCREENSHOTS / "job-gallery.png"), full_page=True)

    # The balance dropped by 3, in the page and in the API.
    await page.get_by_role("link", name="Dashboard").click()
    await expect(page.get_by_test_id("credits-available")).to_have_text("7")
    await expect(page.get_by_test_id("credits-consumed")).to_have_text("3")
    await expect(
        page.get_by_role("link", name="Fresh coffee, roasted this morning")
    ).to_be_visible()
    await page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)
    account = await http.get("/api/v1/account", headers=bearer(key))
    assert account.json()["credits"]["available"] == 7
    assert account.json()["credits"]["consumed"] == 3

    # One list: a job started with the API key shows in the page's jobs, above the web one.
    body = {"claim": "Started from a script", "language": "EN", "count": 1}
    assert (await http.post("/api/v1/generate", json=body, headers=bearer(key))).status_code == 202
    await page.get_by_role("link", name="Jobs", exact=True).click()
    jobs = page.get_by_role("row")
    await expect(jobs.nth(1)).to_contain_text("Started from a script")
    await expect(jobs.nth(2)).to_contain_text("Fresh coffee, roasted this morning")

    # Logged out, every protected page sends the browser to log in.
    await page.get_by_role("button", name="Log out").click()
    await expect(page.get_by_text("You are logged out.")).to_be_visible()
    for path in ("/app/dashboard", "/app/generate", "/app/jobs", "/app/settings/keys"):
        await page.goto(path)
        await expect(page).to_have_url(re.compile(r"/app/login\?next="))
        await expect(page.get_by_role("heading", name="Log in")).to_be_visible()


async def test_markup_in_a_claim_stays_text_in_the_browser(page: Page) -> None:
    dialogs: list[str] = []

    async def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        await dialog.dismiss()

    page.on("dialog", on_dialog)
    await sign_up(page, "xss@acme.example")
    claim = '"><img src=x onerror=alert(1)><script>alert(2)</script>'
    await page.goto("/app/generate")
    await page.get_by_label("Claim").fill(claim)
    await page.get_by_label("Number of images").fill("1")
    await page.get_by_role("button", name="Generate images").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(claim)
    await expect(page.locator('[data-testid="image-slot"][data-state="ready"]')).to_have_count(
        1, timeout=IMAGE_TIMEOUT_MS
    )
    for path in ("/app/dashboard", "/app/jobs"):
        await page.goto(path)
        await expect(page.get_by_role("link", name=claim)).to_be_visible()
    assert dialogs == []
    assert await page.locator("img[src='x']").count() == 0


async def generate_from_page(page: Page, claim: str, count: int) -> None:
    await page.goto("/app/generate")
    await page.get_by_label("Claim").fill(claim)
    await page.get_by_label("Number of images").fill(str(count))
    await page.get_by_role("button", name="Generate images").click()
    await expect(page).to_have_url(re.compile(r"/app/jobs/[0-9a-f-]{36}$"))


async def test_a_job_is_canceled_from_its_page_and_a_finished_one_downloads_as_a_zip(
    page: Page, stack: Stack
) -> None:
    await sign_up(page, "cancel@acme.example")
    with stack.worker_stopped():  # the job waits in Temporal: nothing races the click
        await generate_from_page(page, "Cancel this one", 2)
        await page.get_by_role("link", name="Cancel job").click()
        await expect(page.get_by_role("heading", name=re.compile(r"^Cancel job"))).to_be_visible()
        await page.get_by_role("button", name="Cancel job").click()
        await expect(page.get_by_test_id("job-notice")).to_contain_text("Canceled.")
    progress = page.get_by_test_id("progress")
    await expect(progress).to_have_text("0 of 2 ready · 2 failed", timeout=IMAGE_TIMEOUT_MS)
    await expect(page.get_by_role("link", name="Cancel job")).to_have_count(0)
    await page.get_by_role("link", name="Dashboard").click()
    await expect(page.get_by_test_id("credits-available")).to_have_text("10")

    await generate_from_page(page, "Zip this one", 2)
    await expect(progress).to_have_text("2 of 2 ready", timeout=IMAGE_TIMEOUT_MS)
    async with page.expect_download() as download_info:
        await page.get_by_role("link", name="Download all (zip)").click()
    download = await download_info.value
    path = await download.path()
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as archive:
        names = archive.namelist()
        assert len(names) == 2 and all(name.endswith(".png") for name in names), names
        assert all(archive.read(name).startswith(b"\x89PNG") for name in names)


async def test_keyboard_only_and_a_phone_sized_screen(browser: Browser, stack: Stack) -> None:
    context = await browser.new_context(
        base_url=stack.base_url, viewport={"width": 390, "height": 844}, is_mobile=True
    )
    page = await context.new_page()
    try:
        # Sign up without a mouse: the email field has focus, Tab moves on, Enter submits.
        await page.goto("/app/signup")
        await page.keyboard.type("keys@acme.example")
        await page.keyboard.press("Tab")
        await page.keyboard.type(PASSWORD)
        await page.keyboard.press("Enter")
        await expect(page).to_have_url(re.compile(r"/app/dashboard$"))
        # The first Tab on a page reaches "Skip to content", which jumps past the navigation.
        await page.keyboard.press("Tab")
        skip = page.get_by_role("link", name="Skip to content")
        await expect(skip).to_be_focused()
        await page.keyboard.press("Enter")
        await expect(page.locator("main")).to_be_focused()
        # Nothing is wider than the phone: no sideways scrolling on any page.
        for path in ("/app/dashboard", "/app/generate", "/app/jobs", "/app/settings/keys"):
            await page.goto(path)
            overflow = await page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"
    finally:
        await context.close()
