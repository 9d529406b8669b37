"""The Generate page: the same request, orchestrator, credits, plan limits and idempotency as
POST /api/v1/generate, from a form."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import Response

from api.deps import BrandKitsDep, LedgerDep, OrchestratorDep
from api.generate_input import MAX_COUNT, GenerateBody, parse_generate_request
from api.web.deps import CheckedForm, CurrentUser, render
from domain.brand import JobPins
from domain.catalog import FORMATS, LANGUAGES
from domain.errors import (
    FieldError,
    IdempotencyKeyReused,
    InsufficientCredits,
    InvalidRequest,
    ServiceUnavailable,
    TooManyActiveJobs,
)

router = APIRouter(prefix="/app", include_in_schema=False)

TEXT_FIELDS = ("claim", "cta", "subline", "badge")
# Fields another branch adds to the API today: the form offers them once the API accepts them.
OPTIONAL_FIELDS = ("subline", "badge", "output")
OUTPUTS = ("png", "jpeg", "webp")


def accepted_fields() -> frozenset[str]:
    return frozenset(GenerateBody.model_fields)


@router.get("/generate")
async def generate_page(request: Request, me: CurrentUser, ledger: LedgerDep) -> Response:
    """The Generate form."""
    return await _form(request, me.account.id, ledger, values={}, errors={})


@router.post("/generate")
async def generate(
    request: Request,
    form: CheckedForm,
    me: CurrentUser,
    ledger: LedgerDep,
    orchestrator: OrchestratorDep,
    kits: BrandKitsDep,
) -> Response:
    """Start a job from the form and go to its page, where the images appear as they render."""
    values = _values(form)
    idempotency_key = str(form.get("idempotency_key", ""))[:64] or None
    try:
        body = _body(values)
        generate_request = parse_generate_request(body)
        # The key comes with the form: a double click or a resent form replays the same job.
        key = f"web-{idempotency_key}" if idempotency_key else None

        async def pin() -> JobPins:  # like the API without brandKit: the default kit, if any
            return await run_in_threadpool(kits.pin, me.account.id, None, None)

        submission = await orchestrator.submit(me.account.id, generate_request, key, pin)
    except InvalidRequest as error:
        errors = {e.field: _in_words(e.field, e.message) for e in error.errors}
        errors = errors or {"form": error.detail}
        return await _form(request, me.account.id, ledger, values, errors, idempotency_key, 400)
    except InsufficientCredits as error:
        message = f"Not enough credits: {error.detail}."
        return await _form(
            request, me.account.id, ledger, values, {"count": message}, idempotency_key, 402
        )
    except TooManyActiveJobs as error:
        errors = {"form": f"Your plan's jobs are all running: {error.detail}."}
        return await _form(request, me.account.id, ledger, values, errors, idempotency_key, 429)
    except IdempotencyKeyReused:
        errors = {"form": "This form already started a job. Check the settings and submit again."}
        return await _form(request, me.account.id, ledger, values, errors, None, 409)
    except ServiceUnavailable:
        errors = {
            "form": "The job service is unreachable right now. Nothing was charged; try again."
        }
        return await _form(request, me.account.id, ledger, values, errors, idempotency_key, 503)
    return RedirectResponse(f"/app/jobs/{submission.view.job_id}", status_code=303)


def _values(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {name: str(form.get(name, "")) for name in TEXT_FIELDS}
    values["language"] = str(form.get("language", "EN"))
    values["count"] = str(form.get("count", "1"))
    values["output"] = str(form.get("output", ""))
    values["formats"] = [str(code) for code in form.getlist("formats")]
    return values


def _body(values: dict[str, Any]) -> dict[str, Any]:
    """The JSON body the API would receive; empty optional fields are left out."""
    try:
        count = int(values["count"])
    except ValueError:
        raise InvalidRequest("count", [FieldError("count", "must be a whole number")]) from None
    body: dict[str, Any] = {
        "claim": values["claim"],
        "language": values["language"],
        "count": count,
    }
    if values["formats"]:
        body["formats"] = values["formats"]
    for name in ("cta", *OPTIONAL_FIELDS):
        if values.get(name, "").strip() and name in accepted_fields():
            body[name] = values[name]
    return body


def _in_words(field: str, message: str) -> str:
    if field == "count":  # pydantic's "Input should be less than or equal to 20" reads poorly
        return f"Choose 1 to {MAX_COUNT} images."
    return _sentence(message)


def _sentence(message: str) -> str:
    text = message[:1].upper() + message[1:]
    return text if text.endswith(".") else f"{text}."


async def _form(
    request: Request,
    account_id: str,
    ledger: LedgerDep,
    values: dict[str, Any],
    errors: dict[str, str],
    idempotency_key: str | None = None,
    status: int = 200,
) -> Response:
    available = await run_in_threadpool(ledger.available, account_id)
    context = {
        "values": {"language": "EN", "count": "3", "formats": [], **values},
        "errors": errors,
        "languages": LANGUAGES.values(),
        "formats": FORMATS.values(),
        "max_count": MAX_COUNT,
        "available": available,
        "accepted": accepted_fields(),
        "outputs": OUTPUTS,
        # A new key for a new form; a form sent back with errors keeps its key (nothing started).
        "idempotency_key": idempotency_key or secrets.token_hex(16),
    }
    return render(request, "generate.html", context, status=status)
