"""`creative-saas preview`: contact sheets of every ad format for a claim, per language or family.

`--gallery DIR` regenerates the committed sheets of docs/gallery (EN, AR, JA, TH, DE-long,
one-word, and "brand": one made-up brand kit, its logo and a product cut-out) in one go.
"""

from __future__ import annotations

import argparse
import io
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from domain.catalog import FORMATS, LANGUAGES

if TYPE_CHECKING:
    from PIL import Image

THUMB_HEIGHT = 360  # every creative scaled to this height on the sheet (small ones shown 1:1)
GAP = 16
SHEET_WIDTH = 2400
LABEL_HEIGHT = 22
GALLERY_THUMB = 170  # gallery sheets are committed: a few hundred KB each as JPEG
ALL = "all"


@dataclass(frozen=True)
class Sheet:
    """What one contact sheet shows."""

    claim: str
    languages: tuple[str, ...]
    cta: str | None = None
    subline: str | None = None
    badge: str | None = None
    families: tuple[str, ...] = ()  # empty: one row per language, images of one job
    seed: str = "preview"
    brand: bool = False  # the demo brand kit (cli.demo_brand): its colours, logo and product


GALLERY = {
    "en": Sheet(
        "Best protein supplements",
        ("EN",),
        subline="Plant-based, 25 g per scoop",
        badge="-20%",
        families=(ALL,),
    ),  # fmt: skip
    "ar": Sheet("أفضل مكملات البروتين لتمارينك اليومية", ("AR",), families=(ALL,)),
    "ja": Sheet("最高のプロテインサプリメント", ("JA",), families=(ALL,)),
    "th": Sheet("อาหารเสริมโปรตีนที่ดีที่สุด", ("TH",), families=(ALL,)),
    "de-long": Sheet(
        "Die besten Proteinergänzungsmittel für Ausdauersportler und alle, die "
        "nach dem Training schneller regenerieren wollen",
        ("DE",),
        cta="Jetzt kostenlos registrieren!",
        families=(ALL,),
    ),  # fmt: skip
    "one-word": Sheet("Sale", ("EN",), badge="-50%", families=(ALL,)),
    "brand": Sheet(
        "Plant protein, dessert taste",
        ("EN",),
        cta="Shop Nordfit",
        badge="-20%",
        seed="brand-demo",
        brand=True,
    ),  # fmt: skip
}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `preview` subcommand."""
    parser = subparsers.add_parser(
        "preview", help="render every format for a claim into one contact-sheet PNG"
    )
    parser.add_argument("--claim", help="headline text, 1..200 characters")
    parser.add_argument("--languages", default="EN", help="comma-separated codes, e.g. EN,AR,JA")
    parser.add_argument("--cta", default=None, help="button label (default: the language's)")
    parser.add_argument("--subline", default=None, help="secondary text under the headline")
    parser.add_argument("--badge", default=None, help='a short sticker, e.g. "-20%%"')
    parser.add_argument(
        "--families", nargs="?", const=ALL, default=None,
        help="one row per layout family (all, or a comma-separated list such as poster,card)",
    )  # fmt: skip
    parser.add_argument("--seed", default="preview", help="variant seed prefix")
    parser.add_argument("--out", type=Path, default=Path("sheet.png"), help="output image path")
    parser.add_argument(
        "--gallery", type=Path, default=None, help="write every gallery sheet into this folder"
    )
    parser.set_defaults(handler=run_preview)


def run_preview(args: argparse.Namespace) -> int:
    """Render the sheet(s) and report where they went; 2 on bad input."""
    from rendering.design import FAMILIES

    if args.gallery:
        args.gallery.mkdir(parents=True, exist_ok=True)
        for name, sheet in GALLERY.items():
            out = args.gallery / f"{name}.jpg"
            render_sheet(sheet, GALLERY_THUMB).save(out, quality=80, optimize=True)
            print(f"wrote {out}")
        return 0
    languages = tuple(code.strip().upper() for code in args.languages.split(",") if code.strip())
    unknown = [code for code in languages if code not in LANGUAGES]
    if unknown or not languages:
        print(f"unknown language(s): {', '.join(unknown)}; choose from {', '.join(LANGUAGES)}")
        return 2
    claim = (args.claim or "").strip()
    if not 1 <= len(claim) <= 200:
        print("the claim must be 1..200 characters")
        return 2
    families: tuple[str, ...] = ()
    if args.families:
        families = tuple(f.strip() for f in args.families.split(",") if f.strip())
        wrong = [f for f in families if f not in (*FAMILIES, ALL)]
        if wrong:
            print(f"unknown famil(ies): {', '.join(wrong)}; choose from {', '.join(FAMILIES)}")
            return 2
    sheet = Sheet(claim, languages, args.cta, args.subline, args.badge, families, args.seed)
    image = render_sheet(sheet, THUMB_HEIGHT)
    if args.out.suffix.lower() in (".jpg", ".jpeg"):
        image.save(args.out, quality=88)
    else:
        image.save(args.out)
    print(f"wrote {args.out}")
    return 0


def seed_for(family: str, prefix: str) -> str:
    """The first image seed of a job whose design is in this family."""
    from rendering.design import design_for

    return next(
        f"{prefix}:{i}" for i in range(1, 100) if design_for(f"{prefix}:{i}").family == family
    )


def render_sheet(sheet: Sheet, thumb_height: int) -> Image.Image:
    """Rows of every format, labelled; a row per language, or per language and family."""
    from rendering.design import FAMILIES

    families = FAMILIES if ALL in sheet.families else sheet.families
    rows = []
    for language in sheet.languages:
        for family in families or (None,):
            tiles = []
            for index, code in enumerate(FORMATS, start=1):
                seed = seed_for(family, sheet.seed) if family else f"{sheet.seed}:{index}"
                image, drawn = _render(sheet, language, code, seed)
                tiles.append((f"{language} {code} {drawn}", _thumb(image, thumb_height)))
            rows.append(tiles)
    return _compose(rows, thumb_height)


def _render(sheet: Sheet, language: str, code: str, seed: str) -> tuple[Image.Image, str]:
    """The creative, or a grey card where the API would refuse the claim in this format."""
    from PIL import Image, ImageDraw

    from rendering import CreativeSpec, layout_creative, render_png
    from rendering.legibility import fits_legibly, max_claim_chars

    label = sheet.cta or LANGUAGES[language].default_cta
    if not fits_legibly(sheet.claim, language, code, label):
        fmt = FORMATS[code]
        card = Image.new("RGB", (fmt.width, fmt.height), (210, 210, 210))
        note = f"refused: over ~{max_claim_chars(code)} chars"
        ImageDraw.Draw(card).text(
            (6, 6),
            note,
            fill=(60, 60, 60),
            font_size=max(10, min(fmt.width // 14, fmt.height // 4)),
        )
        return card, "refused"
    spec = CreativeSpec(sheet.claim, language, label, code, seed, sheet.subline, sheet.badge)
    if sheet.brand:
        from cli.demo_brand import demo_kit, demo_product

        spec = replace(spec, brand=demo_kit(), product_image=demo_product())
    with Image.open(io.BytesIO(render_png(spec))) as png:
        return png.convert("RGB"), layout_creative(spec).family


def _thumb(image: Image.Image, height: int) -> Image.Image:
    from PIL import Image

    scale = min(1.0, height / image.height)
    if scale < 1:
        size = (round(image.width * scale), height)
        image = image.resize(size, Image.Resampling.LANCZOS)
    return image


def _compose(rows: list[list[tuple[str, Image.Image]]], thumb_height: int) -> Image.Image:
    from PIL import Image, ImageDraw

    width = SHEET_WIDTH if thumb_height == THUMB_HEIGHT else round(SHEET_WIDTH * 0.64)
    row_height = thumb_height + LABEL_HEIGHT + GAP
    spots, x, y = [], GAP, GAP
    for row in rows:
        for caption, tile in row:
            if x + tile.width + GAP > width and x > GAP:
                x, y = GAP, y + row_height
            spots.append((caption, tile, x, y))
            x += tile.width + GAP
        x, y = GAP, y + row_height
    sheet = Image.new("RGB", (width, y), (236, 236, 236))
    draw = ImageDraw.Draw(sheet)
    for caption, tile, x, y in spots:
        draw.text((x, y + 4), caption, fill=(40, 40, 40))
        sheet.paste(tile, (x, y + LABEL_HEIGHT))
    return sheet
