"""A made-up brand kit for the gallery and demos: "Nordfit", its word mark and a product tub.

Drawn with Pillow on the fly (nothing binary committed), the same bytes every time.
"""

from __future__ import annotations

import functools
import io

from rendering import BrandStyle

INK = (20, 36, 38, 255)
MINT = (152, 232, 193, 255)
CORAL = (255, 111, 89, 255)


def _png(image: object) -> bytes:
    from PIL import Image

    assert isinstance(image, Image.Image)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@functools.cache
def demo_logo() -> bytes:
    """A mint leaf mark and the word "nordfit" on transparency (about 3.4:1)."""
    from PIL import Image, ImageDraw

    from rendering.fonts import load_font
    from rendering.typefaces import DM_SANS

    image = Image.new("RGBA", (680, 200), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((10, 10, 190, 190), fill=MINT)
    draw.pieslice((52, 40, 172, 160), 200, 380, fill=INK)
    draw.ellipse((80, 66, 144, 130), fill=MINT)
    font = load_font(DM_SANS, 150, 700)
    draw.text((218, 100), "nordfit", font=font, fill=(255, 255, 255, 255), anchor="lm")
    return _png(image.crop(image.getbbox()))


@functools.cache
def demo_product() -> bytes:
    """A protein tub cut out on transparency, with a soft contact shadow."""
    from PIL import Image, ImageDraw, ImageFilter

    from rendering.fonts import load_font
    from rendering.typefaces import ARCHIVO_BLACK

    width, height = 520, 640
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    shadow = Image.new("L", (width, height), 0)
    ImageDraw.Draw(shadow).ellipse((70, 580, 450, 630), fill=120)
    image.putalpha(shadow.filter(ImageFilter.GaussianBlur(12)))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((90, 130, 430, 605), radius=46, fill=(250, 248, 242, 255))
    draw.rounded_rectangle((80, 60, 440, 150), radius=26, fill=INK)
    draw.rectangle((90, 250, 430, 470), fill=CORAL)
    font = load_font(ARCHIVO_BLACK, 78, 400)
    draw.text((260, 335), "WHEY", font=font, fill=(255, 255, 255, 255), anchor="mm")
    small = load_font(ARCHIVO_BLACK, 30, 400)
    draw.text((260, 410), "VANILLA  1 KG", font=small, fill=INK, anchor="mm")
    return _png(image)


def demo_kit() -> BrandStyle:
    """Nordfit's kit: deep teal, mint, coral, light text, DM Serif Display, the word mark."""
    return BrandStyle(primary="#143E42", secondary="#98E8C1", accent="#FF6F59",
                      background=None, text="#F7F5EE", font="DM Serif Display",
                      logo=demo_logo())  # fmt: skip
