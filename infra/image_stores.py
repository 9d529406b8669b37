"""The image store the settings ask for: local disk, or an S3 bucket (boto3 only then)."""

from __future__ import annotations

from infra.settings import Settings
from infra.signing import UrlSigner
from infra.storage import URL_EXPIRY_GRANULARITY_SECONDS, ImageStore, LocalImageStore


class UnsupportedStorageBackend(NotImplementedError):
    """The configured storage backend is not available in this build."""


def build_image_store(settings: Settings) -> ImageStore:
    """The image store the settings ask for."""
    if settings.storage_backend == "local":
        signer = UrlSigner(
            settings.signing_secret,
            settings.image_url_ttl_seconds,
            granularity_seconds=URL_EXPIRY_GRANULARITY_SECONDS,
        )
        return LocalImageStore(settings.resolved_storage_dir, signer)
    if settings.storage_backend == "s3":
        from infra.s3_storage import build_s3_image_store  # boto3 only when S3 is configured

        return build_s3_image_store(settings)
    raise UnsupportedStorageBackend(
        f"storage backend {settings.storage_backend!r} is not implemented; "
        "set STORAGE_BACKEND=local or s3"
    )
