"""The public catalogs: formats and languages. No API key needed; they are the same for all."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter

from api.schemas import FormatOut, LanguageOut, format_out, language_out
from domain.catalog import FORMATS, LANGUAGES

router = APIRouter(prefix="/api/v1", tags=["catalog"])


@router.get("/formats", response_model=list[FormatOut])
async def list_formats() -> list[FormatOut]:
    """Every ad format (code, width, height, name, maxClaimChars); public, no API key needed."""
    return await asyncio.to_thread(lambda: [format_out(f) for f in FORMATS.values()])


@router.get("/languages", response_model=list[LanguageOut])
async def list_languages() -> list[LanguageOut]:
    """Every supported language (code, name, rtl, defaultCta); public, no API key needed."""
    return [language_out(language) for language in LANGUAGES.values()]
