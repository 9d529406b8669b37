"""GET /healthz: the process is up and serving (it does not probe Temporal or the database)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["health"])


@router.get("/healthz", include_in_schema=False)
async def healthz() -> dict[str, str]:
    """Liveness: answers as long as the API process serves requests."""
    return {"status": "ok"}
