"""Request dependencies as Annotated aliases: the caller's account and the app's services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from api.orchestrator import JobOrchestrator
from domain.errors import FieldError, InvalidRequest, Unauthorized
from infra.accounts import UNAUTHORIZED_DETAIL, AccountInfo, AccountService
from infra.assets import AssetService
from infra.brand_kits import BrandKitService
from infra.ledger import CreditLedger
from infra.settings import Settings
from infra.storage import ImageStore

MAX_IDEMPOTENCY_KEY_LENGTH = 255
# Only documents the scheme in OpenAPI (the /docs "Authorize" button); current_account decides.
_bearer_scheme = HTTPBearer(
    auto_error=False, bearerFormat="cs_live_...", description="Your API key as a Bearer token."
)


def get_settings(request: Request) -> Settings:
    """The app's settings."""
    settings: Settings = request.app.state.settings
    return settings


def get_orchestrator(request: Request) -> JobOrchestrator:
    """The one JobOrchestrator of this process."""
    orchestrator: JobOrchestrator = request.app.state.orchestrator
    return orchestrator


def get_store(request: Request) -> ImageStore:
    """Where images live."""
    store: ImageStore = request.app.state.store
    return store


def get_accounts(request: Request) -> AccountService:
    """Accounts and their API keys."""
    accounts: AccountService = request.app.state.accounts
    return accounts


def get_assets(request: Request) -> AssetService:
    """Uploaded assets of accounts."""
    assets: AssetService = request.app.state.assets
    return assets


def get_brand_kits(request: Request) -> BrandKitService:
    """Brand kits of accounts."""
    kits: BrandKitService = request.app.state.brand_kits
    return kits


def get_ledger(request: Request) -> CreditLedger:
    """The credit ledger over the app's database (stateless, so one per request is free)."""
    return CreditLedger(request.app.state.engine)


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header; None when missing or malformed."""
    if authorization is None:
        return None
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        return None
    return token


async def current_account(
    request: Request,
    _documented: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer_scheme)],
) -> AccountInfo:
    """The account of the presented API key; the same 401 for every way a key can be wrong."""
    token = bearer_token(request.headers.get("authorization"))
    if token is None:
        raise Unauthorized(UNAUTHORIZED_DETAIL)
    accounts: AccountService = request.app.state.accounts
    # A database failure rises to api/problems.py, which translates it (503 when transient).
    account = await run_in_threadpool(accounts.authenticate, token)
    request.state.account_id = account.id  # for the access log line of this request
    return account


async def idempotency_key(
    request: Request,
    _documented: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description="Repeat a request safely: the same key and body return the original job.",
        ),
    ] = None,
) -> str | None:
    """The optional Idempotency-Key header: 1..255 printable ASCII characters."""
    values = request.headers.getlist("idempotency-key")
    if not values:
        return None
    key = values[0]
    if len(values) > 1:
        raise _bad_key("send at most one Idempotency-Key header")
    if not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY_LENGTH:
        raise _bad_key(f"must be 1..{MAX_IDEMPOTENCY_KEY_LENGTH} characters")
    if any(not " " <= char <= "~" for char in key):
        raise _bad_key("must contain printable ASCII characters only")
    return key


def only_query_parameters(*names: str) -> Callable[[Request], None]:
    """A dependency refusing query parameters the route does not know (a typo'd `limt=` is a
    400, not a silently ignored filter)."""

    def check(request: Request) -> None:
        unknown = sorted(set(request.query_params) - set(names))
        if unknown:
            raise InvalidRequest(
                f"Unknown query parameter {unknown[0]!r}.",
                [FieldError(name, "unknown query parameter") for name in unknown],
            )

    return check


def _bad_key(message: str) -> InvalidRequest:
    return InvalidRequest(
        f"Invalid Idempotency-Key: {message}.", [FieldError("Idempotency-Key", message)]
    )


SettingsDep = Annotated[Settings, Depends(get_settings)]
OrchestratorDep = Annotated[JobOrchestrator, Depends(get_orchestrator)]
StoreDep = Annotated[ImageStore, Depends(get_store)]
AccountsDep = Annotated[AccountService, Depends(get_accounts)]
AssetsDep = Annotated[AssetService, Depends(get_assets)]
BrandKitsDep = Annotated[BrandKitService, Depends(get_brand_kits)]
LedgerDep = Annotated[CreditLedger, Depends(get_ledger)]
CurrentAccount = Annotated[AccountInfo, Depends(current_account)]
IdempotencyKey = Annotated[str | None, Depends(idempotency_key)]
