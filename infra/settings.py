"""One settings object, read from the environment. Refuses development secrets in production."""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from infra.url_guard import WebhookUrlPolicy

# In the data dir: the signing key `creative-saas` keeps when URL_SIGNING_SECRET is not set.
SIGNING_SECRET_FILE = "url-signing-secret"


class MissingSigningSecret(ValueError):
    """No URL_SIGNING_SECRET, and no key kept in the data dir either."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", populate_by_name=True)

    environment: Literal["development", "production"] = "development"
    data_dir: Path = Field(default=Path("data"), alias="CREATIVE_SAAS_DATA_DIR")
    database_url: str | None = None

    temporal_address: str = "localhost:7233"
    temporal_namespace: str = "default"
    temporal_task_queue: str = "creative-jobs"
    # The API's bound on each Temporal call a POST or poll makes (describe, count, start): a
    # frozen Temporal answers 503 within about this, not after the SDK's 5 s.
    temporal_call_timeout_seconds: float = Field(default=0.8, gt=0)
    # Jobs started before workflow IDs named the account keep their old IDs: GET, cancel and a
    # keyed POST also look there. Set false once the retention has passed since upgrading.
    temporal_legacy_job_ids: bool = True

    api_host: str = "127.0.0.1"
    api_port: int = 8000
    # Slow clients (api/http_server.py, api/body_deadline.py): open connections past this are
    # answered 503 at once; a request's head and its body must each arrive within their
    # deadline (408); an idle keep-alive connection is closed after API_KEEP_ALIVE_SECONDS.
    api_max_connections: int = Field(default=500, ge=1)
    request_head_timeout_seconds: float = Field(default=10.0, gt=0)
    body_read_timeout_seconds: float = Field(default=10.0, gt=0)
    api_keep_alive_seconds: int = Field(default=5, ge=1)
    # Absolute base for image URLs; derived from the request when unset.
    public_base_url: str | None = None

    storage_backend: Literal["local", "s3"] = "local"
    storage_dir: Path | None = None
    url_signing_secret: str | None = None
    image_url_ttl_seconds: int = 7 * 24 * 3600
    # STORAGE_BACKEND=s3: unset credentials and region fall back to boto3's default chain.
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    s3_access_key_id: str | None = None
    s3_secret_access_key: SecretStr | None = None
    # Where clients reach the store when it differs from the internal endpoint (docker-compose).
    s3_public_endpoint_url: str | None = None
    s3_create_bucket: bool = False

    worker_max_concurrent_activities: int = 8
    # When set, the API's GET /metrics answers only `Authorization: Bearer <token>`.
    metrics_token: SecretStr | None = None
    # In production the API refuses to start with an open /metrics unless this says so.
    metrics_public: bool = False
    # "host:port" where a worker serves Prometheus metrics (Temporal SDK + renders); "" = off.
    worker_metrics_address: str = ""
    # A Temporal Schedule returns credits that terminated jobs left held (0 = no schedule).
    reconcile_every_minutes: int = Field(default=10, ge=0)
    reconcile_older_than_minutes: int = Field(default=10, ge=0)

    # Credits a new web app sign-up's free account starts with.
    starter_credits: int = Field(default=10, ge=0)
    # Development and tests only (refused in production): let webhooks use http URLs, and
    # reach these comma-separated hosts even on loopback or private networks.
    webhook_allow_http: bool = False
    webhook_allowed_hosts: str = ""

    log_format: Literal["text", "json"] = "text"
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _refuse_dev_defaults_in_production(self) -> Settings:
        if self.environment == "production":
            missing = [
                name
                for name, value in (
                    ("DATABASE_URL", self.database_url),
                    ("URL_SIGNING_SECRET", self.url_signing_secret),
                    ("PUBLIC_BASE_URL", self.public_base_url),
                )
                # S3 signs its own URLs; only local storage needs ours.
                if not value and (self.storage_backend == "local" or name == "DATABASE_URL")
            ]
            if missing:
                raise ValueError(f"production requires {', '.join(missing)} to be set")
            if self.webhook_allow_http or self.webhook_allowed_hosts.strip():
                raise ValueError(
                    "WEBHOOK_ALLOW_HTTP and WEBHOOK_ALLOWED_HOSTS are for development only"
                )
        return self

    def refuse_open_metrics_in_production(self) -> None:
        """The API's check at start-up (workers serve no /metrics of the API's)."""
        token = self.metrics_token.get_secret_value() if self.metrics_token else ""
        if self.environment == "production" and not token and not self.metrics_public:
            raise ValueError(
                "production requires METRICS_TOKEN to be set (or METRICS_PUBLIC=true to serve "
                "the API's /metrics to anyone who can reach it)"
            )

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'creative-saas.db').resolve()}"

    @property
    def resolved_storage_dir(self) -> Path:
        return (self.storage_dir or self.data_dir / "images").resolve()

    @property
    def webhook_url_policy(self) -> WebhookUrlPolicy:
        hosts = (host.strip().lower().strip("[]") for host in self.webhook_allowed_hosts.split(","))
        return WebhookUrlPolicy(self.webhook_allow_http, frozenset(host for host in hosts if host))

    @property
    def signing_secret_path(self) -> Path:
        """Where the data dir keeps its signing key (written by cli/signing_secret.py)."""
        return self.data_dir / SIGNING_SECRET_FILE

    @cached_property
    def signing_secret(self) -> bytes:
        """The URL signing key: URL_SIGNING_SECRET, else the one kept in the data dir.

        Settings only read it; the commands that run the product create it."""
        if self.url_signing_secret:
            return self.url_signing_secret.encode()
        try:
            kept = self.signing_secret_path.read_text().strip()
        except FileNotFoundError:
            kept = ""
        if not kept:
            raise MissingSigningSecret(
                f"URL_SIGNING_SECRET is not set and {self.signing_secret_path} keeps no key: "
                "set it, or start the product with `creative-saas dev`, `api` or `worker`, "
                "which create one there"
            )
        return kept.encode()


def load_settings(**overrides: object) -> Settings:
    """The settings from the environment; without TEMPORAL_ADDRESS there, the data dir's dev
    stack (infra/stack_record.py) says where Temporal listens."""
    from infra.stack_record import read_stack_record

    settings = Settings(**overrides)  # type: ignore[arg-type]
    chosen = {name.lower() for name in (*overrides, *os.environ)}
    if "temporal_address" not in chosen:
        record = read_stack_record(settings.data_dir)
        if record is not None:
            settings = settings.model_copy(update={"temporal_address": record.temporal_address})
    return settings
