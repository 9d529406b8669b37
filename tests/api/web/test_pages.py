"""The signed-in pages with a fake orchestrator: keys, the Generate form, jobs and the gallery."""

from __future__ import annotations

import re

import httpx

from domain.errors import InsufficientCredits, TooManyActiveJobs
from domain.jobs import ImageFailure, ImageProduced, JobStatus, JobView
from tests.api.fakes import FakeOrchestrator
from tests.api.web.conftest import csrf_token, post_form, sign_up


async def test_a_key_is_shown_once_works_and_stops_working_when_revoked(
    browser: httpx.AsyncClient,
) -> None:
    await sign_up(browser)
    created = await post_form(browser, "/app/settings/keys", "/app/settings/keys", {})
    assert created.status_code == 201
    secret = re.search(r'data-testid="new-api-key">(cs_live_[^<]+)<', created.text)
    assert secret and "shown only this once" in created.text
    key = secret.group(1)
    bearer = {"Authorization": f"Bearer {key}"}
    assert (await browser.get("/api/v1/account", headers=bearer)).status_code == 200

    listing = await browser.get("/app/settings/keys")
    assert key not in listing.text  # never again
    assert f"{key[:12]}…" in listing.text
    key_id = re.search(r'data-key-id="(key_[0-9a-f]+)"', listing.text)
    assert key_id
    confirm_path = f"/app/settings/keys/{key_id.group(1)}/revoke"
    confirm = await browser.get(confirm_path)
    assert "cannot be undone" in confirm.text
    revoked = await browser.post(confirm_path, data={"csrf_token": csrf_token(confirm.text)})
    assert revoked.status_code == 303
    after = await browser.get(revoked.headers["location"])
    assert "is revoked" in after.text and "Revoked" in after.text
    assert (await browser.get("/api/v1/account", headers=bearer)).status_code == 401


async def test_another_accounts_key_cannot_be_revoked_from_the_page(
    browser: httpx.AsyncClient,
) -> None:
    await sign_up(browser)
    await post_form(browser, "/app/settings/keys", "/app/settings/keys", {})
    listing = await browser.get("/app/settings/keys")
    key_id = re.search(r'data-key-id="(key_[0-9a-f]+)"', listing.text)
    assert key_id
    await post_form(browser, "/app/dashboard", "/app/logout", {})
    await sign_up(browser)
    path = f"/app/settings/keys/{key_id.group(1)}/revoke"
    assert (await browser.get(path)).status_code == 404
    page = await browser.get("/app/settings/keys")
    refused = await browser.post(path, data={"csrf_token": csrf_token(page.text)})
    assert refused.status_code == 404


async def test_generate_starts_the_job_through_the_orchestrator_and_shows_its_page(
    browser: httpx.AsyncClient, orchestrator: FakeOrchestrator
) -> None:
    await sign_up(browser)
    form = {
        "claim": "  Best protein supplements ",
        "language": "de",
        "count": "3",
        "formats": ["F1", "F4"],
        "cta": "Jetzt kaufen",
    }
    started = await post_form(browser, "/app/generate", "/app/generate", form)
    assert started.status_code == 303
    call = orchestrator.calls[-1]
    assert call.request.claim == "Best protein supplements"
    assert (call.request.language, call.request.count) == ("DE", 3)
    assert call.request.formats == ("F1", "F4") and call.request.cta == "Jetzt kaufen"
    assert call.idempotency_key and call.idempotency_key.startswith("web-")

    job_id = started.headers["location"].rsplit("/", 1)[1]
    running = await browser.get(started.headers["location"])
    assert "Best protein supplements" in running.text
    assert 'hx-trigger="every 1s"' in running.text  # polls while it runs
    orchestrator.put(
        call.account_id,
        JobView(
            job_id,
            JobStatus.PARTIAL,
            3,
            started=3,
            produced=[ImageProduced(1, "F1", f"{call.account_id}/{job_id}/image_1.png")],
            failures=[ImageFailure(2, "F4", "render_failed", "the renderer gave up")],
        ),
    )
    fragment = await browser.get(f"/app/jobs/{job_id}/progress")
    assert "hx-trigger" not in fragment.text  # done: polling stops
    assert fragment.text.count('data-state="ready"') == 1
    assert "the renderer gave up" in fragment.text
    assert re.search(r'href="http://testserver/files/[^"]+image_1\.png\?expires=', fragment.text)


async def test_the_same_form_sent_twice_starts_one_job(
    browser: httpx.AsyncClient, orchestrator: FakeOrchestrator
) -> None:
    await sign_up(browser)
    page = await browser.get("/app/generate")
    token = csrf_token(page.text)
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', page.text)
    assert key
    form = {"claim": "Once", "count": "1", "csrf_token": token, "idempotency_key": key.group(1)}
    first = await browser.post("/app/generate", data=form)
    second = await browser.post("/app/generate", data=form)
    assert first.headers["location"] == second.headers["location"]
    assert len(orchestrator.jobs) == 1


async def test_bad_input_is_explained_next_to_each_field_and_starts_nothing(
    browser: httpx.AsyncClient, orchestrator: FakeOrchestrator
) -> None:
    await sign_up(browser)
    response = await post_form(
        browser,
        "/app/generate",
        "/app/generate",
        {"claim": "   ", "count": "1", "formats": ["F1", "F2"], "language": "XX"},
    )
    assert response.status_code == 400
    assert re.search(r'id="claim-error">.*Must not be empty', response.text)
    assert re.search(r'id="language-error">.*Must be one of', response.text)
    assert orchestrator.calls == []
    # The orchestrator's own refusal (the real one checks the ledger) lands next to the count.
    orchestrator.fail_with = InsufficientCredits("this job needs 11 credits; 10 are available")
    too_many = await post_form(
        browser, "/app/generate", "/app/generate", {"claim": "x", "count": "11"}
    )
    assert too_many.status_code == 402
    assert re.search(r'id="count-error">.*Not enough credits', too_many.text)
    assert 'value="11"' in too_many.text  # what the user typed stays
    orchestrator.fail_with = None
    fifty = await post_form(
        browser, "/app/generate", "/app/generate", {"claim": "x", "count": "50"}
    )
    assert re.search(r'id="count-error">.*Choose 1 to 20 images', fifty.text)


async def test_plan_limit_is_shown_on_the_form(
    browser: httpx.AsyncClient, orchestrator: FakeOrchestrator
) -> None:
    await sign_up(browser)
    orchestrator.fail_with = TooManyActiveJobs("the free plan runs at most 2 jobs", 10)
    response = await post_form(
        browser, "/app/generate", "/app/generate", {"claim": "x", "count": "1"}
    )
    assert response.status_code == 429
    assert "the free plan runs at most 2 jobs" in response.text


async def test_an_unknown_app_page_is_a_page_and_an_unknown_api_path_stays_json(
    browser: httpx.AsyncClient,
) -> None:
    await sign_up(browser)
    page = await browser.get("/app/nothing-here")
    assert page.status_code == 404 and "No such page" in page.text
    api = await browser.get("/api/v1/nothing-here")
    assert api.status_code == 404
    assert api.headers["content-type"].startswith("application/problem+json")


async def test_empty_states_guide_a_new_user(browser: httpx.AsyncClient) -> None:
    await sign_up(browser)
    assert "No jobs yet" in (await browser.get("/app/dashboard")).text
    assert "No jobs yet" in (await browser.get("/app/jobs")).text
    assert "No API keys yet" in (await browser.get("/app/settings/keys")).text


async def test_jobs_list_filters_by_status(
    browser: httpx.AsyncClient, orchestrator: FakeOrchestrator
) -> None:
    await sign_up(browser)
    for claim in ("Alpha claim", "Beta claim"):
        await post_form(browser, "/app/generate", "/app/generate", {"claim": claim, "count": "1"})
    alpha = next(job for job in orchestrator.jobs.values() if job[1].requested)  # first job
    owner, view = alpha
    orchestrator.put(owner, JobView(view.job_id, JobStatus.COMPLETED, 1))
    completed = await browser.get("/app/jobs?status=completed")
    queued = await browser.get("/app/jobs?status=processing")
    assert "Alpha claim" in completed.text and "Beta claim" not in completed.text
    assert "No rendering jobs" in queued.text
    everything = await browser.get("/app/jobs")
    assert everything.text.index("Beta claim") < everything.text.index("Alpha claim")


async def test_docs_work_offline_from_our_own_files(browser: httpx.AsyncClient) -> None:
    page = await browser.get("/docs")
    assert page.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets and all(asset.startswith("/") for asset in assets)  # nothing from a CDN
    for asset in assets:
        response = await browser.get(asset)
        assert response.status_code == 200, asset
    assert (await browser.get("/app/static/vendor/swagger-ui/LICENSE")).status_code == 200
    assert (await browser.get("/app/static/vendor/htmx/LICENSE")).status_code == 200


async def test_a_polled_fragment_after_log_out_moves_the_whole_page_to_log_in(
    browser: httpx.AsyncClient,
) -> None:
    await sign_up(browser)
    started = await post_form(
        browser, "/app/generate", "/app/generate", {"claim": "x", "count": "1"}
    )
    job_path = started.headers["location"]
    await post_form(browser, "/app/dashboard", "/app/logout", {})
    polled = await browser.get(
        f"{job_path}/progress",
        headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{job_path}"},
    )
    assert polled.status_code == 204
    assert polled.headers["HX-Redirect"] == f"/app/login?next={job_path}"


async def test_the_keys_page_obeys_the_same_active_key_cap_as_the_api(
    browser: httpx.AsyncClient,
) -> None:
    from infra.accounts import MAX_ACTIVE_KEYS

    await sign_up(browser)
    for _ in range(MAX_ACTIVE_KEYS):
        created = await post_form(browser, "/app/settings/keys", "/app/settings/keys", {})
        assert created.status_code == 201

    refused = await post_form(browser, "/app/settings/keys", "/app/settings/keys", {})

    assert refused.status_code == 409
    assert f"at most {MAX_ACTIVE_KEYS} active API keys" in refused.text
    assert 'data-testid="new-api-key"' not in refused.text
    assert refused.text.count("data-key-id=") == MAX_ACTIVE_KEYS
