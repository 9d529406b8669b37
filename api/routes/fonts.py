"""GET /api/v1/fonts: the font families a brand kit may use (no key needed)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from api.brand_schemas import FontList, FontOut
from rendering.font_catalog import offered_fonts

router = APIRouter(prefix="/api/v1", tags=["brand kits"])


@router.get("/fonts", operation_id="listFonts", response_model=FontList)
async def list_fonts() -> FontList:
    """The families on offer for brand kits, each with the scripts it draws."""
    fonts = await run_in_threadpool(offered_fonts)
    return FontList(data=[FontOut(family=f.family, scripts=list(f.scripts)) for f in fonts])
