"""Signed URLs and the local image store (used by the /files route)."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from infra.image_stores import build_image_store
from infra.s3_storage import S3NotConfigured
from infra.settings import Settings
from infra.signing import UrlSigner
from infra.storage import InvalidStorageKey, LocalImageStore

KEY = "acct_x/0b9f1c2e-4a8d-4f3b-9c6e-2d7a1b5e8f90/image_1.png"


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_signature_verifies_until_it_expires():
    clock = Clock(1_000)
    signer = UrlSigner(b"secret", ttl_seconds=60, clock=clock)
    signed = signer.sign(KEY)

    assert signed["expires"] == "1060"
    assert signer.verify(KEY, signed["expires"], signed["signature"])
    clock.now = 1_059
    assert signer.verify(KEY, signed["expires"], signed["signature"])
    clock.now = 1_060
    assert not signer.verify(KEY, signed["expires"], signed["signature"])


@pytest.mark.parametrize(
    ("path", "expires", "signature"),
    [
        ("acct_x/other/image_1.png", None, None),
        (KEY, "1061", None),
        (KEY, None, "x"),
        (KEY, None, ""),
        (KEY, "", None),
        (KEY, "10e3", None),
        (KEY, "１０６０", None),
        (KEY, "9" * 40, None),
        (KEY, None, "é"),
    ],
)
def test_tampered_or_malformed_signatures_are_rejected(path, expires, signature):
    signer = UrlSigner(b"secret", ttl_seconds=60, clock=Clock(1_000))
    signed = signer.sign(KEY)

    assert not signer.verify(
        path,
        signed["expires"] if expires is None else expires,
        signed["signature"] if signature is None else signature,
    )


def test_other_secret_does_not_verify():
    signed = UrlSigner(b"secret", 60).sign(KEY)

    assert not UrlSigner(b"other", 60).verify(KEY, signed["expires"], signed["signature"])


def test_put_is_atomic_and_idempotent(tmp_path: Path):
    store = LocalImageStore(tmp_path, UrlSigner(b"secret", 60))

    store.put(KEY, b"first")
    store.put(KEY, b"second")

    assert store.exists(KEY)
    assert store.path_for(KEY).read_bytes() == b"second"
    assert sorted(p.name for p in store.path_for(KEY).parent.iterdir()) == ["image_1.png"]
    assert not store.exists("acct_x/other/image_1.png")


@pytest.mark.parametrize(
    "key",
    ["", "../x.png", "a/../../x.png", "/etc/passwd", "a\\b.png", "a//b.png", ".hidden", "a/./b"],
)
def test_keys_cannot_escape_the_root(tmp_path: Path, key: str):
    store = LocalImageStore(tmp_path, UrlSigner(b"secret", 60))

    with pytest.raises(InvalidStorageKey):
        store.path_for(key)
    with pytest.raises(InvalidStorageKey):
        store.put(key, b"x")
    assert not store.exists(key)


def test_url_is_absolute_signed_and_expiring(tmp_path: Path):
    store = LocalImageStore(tmp_path, UrlSigner(b"secret", 7 * 24 * 3600, clock=Clock(1_000)))

    url = urlsplit(store.url(KEY, "https://api.example.com/"))

    assert (url.scheme, url.netloc, url.path) == ("https", "api.example.com", f"/files/{KEY}")
    query = parse_qs(url.query)
    assert query["expires"] == [str(1_000 + 7 * 24 * 3600)]
    assert store.signer.verify(KEY, query["expires"][0], query["signature"][0])


def test_build_image_store_from_settings(tmp_path: Path):
    settings = Settings(data_dir=tmp_path, url_signing_secret="s3cret")

    store = build_image_store(settings)

    assert isinstance(store, LocalImageStore)
    assert store.root == (tmp_path / "images").resolve()


def test_s3_backend_without_a_bucket_is_a_clear_configuration_error(tmp_path: Path):
    settings = Settings(data_dir=tmp_path, storage_backend="s3")

    with pytest.raises(S3NotConfigured, match="S3_BUCKET"):
        build_image_store(settings)


def test_urls_are_stable_within_the_granularity_window():
    clock = Clock(10_000)
    signer = UrlSigner(b"secret", ttl_seconds=7 * 24 * 3600, clock=clock, granularity_seconds=3600)

    first = signer.sign(KEY)
    clock.now += 60
    second = signer.sign(KEY)

    assert first == second
    assert int(first["expires"]) >= 10_060 + 7 * 24 * 3600
    assert int(first["expires"]) % 3600 == 0


def test_image_urls_from_settings_live_at_least_the_configured_ttl(tmp_path: Path):
    settings = Settings(data_dir=tmp_path, url_signing_secret="s3cret")
    store = build_image_store(settings)
    before = time.time()

    expires = int(parse_qs(urlsplit(store.url(KEY, "http://x")).query)["expires"][0])

    assert expires >= before + settings.image_url_ttl_seconds
    assert expires <= before + settings.image_url_ttl_seconds + 3600
