"""/api/v1/keys: the caller's account manages its own API keys (create, list, revoke)."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Path, Response
from starlette.concurrency import run_in_threadpool

from api.deps import AccountsDep, CurrentAccount
from api.routes.responses import problem_responses
from api.schemas import ApiKeyCreated, ApiKeyOut, api_key_created, api_key_out
from domain.errors import NotFound

router = APIRouter(prefix="/api/v1", tags=["keys"])

KEY_NOT_FOUND = "no such key"
# Key ids are minted by AccountService as key_ + 24 hex digits; anything else cannot exist,
# and checking first keeps odd bytes (NUL, megabytes of text) away from the database.
_KEY_ID = re.compile(r"key_[0-9a-f]{24}")


@router.post(
    "/keys",
    status_code=201,
    response_model=ApiKeyCreated,
    responses=problem_responses(401, 409, 503),
)
async def create_key(account: CurrentAccount, accounts: AccountsDep) -> ApiKeyCreated:
    """Create an API key (at most 25 active per account); `apiKey` is shown only this once."""
    key, secret = await run_in_threadpool(accounts.create_key, account.id)
    return api_key_created(key, secret)


@router.get("/keys", response_model=list[ApiKeyOut], responses=problem_responses(401, 503))
async def list_keys(account: CurrentAccount, accounts: AccountsDep) -> list[ApiKeyOut]:
    """Your account's API keys, oldest first, revoked ones included; never their secrets."""
    keys = await run_in_threadpool(accounts.list_keys, account.id)
    return [api_key_out(key) for key in keys]


@router.delete(
    "/keys/{keyId}",
    status_code=204,
    response_class=Response,
    responses=problem_responses(401, 404, 503),
)
async def revoke_key(
    key_id: Annotated[str, Path(alias="keyId")], account: CurrentAccount, accounts: AccountsDep
) -> Response:
    """Revoke one of your keys; it fails from the next request on. Revoking twice is fine."""
    # Another account's key gets the same 404 as an unknown one: ids reveal nothing.
    if not _KEY_ID.fullmatch(key_id):
        raise NotFound(KEY_NOT_FOUND)
    if not await run_in_threadpool(accounts.revoke_key, key_id, account.id):
        raise NotFound(KEY_NOT_FOUND)
    return Response(status_code=204)
