"""Per-image design choices derived from the variant seed: palette, background and composition."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from rendering.palette import PALETTES, Palette

TREATMENTS = ("gradient", "circles", "band", "solid")
COMPOSITIONS = ("top", "center", "bottom")


@dataclass(frozen=True)
class Design:
    palette: Palette
    treatment: str
    composition: str
    angle_seed: int  # small extra freedom (gradient direction, shape placement)


def design_for(variant_seed: str) -> Design:
    """Consecutive images of a job ("job:1", "job:2", ...) never repeat a combination.

    11 palettes x 4 treatments x 3 compositions are pairwise coprime, so stepping every
    dimension by one per image cycles through all 132 combinations before any repeats.
    """
    match = re.fullmatch(r"(.*):(\d+)", variant_seed)
    base, index = (match.group(1), int(match.group(2))) if match else (variant_seed, 0)
    digest = hashlib.sha256(base.encode()).digest()
    if not match:
        index = int.from_bytes(digest[8:12], "big")
    return Design(
        palette=PALETTES[(digest[0] + index) % len(PALETTES)],
        treatment=TREATMENTS[(digest[1] + index) % len(TREATMENTS)],
        composition=COMPOSITIONS[(digest[2] + index) % len(COMPOSITIONS)],
        angle_seed=(digest[3] + index * 7) % 256,
    )
