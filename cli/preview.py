"""`creative-saas preview`: a contact sheet of every ad format for a claim, per language."""

from __future__ import annotations

import argparse
import io
from pathlib import Path
from typing import TYPE_CHECKING

from domain.catalog import FORMATS, LANGUAGES

if TYPE_CHECKING:
    from PIL import Image

THUMB_HEIGHT = 360  # every creative scaled to this height on the sheet (small ones shown 1:1)
GAP = 16
SHEET_WIDTH = 2400
LABEL_HEIGHT = 22


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `preview` subcommand."""
    parser = subparsers.add_parser(
        "preview", help="render every format for a claim into one contact-sheet PNG"
    )
    parser.add_argument("--claim", required=True, help="headline text, 1..200 characters")
    parser.add_argument("--languages", default="EN", help="comma-separated codes, e.g. EN,AR,JA")
    parser.add_argument("--cta", default=None, help="button label (default: the language's)")
    parser.add_argument("--seed", default="preview", help="variant seed prefix")
    parser.add_argument("--out", type=Path, default=Path("sheet.png"), help="output PNG path")
    parser.set_defaults(handler=run_preview)


def run_preview(args: argparse.Namespace) -> int:
    """Render the sheet and report where it went; 2 on a bad language code."""
    languages = [code.strip().upper() for code in args.languages.split(",") if code.strip()]
    unknown = [code for code in languages if code not in LANGUAGES]
    if unknown or not languages:
        print(f"unknown language(s): {', '.join(unknown)}; choose from {', '.join(LANGUAGES)}")
        return 2
    claim = args.claim.strip()
    if not 1 <= len(claim) <= 200:
        print("the claim must be 1..200 characters")
        return 2
    contact_sheet(claim, languages, args.cta, args.seed).save(args.out)
    print(f"wrote {args.out}")
    return 0


def contact_sheet(claim: str, languages: list[str], cta: str | None, seed: str) -> Image.Image:
    """One row per language, every format side by side, each labelled with its code."""
    from PIL import Image, ImageDraw

    from rendering import CreativeSpec, render_png

    rows = []
    for language in languages:
        label = cta or LANGUAGES[language].default_cta
        tiles = []
        for index, code in enumerate(FORMATS, start=1):
            spec = CreativeSpec(claim, language, label, code, f"{seed}:{index}")
            with Image.open(io.BytesIO(render_png(spec))) as png:
                image = png.convert("RGB")
            scale = min(1.0, THUMB_HEIGHT / image.height)
            if scale < 1:
                size = (round(image.width * scale), THUMB_HEIGHT)
                image = image.resize(size, Image.Resampling.LANCZOS)
            tiles.append((f"{language} {code}", image))
        rows.append(tiles)
    row_height = THUMB_HEIGHT + LABEL_HEIGHT + GAP
    spots, x, y = [], GAP, GAP
    for row in rows:
        for caption, tile in row:
            if x + tile.width + GAP > SHEET_WIDTH and x > GAP:
                x, y = GAP, y + row_height
            spots.append((caption, tile, x, y))
            x += tile.width + GAP
        x, y = GAP, y + row_height
    sheet = Image.new("RGB", (SHEET_WIDTH, y), (236, 236, 236))
    draw = ImageDraw.Draw(sheet)
    for caption, tile, x, y in spots:
        draw.text((x, y), caption, fill=(40, 40, 40))
        sheet.paste(tile, (x, y + LABEL_HEIGHT))
    return sheet
