"""GET /api/v1/account: who the key belongs to, its credit balance and its plan's limits."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from api.active_jobs import plan_of
from api.deps import CurrentAccount, LedgerDep
from api.routes.responses import problem_responses
from api.schemas import AccountOut, account_out

router = APIRouter(prefix="/api/v1", tags=["account"])


@router.get("/account", response_model=AccountOut, responses=problem_responses(401, 503))
async def get_account(account: CurrentAccount, ledger: LedgerDep) -> AccountOut:
    """Your account: plan, credits (available, reserved by running jobs, consumed, granted)."""
    credits = await run_in_threadpool(ledger.summary, account.id)
    return account_out(account, credits, plan_of(account.plan))
