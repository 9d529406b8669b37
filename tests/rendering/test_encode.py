"""render_image: the creative as PNG, JPEG or WebP; the same picture, the same bytes each time."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from PIL import Image, ImageChops, ImageStat

from domain.catalog import FORMATS
from rendering import CreativeSpec, render_image, render_png
from rendering.text import has_visible_text

PILLOW_FORMATS = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}


def spec(code: str, output: str) -> CreativeSpec:
    return CreativeSpec("Best protein supplements", "EN", "Shop now", code, "job:1", output=output)


def decoded(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        return image


@pytest.mark.parametrize("output", list(PILLOW_FORMATS))
@pytest.mark.parametrize("code", ["F1", "F3", "F4", "F9", "F11"])
def test_each_output_decodes_as_its_format_at_the_format_size(code: str, output: str) -> None:
    image = decoded(render_image(spec(code, output)))

    assert image.format == PILLOW_FORMATS[output]
    assert image.size == (FORMATS[code].width, FORMATS[code].height)


@pytest.mark.parametrize("output", list(PILLOW_FORMATS))
def test_the_same_spec_gives_the_same_bytes(output: str) -> None:
    """A retried image overwrites its first attempt with an identical file."""
    first = render_image(spec("F1", output))

    assert render_image(spec("F1", output)) == first
    assert render_image(replace(spec("F1", output), variant_seed="job:2")) != first


def test_png_output_is_what_render_png_gives() -> None:
    assert render_image(spec("F4", "png")) == render_png(spec("F4", "png"))


def test_webp_is_the_same_picture_as_the_png() -> None:
    png = decoded(render_png(spec("F1", "png"))).convert("RGB")
    webp = decoded(render_image(spec("F1", "webp"))).convert("RGB")

    assert ImageChops.difference(png, webp).getbbox() is None


def test_jpeg_is_close_to_the_png_everywhere() -> None:
    png = decoded(render_png(spec("F1", "png"))).convert("RGB")
    jpeg = decoded(render_image(spec("F1", "jpeg"))).convert("RGB")

    difference = ImageChops.difference(png, jpeg)
    assert max(ImageStat.Stat(difference).mean) < 2.0  # on average, invisible


def test_an_unknown_output_is_an_error_not_a_png() -> None:
    with pytest.raises(ValueError, match="gif"):
        render_image(spec("F1", "gif"))


@pytest.mark.parametrize(
    ("text", "language", "visible"),
    [
        ("Best protein", "EN", True),
        ("e\u0301", "EN", True),  # a base with its combining accent
        ("\U0001f600 -20%", "EN", True),  # emoji dropped, the rest drawn
        ("جديد", "AR", True),
        ("新着", "JA", True),
        ("ใหม่", "TH", True),
        ("\u200b\u200b", "EN", False),  # zero-width spaces
        ("\u0301\u0302", "EN", False),  # combining marks without a base
        ("\u200d\u2060\ufeff\u200e", "EN", False),  # joiners, word joiner, BOM, bidi mark
        ("\U0001f600\U0001f680", "EN", False),  # only emoji, which no installed font has
        ("\u3164\u2800", "KO", False),  # Hangul filler, blank braille: glyphs without ink
        ("   ", "EN", False),
    ],
)
def test_visible_text_is_text_that_puts_ink_on_the_image(
    text: str, language: str, visible: bool
) -> None:
    assert has_visible_text(text, language) is visible
