"""The finished creative as the bytes of the encoding a job asked for: PNG, JPEG or WebP.

Pillow writes no timestamps or other varying metadata in any of the three, and each encoder is
run with fixed settings, so the same painted image always gives the same bytes: a retried image
is byte-identical to its first attempt.
"""

from __future__ import annotations

import io

from PIL import Image

from rendering.paint import encode_png

# Flat colours and small type: 4:4:4 keeps coloured letters and button edges crisp (4:2:0 blurs
# them); at 90 the ringing around text stays invisible at 1:1.
JPEG_QUALITY = 90
JPEG_SUBSAMPLING_444 = 0
# Lossless WebP at low effort: for flat art it is pixel-exact like the PNG, about half its size
# (F1: 8 kB vs 14 kB), and cheaper than lossy WebP at q90 (22 kB, 2-4x the CPU). Measured with
# `python -m rendering.bench_outputs`.
WEBP_EFFORT = 0  # lossless "quality" is effort: 0 is fastest; more buys ~1% here
WEBP_METHOD = 1  # method 0 came out 3-12x larger on these images


def encode_image(image: Image.Image, output: str) -> bytes:
    """`image` (the painted "P" creative) encoded as `output`: "png", "jpeg" or "webp"."""
    if output == "png":
        return encode_png(image)
    out = io.BytesIO()
    rgb = image.convert("RGB")  # neither encoder takes a palette image as it is
    if output == "jpeg":
        rgb.save(out, "JPEG", quality=JPEG_QUALITY, subsampling=JPEG_SUBSAMPLING_444)
    elif output == "webp":
        rgb.save(out, "WEBP", lossless=True, quality=WEBP_EFFORT, method=WEBP_METHOD)
    else:
        raise ValueError(f"unknown output {output!r}: expected png, jpeg or webp")
    return out.getvalue()
