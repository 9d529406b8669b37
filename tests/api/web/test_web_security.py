"""The web app's defences: CSRF, cookie flags, headers, throttled log-in, other accounts' jobs,
and claims with markup shown as text."""

from __future__ import annotations

import re

import httpx
import pytest
import sqlalchemy

from domain.jobs import ImageFailure, JobStatus, JobView
from infra.settings import Settings
from infra.storage import LocalImageStore
from tests.api.fakes import FakeOrchestrator
from tests.api.web.conftest import (
    PASSWORD,
    csrf_token,
    new_email,
    post_form,
    sign_up,
    web_client,
)

XSS_CLAIMS = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>')


@pytest.mark.parametrize("token", [None, "", "0" * 64, "wrong"])
async def test_a_form_without_this_browsers_csrf_token_is_refused(
    browser: httpx.AsyncClient, orchestrator: FakeOrchestrator, token: str | None
) -> None:
    await sign_up(browser)
    form = {"claim": "Best protein", "language": "EN", "count": "1"}
    if token is not None:
        form["csrf_token"] = token
    for action, data in (
        ("/app/generate", form),
        ("/app/settings/keys", {} if token is None else {"csrf_token": token}),
        ("/app/logout", {} if token is None else {"csrf_token": token}),
    ):
        response = await browser.post(action, data=data)
        assert response.status_code == 403, action
        assert "This form has expired" in response.text
    assert orchestrator.calls == []  # nothing started
    keys = await browser.get("/app/settings/keys")
    assert "No API keys yet" in keys.text  # nothing created
    assert (await browser.get("/app/dashboard")).status_code == 200  # still logged in


async def test_a_token_from_another_browser_does_not_pass(
    browser: httpx.AsyncClient, orchestrator: FakeOrchestrator
) -> None:
    await sign_up(browser)
    own = csrf_token((await browser.get("/app/generate")).text)
    session = browser.cookies.get("cs_session", path="/app")
    response = await browser.post(
        "/app/generate",
        data={"claim": "x", "count": "1", "csrf_token": own},
        headers={"Cookie": f"cs_session={session}; cs_csrf=another-browsers-cookie"},
    )
    assert response.status_code == 403
    assert orchestrator.calls == []


async def test_login_and_signup_forms_need_the_token_too(browser: httpx.AsyncClient) -> None:
    signup = await browser.post("/app/signup", data={"email": new_email(), "password": PASSWORD})
    login = await browser.post("/app/login", data={"email": new_email(), "password": PASSWORD})
    assert signup.status_code == login.status_code == 403


def _set_cookie_headers(response: httpx.Response) -> dict[str, str]:
    return {header.split("=", 1)[0]: header for header in response.headers.get_list("set-cookie")}


async def test_session_cookie_is_httponly_lax_and_secure_over_https(
    https_browser: httpx.AsyncClient,
) -> None:
    page = await https_browser.get("/app/signup")
    response = await https_browser.post(
        "/app/signup",
        data={"email": new_email(), "password": PASSWORD, "csrf_token": csrf_token(page.text)},
    )
    assert response.status_code == 303
    cookie = _set_cookie_headers(response)["cs_session"].lower()
    for flag in ("httponly", "secure", "samesite=lax", "path=/app"):
        assert flag in cookie, cookie
    csrf_cookie = _set_cookie_headers(page)["cs_csrf"].lower()
    assert "httponly" in csrf_cookie and "secure" in csrf_cookie


async def test_over_plain_http_the_cookie_is_not_marked_secure(browser: httpx.AsyncClient) -> None:
    page = await browser.get("/app/signup")
    response = await browser.post(
        "/app/signup",
        data={"email": new_email(), "password": PASSWORD, "csrf_token": csrf_token(page.text)},
    )
    cookie = _set_cookie_headers(response)["cs_session"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie


async def test_pages_carry_a_csp_without_unsafe_inline_and_no_inline_script(
    browser: httpx.AsyncClient,
) -> None:
    login = await browser.get("/app/login")
    await sign_up(browser)
    for page in [login, *[await browser.get(p) for p in ("/app/dashboard", "/app/generate")]]:
        policy = page.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe" not in policy
        assert page.headers["x-frame-options"] == "DENY"
        assert page.headers["cache-control"] == "no-store"
        assert not re.search(r"<script(?![^>]*\bsrc=)", page.text)  # every script is a file
        assert " style=" not in page.text and "<style" not in page.text


async def test_brute_force_log_in_is_throttled_per_account(browser: httpx.AsyncClient) -> None:
    email = await sign_up(browser)
    browser.cookies.clear()
    statuses = []
    for attempt in range(6):
        response = await post_form(
            browser, "/app/login", "/app/login", {"email": email, "password": f"guess {attempt}"}
        )
        statuses.append(response.status_code)
    assert statuses == [400] * 5 + [429]
    assert "Too many attempts" in response.text
    # Now even the right password waits: the guesser cannot tell it was right.
    right = await post_form(
        browser, "/app/login", "/app/login", {"email": email, "password": PASSWORD}
    )
    assert right.status_code == 429
    assert "cs_session" not in right.headers.get("set-cookie", "")


async def test_brute_force_over_many_accounts_is_throttled_per_ip(
    browser: httpx.AsyncClient,
) -> None:
    statuses = []
    for _ in range(21):
        response = await post_form(
            browser, "/app/login", "/app/login", {"email": new_email(), "password": PASSWORD}
        )
        statuses.append(response.status_code)
    assert statuses[:20] == [400] * 20
    assert statuses[20] == 429


async def test_another_accounts_job_page_is_a_404(
    browser: httpx.AsyncClient, orchestrator: FakeOrchestrator
) -> None:
    await sign_up(browser)
    started = await post_form(
        browser, "/app/generate", "/app/generate", {"claim": "Mine only", "count": "1"}
    )
    job_path = started.headers["location"]
    assert (await browser.get(job_path)).status_code == 200
    await post_form(browser, "/app/dashboard", "/app/logout", {})
    await sign_up(browser)  # somebody else
    for path in (job_path, f"{job_path}/progress"):
        response = await browser.get(path)
        assert response.status_code == 404
        assert "Mine only" not in response.text
    unknown = await browser.get("/app/jobs/not-a-job-id")
    assert unknown.status_code == 404


@pytest.mark.parametrize("claim", XSS_CLAIMS)
async def test_markup_in_a_claim_is_shown_as_text_on_every_page(
    browser: httpx.AsyncClient, orchestrator: FakeOrchestrator, claim: str
) -> None:
    await sign_up(browser)
    started = await post_form(
        browser, "/app/generate", "/app/generate", {"claim": claim, "count": "1"}
    )
    assert started.status_code == 303
    job_id = started.headers["location"].rsplit("/", 1)[1]
    owner = orchestrator.calls[-1].account_id
    orchestrator.put(
        owner,
        JobView(
            job_id,
            JobStatus.FAILED,
            1,
            failures=[ImageFailure(1, "F1", "render_failed", claim)],
        ),
    )
    for path in (
        "/app/dashboard",
        "/app/jobs",
        f"/app/jobs/{job_id}",
        f"/app/jobs/{job_id}/progress",
    ):
        page = await browser.get(path)
        assert page.status_code == 200, path
        assert claim not in page.text, path  # never as markup
        escaped = claim.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        assert escaped.replace('"', "&#34;") in page.text, path


async def test_one_client_cannot_open_account_after_account_for_free_credits(
    browser: httpx.AsyncClient,
) -> None:
    for _ in range(10):
        await sign_up(browser)
        browser.cookies.delete("cs_session")
    refused = await post_form(
        browser, "/app/signup", "/app/signup", {"email": new_email(), "password": PASSWORD}
    )
    assert refused.status_code == 429
    assert "Too many attempts" in refused.text


async def test_the_cookie_is_secure_when_the_published_url_is_https(
    settings: Settings,
    orchestrator: FakeOrchestrator,
    engine: sqlalchemy.Engine,
    store: LocalImageStore,
) -> None:
    """Behind a TLS proxy the app may see plain http; PUBLIC_BASE_URL tells the truth."""
    published = settings.model_copy(update={"public_base_url": "https://ads.example.com"})
    async for browser in web_client(published, orchestrator, engine, store, "http://testserver"):
        page = await browser.get("/app/signup")
        assert "secure" in _set_cookie_headers(page)["cs_csrf"].lower()
