"""Refuse claims a requested format cannot set legibly; pick legible formats for the rotation.

Laying a claim out takes a few milliseconds per format with Pillow, so the checks run in a
worker thread, off the event loop.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

from domain.catalog import DEFAULT_ROTATION, LANGUAGES
from domain.errors import FieldError, InvalidRequest
from domain.jobs import GenerateRequest


def _legible(request: GenerateRequest, code: str) -> bool:
    from rendering.legibility import fits_legibly

    cta = request.cta or LANGUAGES[request.language].default_cta
    return fits_legibly(request.claim, request.language, code, cta)


def check_legibility(request: GenerateRequest) -> GenerateRequest:
    """400 naming each requested format that cannot set the claim; else the request as it is."""
    if not request.formats:
        return request
    from rendering.legibility import max_claim_chars

    refused = [code for code in dict.fromkeys(request.formats) if not _legible(request, code)]
    if refused:
        errors = [
            FieldError("formats", f"{code} sets claims of up to about {max_claim_chars(code)} "
                       f"characters legibly; this claim has {len(request.claim)}")
            for code in refused
        ]  # fmt: skip
        raise InvalidRequest(
            f"The claim is too long to be legible in {', '.join(refused)}; shorten it or "
            "choose other formats (GET /api/v1/formats lists maxClaimChars).",
            errors,
        )
    return request


def legible_rotation(request: GenerateRequest) -> tuple[str, ...]:
    """The default rotation without the formats this claim cannot fill legibly."""
    kept = tuple(code for code in DEFAULT_ROTATION if _legible(request, code))
    return kept or DEFAULT_ROTATION


async def screen(request: GenerateRequest) -> GenerateRequest:
    """check_legibility, and for a request without formats, the legible rotation."""
    checked = await asyncio.to_thread(check_legibility, request)
    if checked.formats:
        return checked
    rotation = await asyncio.to_thread(legible_rotation, checked)
    return checked if rotation == DEFAULT_ROTATION else replace(checked, rotation=rotation)
