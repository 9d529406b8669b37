"""Settings → API Keys: create (the secret shown once), list, revoke after a confirmation."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from api.deps import AccountsDep
from api.routes.keys import _KEY_ID
from api.web.deps import CheckedForm, CurrentUser, render
from domain.errors import KeyLimitReached
from infra.accounts import ApiKeyInfo

router = APIRouter(prefix="/app/settings", include_in_schema=False)


@router.get("/keys")
async def keys_page(
    request: Request, me: CurrentUser, accounts: AccountsDep, revoked: str | None = None
) -> Response:
    """The account's API keys."""
    keys = await run_in_threadpool(accounts.list_keys, me.account.id)
    revoked_key = next((key for key in keys if key.id == revoked), None)
    return render(request, "keys.html", {"keys": _newest_first(keys), "revoked": revoked_key})


@router.post("/keys")
async def create_key(
    request: Request, _form: CheckedForm, me: CurrentUser, accounts: AccountsDep
) -> Response:
    """Create a key and show its secret on this one page, never again."""
    try:
        key, secret = await run_in_threadpool(accounts.create_key, me.account.id)
    except KeyLimitReached as refused:  # the same cap as POST /api/v1/keys, from the service
        keys = await run_in_threadpool(accounts.list_keys, me.account.id)
        context = {"keys": _newest_first(keys), "errors": {"form": refused.detail}}
        return render(request, "keys.html", context, status=409)
    keys = await run_in_threadpool(accounts.list_keys, me.account.id)
    created = {"keys": _newest_first(keys), "created": key, "secret": secret}
    return render(request, "keys.html", created, status=201)


@router.get("/keys/{key_id}/revoke")
async def confirm_revoke(
    request: Request, key_id: str, me: CurrentUser, accounts: AccountsDep
) -> Response:
    """Ask before revoking: programs using the key stop working at once."""
    key = await _own_key(accounts, me.account.id, key_id)
    if key is None or key.revoked_at is not None:
        return render(request, "not_found.html", {"what": "API key"}, status=404)
    return render(request, "key_revoke.html", {"key": key})


@router.post("/keys/{key_id}/revoke")
async def revoke_key(
    request: Request, key_id: str, _form: CheckedForm, me: CurrentUser, accounts: AccountsDep
) -> Response:
    """Revoke the key; the API refuses it from the next request on."""
    if not _KEY_ID.fullmatch(key_id) or not await run_in_threadpool(
        accounts.revoke_key, key_id, me.account.id
    ):
        return render(request, "not_found.html", {"what": "API key"}, status=404)
    return RedirectResponse(f"/app/settings/keys?revoked={key_id}", status_code=303)


async def _own_key(accounts: AccountsDep, account_id: str, key_id: str) -> ApiKeyInfo | None:
    if not _KEY_ID.fullmatch(key_id):
        return None
    keys = await run_in_threadpool(accounts.list_keys, account_id)
    return next((key for key in keys if key.id == key_id), None)


def _newest_first(keys: list[ApiKeyInfo]) -> list[ApiKeyInfo]:
    return sorted(keys, key=lambda key: key.created_at, reverse=True)
