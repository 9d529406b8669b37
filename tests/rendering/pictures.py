"""Brand pictures made with Pillow for the tests: a transparent logo, a cut-out, a photo."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from rendering import BrandStyle


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, quality=90) if fmt == "JPEG" else image.save(out, fmt)
    return out.getvalue()


def logo_png() -> bytes:
    """A 3:1 word mark on transparency: a dark disc and two bars."""
    image = Image.new("RGBA", (360, 120), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((6, 6, 114, 114), fill=(255, 255, 255, 255), outline=(30, 30, 30, 255), width=8)
    draw.ellipse((36, 36, 84, 84), fill=(230, 57, 70, 255))
    draw.rounded_rectangle((138, 22, 350, 56), radius=12, fill=(255, 255, 255, 255))
    draw.rounded_rectangle((138, 70, 300, 100), radius=12, fill=(255, 255, 255, 230))
    return _encode(image, "PNG")


def cutout_png() -> bytes:
    """A portrait product bottle (2:3) on transparency, its edges soft."""
    image = Image.new("RGBA", (400, 600), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((90, 150, 310, 590), radius=40, fill=(245, 245, 240, 255))
    draw.rectangle((150, 60, 250, 160), fill=(230, 57, 70, 255))
    draw.rounded_rectangle((130, 20, 270, 80), radius=14, fill=(40, 40, 40, 255))
    draw.rectangle((90, 300, 310, 430), fill=(230, 57, 70, 255))
    return _encode(image, "PNG")


def photo_jpeg() -> bytes:
    """A landscape 'photo' (4:3), opaque: a gradient sky over a ground."""
    gradient = Image.linear_gradient("L").resize((640, 480))
    image = Image.merge("RGB", (gradient, gradient.point(lambda v: 120 + v // 3),
                                Image.new("L", (640, 480), 200)))  # fmt: skip
    ImageDraw.Draw(image).ellipse((200, 150, 440, 390), fill=(250, 200, 60))
    return _encode(image, "JPEG")


def brand(logo: bool = True, font: str | None = "DM Serif Display") -> BrandStyle:
    """A kit in a deep teal with a coral accent, a light text colour and a display font."""
    return BrandStyle(primary="#0E5E6F", secondary="#3A8891", accent="#F2545B",
                      background=None, text="#F7F7F2", font=font,
                      logo=logo_png() if logo else None)  # fmt: skip
