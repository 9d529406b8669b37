"""`creative-saas preview` writes a contact sheet of every format."""

from __future__ import annotations

import argparse
from pathlib import Path

from PIL import Image

from cli import preview


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    preview.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return int(args.handler(args))


def test_preview_writes_a_sheet_with_a_row_of_formats_per_language(tmp_path: Path) -> None:
    out = tmp_path / "sheet.png"
    code = _run(["preview", "--claim", "Best protein", "--languages", "EN,ar", "--out", str(out)])
    assert code == 0
    with Image.open(out) as sheet:
        assert sheet.width == preview.SHEET_WIDTH
        assert sheet.height > 2 * preview.THUMB_HEIGHT


def test_preview_rejects_an_unknown_language(tmp_path: Path) -> None:
    out = tmp_path / "sheet.png"
    assert _run(["preview", "--claim", "x", "--languages", "XX", "--out", str(out)]) == 2
    assert not out.exists()


def test_preview_shows_a_row_per_family_with_subline_and_badge(tmp_path: Path) -> None:
    out = tmp_path / "families.png"
    argv = ["preview", "--claim", "Sale", "--families", "poster,card", "--subline", "Today only",
            "--badge=-50%", "--out", str(out)]  # fmt: skip
    assert _run(argv) == 0
    with Image.open(out) as sheet:
        rows = round(sheet.height / (preview.THUMB_HEIGHT + preview.LABEL_HEIGHT + preview.GAP))
        assert rows >= 4  # two families, each wrapping its twelve formats onto two rows
        assert len(sheet.convert("RGB").getcolors(1 << 20) or []) > 500  # creatives, not blank


def test_every_family_seed_draws_that_family() -> None:
    from rendering.design import FAMILIES, design_for

    for family in FAMILIES:
        assert design_for(preview.seed_for(family, "preview")).family == family


def test_preview_rejects_an_unknown_family(tmp_path: Path) -> None:
    out = tmp_path / "sheet.png"
    assert _run(["preview", "--claim", "x", "--families", "collage", "--out", str(out)]) == 2
    assert not out.exists()
