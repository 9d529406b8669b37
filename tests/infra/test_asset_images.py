"""What Pillow lets through as an asset, and what it refuses before decoding a pixel."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from domain.errors import PayloadTooLarge, UnsupportedMediaType
from infra.asset_images import MAX_ASSET_PIXELS, inspect_upload
from tests.support import upload_images as images


def test_a_transparent_png_keeps_its_alpha_and_its_bytes():
    data = images.transparent_logo()

    accepted = inspect_upload(data)

    assert (accepted.media_type, accepted.width, accepted.height) == ("image/png", 120, 60)
    assert accepted.data == data, "nothing to fix: the upload is stored as sent"
    with Image.open(io.BytesIO(accepted.data)) as image:
        assert image.mode == "RGBA"
        assert image.getpixel((0, 0))[3] == 0
        assert image.getpixel((60, 30)) == (220, 30, 40, 255)


def test_a_jpeg_with_exif_orientation_is_stored_upright():
    # Orientation 6: the camera was turned; viewers rotate 90 degrees clockwise to show it.
    accepted = inspect_upload(images.product_photo((200, 100), orientation=6))

    assert (accepted.media_type, accepted.width, accepted.height) == ("image/jpeg", 100, 200)
    with Image.open(io.BytesIO(accepted.data)) as image:
        assert image.size == (100, 200)
        assert image.getexif().get(0x0112, 1) == 1, "no second rotation by viewers"
        top, bottom = image.getpixel((50, 10)), image.getpixel((50, 190))
    assert top[2] > 150 and bottom[0] > 150, "blue half on top, yellow below after rotation"


def test_webp_with_transparency_is_accepted():
    accepted = inspect_upload(images.webp_image())

    assert (accepted.media_type, accepted.width, accepted.height) == ("image/webp", 64, 64)


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"just some text, named logo.png by its sender\n" * 10, "not an image we accept"),
        (images.SVG, "not an image we accept"),
        (images.gif_image(), "not an image we accept"),
        (images.truncated_png(), "truncated or corrupt"),
        (images.animated_webp(), "animated images are not accepted"),
        (b"", "not an image we accept"),
    ],
    ids=["text", "svg", "gif", "truncated-png", "animated-webp", "empty"],
)
def test_anything_but_a_still_png_jpeg_or_webp_is_unsupported(data: bytes, says: str):
    with pytest.raises(UnsupportedMediaType) as refused:
        inspect_upload(data)

    assert says in refused.value.detail


def test_a_png_bomb_is_refused_from_its_header_alone():
    bomb = images.png_bomb(100_000, 100_000)
    assert len(bomb) < 1024

    with pytest.raises(PayloadTooLarge) as refused:
        inspect_upload(bomb)

    assert "40 megapixels" in refused.value.detail


def test_just_over_forty_megapixels_is_refused_below_pillows_own_bomb_limit():
    # 6400 x 6400 = 40.96 MP: under Pillow's default limit, over ours.
    assert MAX_ASSET_PIXELS < 6400 * 6400
    with pytest.raises(PayloadTooLarge):
        inspect_upload(images.png_bomb(6400, 6400))
