"""Small images (and not-quite-images) that customers upload, made on the fly with Pillow."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b'<script>alert(1)</script><rect width="10" height="10" fill="red"/></svg>'
)


def encoded(image: Image.Image, pil_format: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=pil_format, **options)
    return out.getvalue()


def transparent_logo(size: tuple[int, int] = (120, 60)) -> bytes:
    """An RGBA PNG: a red disc on a fully transparent background."""
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    for x in range(size[0] // 4, size[0] * 3 // 4):
        for y in range(size[1] // 4, size[1] * 3 // 4):
            image.putpixel((x, y), (220, 30, 40, 255))
    return encoded(image, "PNG")


def product_photo(size: tuple[int, int] = (200, 100), orientation: int | None = None) -> bytes:
    """A JPEG, left half blue and right half yellow; optionally with an EXIF orientation."""
    image = Image.new("RGB", size, (20, 60, 200))
    image.paste((240, 200, 20), (size[0] // 2, 0, size[0], size[1]))
    if orientation is None:
        return encoded(image, "JPEG", quality=95)
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encoded(image, "JPEG", quality=95, exif=exif.tobytes())


def webp_image() -> bytes:
    return encoded(Image.new("RGBA", (64, 64), (10, 200, 90, 128)), "WEBP", lossless=True)


def animated_webp() -> bytes:
    frames = [Image.new("RGB", (32, 32), color) for color in ("red", "green", "blue")]
    return encoded(frames[0], "WEBP", save_all=True, append_images=frames[1:], duration=100)


def gif_image() -> bytes:
    return encoded(Image.new("P", (16, 16)), "GIF")


def truncated_png() -> bytes:
    data = encoded(Image.effect_noise((256, 256), 64).convert("RGB"), "PNG")
    return data[: len(data) // 2]


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A valid-looking PNG of a few hundred bytes that declares width x height pixels."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        body = kind + payload
        return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    row = b"\x00" + b"\x00" * 64  # far fewer rows than declared: never decoded anyway
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * 16, 9))
        + chunk(b"IEND", b"")
    )


def noise_png(megabytes: float) -> bytes:
    """A PNG of random pixels of at least this many megabytes (noise does not compress)."""
    side = int((megabytes * 1024 * 1024 / 3) ** 0.5) + 16
    return encoded(Image.frombytes("RGB", (side, side), _random_bytes(side * side * 3)), "PNG")


def _random_bytes(count: int) -> bytes:
    import random

    return random.Random(12).randbytes(count)
