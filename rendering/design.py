"""Per-image design choices from the variant seed: layout family, palette and small variations."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from rendering.palette import PALETTES, Palette

FAMILIES = ("poster", "split", "card", "diagonal", "band", "showcase")
VARIATIONS = 5  # gradient direction, texture corner, mirrored shapes: coprime with the rest


@dataclass(frozen=True)
class Design:
    family: str
    palette: Palette
    variation: int  # 0..VARIATIONS-1


def design_for(variant_seed: str) -> Design:
    """Images of one job ("job:1", "job:2", ...) walk through families and palettes.

    Consecutive images take consecutive families (6 in a row all differ); the palette steps by
    5 of 12 (coprime: every palette before a repeat) and one more every 12 images, so a family
    meets a new palette each time it comes round, for 72 images. The job's hash picks the start.
    """
    match = re.fullmatch(r"(.*):(\d+)", variant_seed)
    base, index = (match.group(1), int(match.group(2))) if match else (variant_seed, 0)
    digest = hashlib.sha256(base.encode()).digest()
    if not match:
        index = int.from_bytes(digest[8:12], "big")
    return Design(
        family=FAMILIES[(digest[0] + index) % len(FAMILIES)],
        palette=PALETTES[(digest[1] + index * 5 + index // 12) % len(PALETTES)],
        variation=(digest[2] + index) % VARIATIONS,
    )
