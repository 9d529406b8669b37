from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from infra.accounts import AccountService
from infra.db import create_db_engine
from infra.settings import load_settings
from infra.users import UserService
from tests.cli.conftest import CliResult, admin_parser

Run = Callable[..., CliResult]


def create_account(run_cli: Run, credits: int = 5, *extra: str) -> dict[str, str]:
    result = run_cli(
        "accounts", "create", "--name", "Acme", "--credits", str(credits), *extra, "--json"
    )
    assert result.code == 0, result.err
    return result.json()


def authenticate(api_key: str) -> str:
    engine = create_db_engine(load_settings().resolved_database_url)
    try:
        return AccountService(engine).authenticate(api_key).id
    finally:
        engine.dispose()


def test_accounts_create_prints_exactly_the_id_and_a_working_key(run_cli: Run) -> None:
    created = create_account(run_cli, 5, "--plan", "pro")

    assert set(created) == {"accountId", "apiKey"}
    assert created["apiKey"].startswith("cs_live_")
    assert authenticate(created["apiKey"]) == created["accountId"]

    shown = run_cli("accounts", "show", created["accountId"], "--json").json()
    assert shown["plan"] == "pro" and shown["name"] == "Acme"
    # The names GET /api/v1/account uses for the same numbers.
    credits = (shown["available"], shown["reserved"], shown["consumed"], shown["granted"])
    assert credits == (5, 0, 0, 5)
    assert "balance" not in shown and "held" not in shown


def test_text_output_warns_that_the_key_is_shown_once(run_cli: Run) -> None:
    result = run_cli("accounts", "create", "--name", "Acme", "--credits", "1")
    assert result.code == 0
    assert "apiKey: cs_live_" in result.out and "not shown again" in result.err


def test_accounts_show_as_text(run_cli: Run) -> None:
    created = create_account(run_cli, 3)
    result = run_cli("accounts", "show", created["accountId"])
    assert result.code == 0
    assert "available: 3" in result.out and "reserved: 0" in result.out
    assert "plan: free" in result.out


def test_account_without_initial_credits(run_cli: Run) -> None:
    created = create_account(run_cli, 0)
    shown = run_cli("accounts", "show", created["accountId"], "--json").json()
    assert shown["available"] == 0 and shown["granted"] == 0


def test_credits_grant_adds_to_the_balance(run_cli: Run) -> None:
    created = create_account(run_cli, 2)
    result = run_cli("credits", "grant", "--account", created["accountId"], "8", "--json")
    assert result.code == 0
    assert result.json()["available"] == 10 and result.json()["granted"] == 10


def test_keys_create_list_and_revoke(run_cli: Run) -> None:
    created = create_account(run_cli)
    account_id = created["accountId"]

    second = run_cli("keys", "create", "--account", account_id, "--json").json()
    assert set(second) == {"keyId", "apiKey"}
    assert authenticate(second["apiKey"]) == account_id

    listed = run_cli("keys", "list", "--account", account_id, "--json")
    keys = listed.json()
    assert [key["keyId"] for key in keys][-1] == second["keyId"]
    assert created["apiKey"] not in listed.out and second["apiKey"] not in listed.out
    assert all(key["prefix"] and key["revokedAt"] is None for key in keys)

    revoked = run_cli("keys", "revoke", second["keyId"])
    assert revoked.code == 0 and second["keyId"] in revoked.out
    [entry] = [
        k
        for k in run_cli("keys", "list", "--account", account_id, "--json").json()
        if k["keyId"] == second["keyId"]
    ]
    assert entry["revokedAt"] is not None
    assert authenticate(created["apiKey"]) == account_id


@pytest.mark.parametrize(
    "argv, message",
    [
        (["accounts", "show", "acct_missing"], "unknown account acct_missing"),
        (["keys", "create", "--account", "acct_missing"], "unknown account acct_missing"),
        (["keys", "list", "--account", "acct_missing"], "unknown account acct_missing"),
        (["keys", "revoke", "key_missing"], "unknown key key_missing"),
        (["credits", "grant", "--account", "acct_missing", "5"], "unknown account acct_missing"),
    ],
)
def test_unknown_ids_fail_with_a_clear_message(run_cli: Run, argv: list[str], message: str) -> None:
    result = run_cli(*argv, "--json")
    assert result.code == 1
    assert result.out == ""
    assert result.err.strip() == f"error: {message}"
    assert "Traceback" not in result.err


@pytest.mark.parametrize(
    "argv",
    [
        ["credits", "grant", "--account", "acct_x", "0"],
        ["credits", "grant", "--account", "acct_x", "-5"],
        ["credits", "grant", "--account", "acct_x", "many"],
        ["accounts", "create", "--name", "Acme", "--credits", "-1"],
        ["accounts", "create", "--name", "Acme", "--credits", "1", "--plan", "platinum"],
    ],
)
def test_invalid_arguments_are_usage_errors(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        admin_parser().parse_args(argv)
    assert exited.value.code == 2
    assert "error:" in capsys.readouterr().err


@pytest.mark.parametrize("amount", ["0", "-5"])
def test_credits_grant_refuses_nothing_and_negatives_and_grants_nothing(
    run_cli: Run, amount: str
) -> None:
    created = create_account(run_cli, 2)
    with pytest.raises(SystemExit) as exited:
        run_cli("credits", "grant", "--account", created["accountId"], amount)
    assert exited.value.code == 2
    shown = run_cli("accounts", "show", created["accountId"], "--json").json()
    assert (shown["available"], shown["granted"]) == (2, 2)


def test_accounts_list_shows_every_account_with_its_credits(run_cli: Run) -> None:
    first = create_account(run_cli, 3)
    second = create_account(run_cli, 7, "--plan", "business")

    listed = run_cli("accounts", "list", "--json")

    assert listed.code == 0, listed.err
    rows = {row["accountId"]: row for row in listed.json()}
    assert set(rows) >= {first["accountId"], second["accountId"]}
    assert rows[second["accountId"]]["plan"] == "business"
    assert rows[second["accountId"]]["available"] == 7
    assert rows[first["accountId"]]["reserved"] == 0
    assert "apiKey" not in listed.out and "cs_live_" not in listed.out


def test_revoking_a_revoked_key_says_it_already_was(run_cli: Run) -> None:
    created = create_account(run_cli)
    key = run_cli("keys", "create", "--account", created["accountId"], "--json").json()
    first = run_cli("keys", "revoke", key["keyId"], "--json").json()
    assert first == {"keyId": key["keyId"], "revoked": True}

    again = run_cli("keys", "revoke", key["keyId"])

    assert again.code == 0
    assert f"key {key['keyId']} was already revoked at" in again.err
    assert "alreadyRevokedAt: " in again.out


def test_keys_create_stops_at_the_active_key_cap(run_cli: Run) -> None:
    from infra.accounts import MAX_ACTIVE_KEYS

    created = create_account(run_cli)  # its first key is active
    for _ in range(MAX_ACTIVE_KEYS - 1):
        assert run_cli("keys", "create", "--account", created["accountId"]).code == 0

    refused = run_cli("keys", "create", "--account", created["accountId"])

    assert refused.code == 1 and "Traceback" not in refused.err
    assert f"at most {MAX_ACTIVE_KEYS} active API keys" in refused.err
    listed = run_cli("keys", "list", "--account", created["accountId"], "--json").json()
    assert len(listed) == MAX_ACTIVE_KEYS
    revoked = run_cli("keys", "revoke", listed[0]["keyId"])
    assert revoked.code == 0
    assert run_cli("keys", "create", "--account", created["accountId"]).code == 0


def test_unreachable_database_is_reported_without_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    args = admin_parser().parse_args(["accounts", "show", "acct_x"])
    assert args.handler(args) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: database unavailable") and "Traceback" not in err


def test_through_the_console_entry_point(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("cli.services", reason="cli.services is written by another engineer")
    from cli.main import main

    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("CREATIVE_SAAS_DATA_DIR", raising=False)
    data_dir = str(tmp_path / "data")
    assert (
        main(
            [
                "--data-dir",
                data_dir,
                "accounts",
                "create",
                "--name",
                "Acme",
                "--credits",
                "4",
                "--json",
            ]
        )
        == 0
    )
    created = json.loads(capsys.readouterr().out)
    assert main(["--data-dir", data_dir, "accounts", "show", created["accountId"], "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["available"] == 4


def test_users_attach_moves_a_web_user_into_an_existing_account(run_cli: Run) -> None:
    team = create_account(run_cli, 7)
    engine = create_db_engine(load_settings().resolved_database_url)
    try:
        users = UserService(engine)
        signed_up = users.sign_up("Ana@Example.com", "a long enough password", starter_credits=10)
        result = run_cli(
            "users",
            "attach",
            "--email",
            "ana@example.com",
            "--account",
            team["accountId"],
            "--json",
        )
        assert result.code == 0, result.err
        assert result.json() == {
            "userId": signed_up.id,
            "email": "ana@example.com",
            "accountId": team["accountId"],
        }
        user = users.authenticate("ana@example.com", "a long enough password")
        assert user is not None and user.account_id == team["accountId"]
    finally:
        engine.dispose()


def test_users_attach_names_what_does_not_exist(run_cli: Run) -> None:
    team = create_account(run_cli, 1)
    nobody = run_cli(
        "users", "attach", "--email", "nobody@example.com", "--account", team["accountId"]
    )
    assert nobody.code == 1 and "no user with email nobody@example.com" in nobody.err
    no_account = run_cli("users", "attach", "--email", "x@example.com", "--account", "acct_nope")
    assert no_account.code == 1 and "unknown account acct_nope" in no_account.err
