"""Sign-up, log-in, log-out and sessions, as a browser sees them."""

from __future__ import annotations

import re

import httpx
import sqlalchemy

from infra.ledger import CreditLedger
from infra.users import UserService
from tests.api.web.conftest import PASSWORD, new_email, post_form, sign_up

PROTECTED = ("/app/dashboard", "/app/generate", "/app/jobs", "/app/settings/keys")


async def test_sign_up_opens_a_free_account_with_ten_starter_credits(
    browser: httpx.AsyncClient, engine: sqlalchemy.Engine
) -> None:
    email = await sign_up(browser)
    dashboard = await browser.get("/app/dashboard")
    assert dashboard.status_code == 200
    assert re.search(r'data-testid="credits-available">10<', dashboard.text)
    assert 'data-testid="plan">Free<' in dashboard.text
    assert email in dashboard.text
    user = UserService(engine).authenticate(email, PASSWORD)
    assert user is not None
    summary = CreditLedger(engine).summary(user.account_id)
    assert (summary.granted, summary.available) == (10, 10)


async def test_a_protected_page_sends_a_stranger_to_log_in_and_back_after(
    browser: httpx.AsyncClient,
) -> None:
    email = await sign_up(browser)
    browser.cookies.clear()
    for path in PROTECTED:
        response = await browser.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"] == f"/app/login?next={path}"
    login = await post_form(
        browser,
        "/app/login?next=/app/settings/keys",
        "/app/login",
        {"email": email, "password": PASSWORD, "next": "/app/settings/keys"},
    )
    assert login.status_code == 303
    assert login.headers["location"] == "/app/settings/keys"


async def test_log_in_never_redirects_to_another_site(browser: httpx.AsyncClient) -> None:
    email = await sign_up(browser)
    browser.cookies.clear()
    for target in ("https://evil.example/", "//evil.example/app/", "/app//evil.example"):
        login = await post_form(
            browser,
            "/app/login",
            "/app/login",
            {"email": email, "password": PASSWORD, "next": target},
        )
        assert login.headers["location"] == "/app/dashboard", target
        await browser.post("/app/logout", data={"csrf_token": "x"})  # refused; cookies stay
        browser.cookies.clear()


async def test_log_out_ends_the_session_on_the_server(browser: httpx.AsyncClient) -> None:
    await sign_up(browser)
    session = browser.cookies.get("cs_session", path="/app")
    assert session
    logout = await post_form(browser, "/app/dashboard", "/app/logout", {})
    assert logout.status_code == 303
    assert logout.headers["location"] == "/app/login?logged_out=1"
    # Even a copy of the old cookie no longer opens the dashboard.
    again = await browser.get("/app/dashboard", headers={"Cookie": f"cs_session={session}"})
    assert again.status_code == 303


async def test_the_session_token_changes_at_every_log_in(browser: httpx.AsyncClient) -> None:
    email = await sign_up(browser)
    first = browser.cookies.get("cs_session", path="/app")
    # Logging in again from a browser that has a session (a second tab, say).
    await post_form(browser, "/app/dashboard", "/app/login", {"email": email, "password": PASSWORD})
    second = browser.cookies.get("cs_session", path="/app")
    assert first and second and first != second
    # The session the browser had before logging in again is over.
    stale = await browser.get("/app/dashboard", headers={"Cookie": f"cs_session={first}"})
    assert stale.status_code == 303


async def test_short_passwords_and_bad_emails_are_refused_next_to_the_field(
    browser: httpx.AsyncClient,
) -> None:
    response = await post_form(
        browser, "/app/signup", "/app/signup", {"email": "not-an-email", "password": "short"}
    )
    assert response.status_code == 400
    assert 'id="email-error"' in response.text and "name@example.com" in response.text
    assert 'id="password-error"' in response.text and "at least 10 characters" in response.text
    assert 'aria-invalid="true"' in response.text
    assert "cs_session" not in browser.cookies


async def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(
    browser: httpx.AsyncClient,
) -> None:
    email = await sign_up(browser)
    browser.cookies.clear()
    wrong = await post_form(
        browser, "/app/login", "/app/login", {"email": email, "password": "wrong password!"}
    )
    unknown = await post_form(
        browser, "/app/login", "/app/login", {"email": new_email(), "password": PASSWORD}
    )
    assert wrong.status_code == unknown.status_code == 400

    def error(page: httpx.Response) -> str:
        found = re.search(r'id="form-error">([^<]*)<', page.text)
        assert found
        return found.group(1)

    assert error(wrong) == error(unknown)


async def test_signing_up_again_with_a_used_email_reveals_nothing_new(
    browser: httpx.AsyncClient,
) -> None:
    email = await sign_up(browser)
    browser.cookies.clear()
    refused = await post_form(
        browser, "/app/signup", "/app/signup", {"email": email, "password": "another password"}
    )
    assert refused.status_code == 400
    assert "If you already have an account, log in" in refused.text
    assert "already registered" not in refused.text and "taken" not in refused.text
    # The owner, typing their own password, simply gets in (as a new sign-up would).
    again = await post_form(
        browser, "/app/signup", "/app/signup", {"email": email.upper(), "password": PASSWORD}
    )
    assert again.status_code == 303
    dashboard = await browser.get("/app/dashboard")
    assert 'data-testid="credits-available">10<' in dashboard.text  # not a second grant
