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
