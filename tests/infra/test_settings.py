"""Settings refuse development defaults in production, and only the ones that matter there."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from infra.settings import Settings

PRODUCTION = {
    "environment": "production",
    "database_url": "postgresql://app@db:5432/creative",
    "public_base_url": "https://api.example.com",
}


def test_production_with_local_images_needs_a_signing_secret():
    with pytest.raises(ValidationError, match="URL_SIGNING_SECRET"):
        Settings(**PRODUCTION)


def test_production_with_s3_images_needs_no_signing_secret_of_ours():
    settings = Settings(**PRODUCTION, storage_backend="s3")

    assert settings.storage_backend == "s3"


def test_production_never_falls_back_to_the_embedded_database():
    with pytest.raises(ValidationError, match="DATABASE_URL"):
        Settings(environment="production", storage_backend="s3")


@pytest.mark.parametrize(
    "loosened", [{"webhook_allow_http": True}, {"webhook_allowed_hosts": "127.0.0.1"}]
)
def test_production_refuses_the_development_webhook_allowances(loosened: dict[str, object]):
    with pytest.raises(ValidationError, match="development only"):
        Settings(**PRODUCTION, storage_backend="s3", **loosened)


def test_webhook_allowances_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("WEBHOOK_ALLOW_HTTP", "true")
    monkeypatch.setenv("WEBHOOK_ALLOWED_HOSTS", " 127.0.0.1, Hooks.Test ,[::1]")

    policy = Settings().webhook_url_policy

    assert policy.allow_http is True
    assert policy.allowed_hosts == frozenset({"127.0.0.1", "hooks.test", "::1"})


def test_a_data_dir_tells_operator_commands_where_its_dev_stack_runs_temporal(
    tmp_path, monkeypatch: pytest.MonkeyPatch
):
    from infra.settings import load_settings
    from infra.stack_record import StackRecord, write_stack_record

    monkeypatch.delenv("TEMPORAL_ADDRESS", raising=False)
    monkeypatch.setenv("CREATIVE_SAAS_DATA_DIR", str(tmp_path))
    assert load_settings().temporal_address == "localhost:7233"  # no stack recorded yet

    record = StackRecord("127.0.0.1:7610", "http://127.0.0.1:8610", "http://x", "acct_1")
    write_stack_record(tmp_path, record)
    assert load_settings().temporal_address == "127.0.0.1:7610"

    monkeypatch.setenv("TEMPORAL_ADDRESS", "temporal.internal:7233")  # the environment wins
    assert load_settings().temporal_address == "temporal.internal:7233"


def test_settings_read_the_kept_signing_key_and_never_write_one(tmp_path):
    from infra.settings import MissingSigningSecret

    with pytest.raises(MissingSigningSecret, match="URL_SIGNING_SECRET"):
        _ = Settings(data_dir=tmp_path / "data").signing_secret
    assert not (tmp_path / "data").exists()

    (tmp_path / "url-signing-secret").write_text("kept-by-the-cli\n")
    assert Settings(data_dir=tmp_path).signing_secret == b"kept-by-the-cli"
    assert Settings(data_dir=tmp_path, url_signing_secret="env").signing_secret == b"env"
