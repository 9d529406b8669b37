"""Images in an S3 bucket (AWS S3 or any S3-compatible store), fetched through presigned URLs.

Clients download straight from the store with a presigned GET URL, so image bytes never pass
through the API. Keys are the same as on local disk (`acct_x/<job uuid>/image_1.png`); an S3
PUT replaces an object atomically, so a retried activity simply writes the same key again.

boto3 clients are thread-safe, boto3 sessions are not: each client is created once, from its
own session, and then shared by every activity thread.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from domain.errors import NotFound
from infra.storage import InvalidStorageKey, validate_key

if TYPE_CHECKING:
    from infra.settings import Settings

# SigV4 refuses presigned URLs that live longer than a week.
MAX_PRESIGNED_URL_SECONDS = 7 * 24 * 3600
_NOT_FOUND_CODES = frozenset({"404", "NoSuchKey", "NoSuchBucket", "NotFound"})


class S3NotConfigured(ValueError):
    """STORAGE_BACKEND=s3 without the settings it needs, or with ones S3 cannot honour."""


class S3ImageStore:
    """Images as objects of one bucket; URLs are presigned GETs that expire after the TTL."""

    def __init__(
        self,
        client: Any,
        bucket: str,
        url_ttl_seconds: int,
        *,
        presign_client: Any | None = None,
    ) -> None:
        if not 0 < url_ttl_seconds <= MAX_PRESIGNED_URL_SECONDS:
            raise S3NotConfigured(
                f"IMAGE_URL_TTL_SECONDS must be 1..{MAX_PRESIGNED_URL_SECONDS} with S3 "
                f"(presigned URLs live at most 7 days), not {url_ttl_seconds}"
            )
        self.bucket = bucket
        self.url_ttl_seconds = url_ttl_seconds
        self._client = client
        # Signs for the host clients use; the signature covers the host, so it must match.
        self._presign_client = presign_client or client

    def put(self, key: str, data: bytes, content_type: str = "image/png") -> None:
        """Upload `data` under `key`, replacing any earlier object; the store checks its MD5."""
        validate_key(key)
        self._client.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=data,
            ContentType=content_type,
            ContentMD5=base64.b64encode(hashlib.md5(data).digest()).decode("ascii"),
        )

    def exists(self, key: str) -> bool:
        """Whether an object is stored under `key` (False for invalid keys)."""
        try:
            validate_key(key)
            self._client.head_object(Bucket=self.bucket, Key=key)
        except InvalidStorageKey:
            return False
        except ClientError as error:
            if _error_code(error) in _NOT_FOUND_CODES:
                return False
            raise
        return True

    def get(self, key: str) -> bytes:
        """The object's bytes; KeyError when there is none."""
        validate_key(key)
        try:
            response = self._client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if _error_code(error) in _NOT_FOUND_CODES:
                raise KeyError(key) from None
            raise
        data: bytes = response["Body"].read()
        return data

    def url(self, key: str, base_url: str) -> str:
        """A presigned GET URL on the store itself; `base_url` (the API's) plays no part."""
        validate_key(key)
        url: str = self._presign_client.generate_presigned_url(
            "get_object",
            Params={"Bucket": self.bucket, "Key": key},
            ExpiresIn=self.url_ttl_seconds,
        )
        return url

    def signed_file(self, key: str, expires: str | None, signature: str | None) -> Path:
        """NotFound, always: this store's URLs point at the bucket, never at the API's `/files/`."""
        raise NotFound("no such file")

    def ensure_bucket(self, region: str | None = None) -> None:
        """Create the bucket unless it exists; another process creating it first is fine."""
        if self._bucket_exists():
            return
        options: dict[str, Any] = {"Bucket": self.bucket}
        if region and region != "us-east-1":  # us-east-1 rejects an explicit constraint
            options["CreateBucketConfiguration"] = {"LocationConstraint": region}
        try:
            self._client.create_bucket(**options)
        except ClientError:
            if not self._bucket_exists():
                raise

    def _bucket_exists(self) -> bool:
        try:
            self._client.head_bucket(Bucket=self.bucket)
        except ClientError as error:
            if _error_code(error) in _NOT_FOUND_CODES:
                return False
            raise
        return True


def build_s3_image_store(settings: Settings) -> S3ImageStore:
    """The S3 store the settings describe; creates the bucket only when S3_CREATE_BUCKET is set."""
    if not settings.s3_bucket:
        raise S3NotConfigured("STORAGE_BACKEND=s3 requires S3_BUCKET to be set")
    if bool(settings.s3_access_key_id) != bool(settings.s3_secret_access_key):
        raise S3NotConfigured(
            "set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or neither "
            "(to use boto3's default credential chain)"
        )
    client = s3_client(settings, settings.s3_endpoint_url)
    presign_client = None
    if settings.s3_public_endpoint_url:
        presign_client = s3_client(settings, settings.s3_public_endpoint_url)
    store = S3ImageStore(
        client,
        settings.s3_bucket,
        settings.image_url_ttl_seconds,
        presign_client=presign_client,
    )
    if settings.s3_create_bucket:
        store.ensure_bucket(settings.s3_region)
    return store


def s3_client(settings: Settings, endpoint_url: str | None) -> Any:
    """One S3 client from its own session; unset credentials fall back to boto3's chain."""
    secret = settings.s3_secret_access_key
    session = boto3.session.Session(
        aws_access_key_id=settings.s3_access_key_id,
        aws_secret_access_key=secret.get_secret_value() if secret else None,
        region_name=settings.s3_region,
    )
    config = Config(
        signature_version="s3v4",
        # S3-compatible stores rarely resolve bucket subdomains; AWS itself prefers them.
        s3={"addressing_style": "path" if endpoint_url else "auto"},
        retries={"mode": "standard", "max_attempts": 3},
        connect_timeout=5,
        read_timeout=30,
        # One connection per concurrently uploading activity thread.
        max_pool_connections=max(10, settings.worker_max_concurrent_activities),
        # Integrity comes from Content-MD5, which every S3-compatible store understands;
        # the newer streamed CRC trailers are not universally supported.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    return session.client("s3", endpoint_url=endpoint_url, config=config)


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
