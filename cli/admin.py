"""Operator commands: accounts, API keys and credits (`creative-saas accounts create ...`)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy
from sqlalchemy.exc import SQLAlchemyError

from domain.errors import KeyLimitReached, NotFound
from domain.plans import DEFAULT_PLAN, PLANS
from infra.accounts import AccountInfo, AccountService, ApiKeyInfo
from infra.db import create_db_engine, migrate
from infra.ledger import CreditLedger, CreditSummary, Reservation
from infra.settings import load_settings
from infra.users import UserService

Handler = Callable[[argparse.Namespace], int]


class CommandFailed(Exception):
    """An expected failure: printed as one line on stderr, exit code 1."""


@dataclass
class Services:
    accounts: AccountService
    ledger: CreditLedger
    users: UserService


def register(subparsers: Any) -> None:
    """Add the `accounts`, `keys` and `credits` command groups to the main parser."""
    accounts = _group(subparsers, "accounts", "manage customer accounts")
    create = _command(accounts, "create", "create an account with credits and a first key")
    create.add_argument("--name", required=True)
    create.add_argument("--credits", type=_non_negative, required=True, metavar="N")
    create.add_argument("--plan", choices=list(PLANS), default=DEFAULT_PLAN)
    create.set_defaults(handler=_wrap(create_account))
    list_accounts = _command(accounts, "list", "list every account with its plan and credits")
    list_accounts.set_defaults(handler=_wrap(list_accounts_command))
    show = _command(accounts, "show", "show an account's plan and credit balance")
    show.add_argument("account_id", metavar="ID")
    show.set_defaults(handler=_wrap(show_account))

    keys = _group(subparsers, "keys", "manage API keys")
    create_key = _command(keys, "create", "create an API key (shown once)")
    create_key.add_argument("--account", required=True, metavar="ID")
    create_key.set_defaults(handler=_wrap(create_key_command))
    list_keys = _command(keys, "list", "list an account's keys (never their secrets)")
    list_keys.add_argument("--account", required=True, metavar="ID")
    list_keys.set_defaults(handler=_wrap(list_keys_command))
    revoke = _command(keys, "revoke", "revoke an API key; it fails on the next request")
    revoke.add_argument("key_id", metavar="KEY_ID")
    revoke.set_defaults(handler=_wrap(revoke_key_command))

    credits = _group(subparsers, "credits", "manage credits")
    grant = _command(credits, "grant", "grant credits to an account")
    grant.add_argument("--account", required=True, metavar="ID")
    grant.add_argument("credits", type=_positive, metavar="N", help="a whole number > 0")
    grant.set_defaults(handler=_wrap(grant_credits))
    reconcile = _command(
        credits, "reconcile", "return credits still held by jobs whose workflow has closed"
    )
    reconcile.add_argument(
        "--older-than",
        type=_non_negative,
        default=10,
        metavar="MINUTES",
        help="only credits held at least this long (default 10)",
    )
    reconcile.set_defaults(handler=_wrap(reconcile_credits))

    users = _group(subparsers, "users", "manage web app users")
    attach = _command(users, "attach", "move a web app user into an existing account")
    attach.add_argument("--email", required=True)
    attach.add_argument("--account", required=True, metavar="ID")
    attach.set_defaults(handler=_wrap(attach_user))


def create_account(args: argparse.Namespace, services: Services) -> dict[str, Any]:
    account = services.accounts.create_account(args.name, plan=args.plan)
    if args.credits:
        services.ledger.grant(account.id, args.credits, reason="initial credits")
    _, secret = services.accounts.create_key(account.id)
    return {"accountId": account.id, "apiKey": secret}


def show_account(args: argparse.Namespace, services: Services) -> dict[str, Any]:
    account = services.accounts.get_account(args.account_id)
    if account is None:
        raise CommandFailed(f"unknown account {args.account_id}")
    return _account_json(account, services.ledger)


def list_accounts_command(args: argparse.Namespace, services: Services) -> list[dict[str, Any]]:
    return [
        _account_json(account, services.ledger) for account in services.accounts.list_accounts()
    ]


def create_key_command(args: argparse.Namespace, services: Services) -> dict[str, Any]:
    key, secret = services.accounts.create_key(args.account)
    return {"keyId": key.id, "apiKey": secret}


def list_keys_command(args: argparse.Namespace, services: Services) -> list[dict[str, Any]]:
    if services.accounts.get_account(args.account) is None:
        raise CommandFailed(f"unknown account {args.account}")
    return [_key_json(key) for key in services.accounts.list_keys(args.account)]


def revoke_key_command(args: argparse.Namespace, services: Services) -> dict[str, Any]:
    key = services.accounts.get_key(args.key_id)
    if key is None:
        raise CommandFailed(f"unknown key {args.key_id}")
    if key.revoked_at is not None:
        return {"keyId": key.id, "revoked": True, "alreadyRevokedAt": _iso(key.revoked_at)}
    services.accounts.revoke_key(key.id)
    return {"keyId": key.id, "revoked": True}


def grant_credits(args: argparse.Namespace, services: Services) -> dict[str, Any]:
    credits = services.ledger.grant(args.account, args.credits, reason="granted by operator")
    return {"accountId": args.account, **_credits_json(credits)}


def _account_json(account: AccountInfo, ledger: CreditLedger) -> dict[str, Any]:
    return {
        "accountId": account.id,
        "name": account.name,
        "plan": account.plan,
        **_credits_json(ledger.summary(account.id)),
        "createdAt": _iso(account.created_at),
    }


def _credits_json(credits: CreditSummary) -> dict[str, int]:
    """The names GET /api/v1/account uses: held credits are `reserved` there."""
    return {
        "available": credits.available,
        "reserved": credits.held,
        "consumed": credits.consumed,
        "granted": credits.granted,
    }


def attach_user(args: argparse.Namespace, services: Services) -> dict[str, Any]:
    user = services.users.attach(args.email, args.account)
    return {"userId": user.id, "email": user.email, "accountId": user.account_id}


def reconcile_credits(args: argparse.Namespace, services: Services) -> list[dict[str, Any]]:
    older_than = timedelta(minutes=args.older_than)
    released = asyncio.run(_release_credits_of_closed_jobs(services.ledger, older_than))
    return [
        {"jobId": credit.job_id, "index": credit.index, "accountId": credit.account_id}
        for credit in released
    ]


async def _release_credits_of_closed_jobs(
    ledger: CreditLedger, older_than: timedelta
) -> list[Reservation]:
    from temporalio.service import RPCError

    from activities.reconcile import release_credits_of_closed_jobs
    from infra.temporal import connect_client

    settings = load_settings()
    address = settings.temporal_address
    try:
        client = await connect_client(settings)
    except RuntimeError as error:  # the SDK's "Failed client connect"
        await _let_the_sdk_settle()
        raise CommandFailed(f"cannot reach Temporal at {address}: {_first_line(error)}") from error
    try:
        return await release_credits_of_closed_jobs(client, ledger, older_than=older_than)
    except RPCError as error:
        await _let_the_sdk_settle()
        raise CommandFailed(f"Temporal at {address} failed: {_first_line(error)}") from error


async def _let_the_sdk_settle() -> None:
    # An interpreter that exits while the SDK's connection thread still holds Python objects can
    # crash (sdk-python #300), which would turn exit code 1 into a signal.
    await asyncio.sleep(0.2)


def _wrap(command: Callable[[argparse.Namespace, Services], Any]) -> Handler:
    """Open the database, run the command, print its result; expected failures exit 1."""

    def handler(args: argparse.Namespace) -> int:
        try:
            with _services() as services:
                result = command(args, services)
        except (CommandFailed, NotFound, KeyLimitReached, ValueError) as error:
            print(f"error: {getattr(error, 'detail', error)}", file=sys.stderr)
            return 1
        except SQLAlchemyError as error:
            reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
            print(f"error: database unavailable: {reason}", file=sys.stderr)
            return 1
        print(json.dumps(result) if args.json else _human(result))
        if not args.json and isinstance(result, dict) and "apiKey" in result:
            print("store the API key now: it is not shown again", file=sys.stderr)
        if not args.json and isinstance(result, dict) and result.get("alreadyRevokedAt"):
            print(
                f"key {result['keyId']} was already revoked at {result['alreadyRevokedAt']}",
                file=sys.stderr,
            )
        return 0

    return handler


@contextmanager
def _services() -> Iterator[Services]:
    engine: sqlalchemy.Engine = create_db_engine(load_settings().resolved_database_url)
    try:
        migrate(engine)
        yield Services(AccountService(engine), CreditLedger(engine), UserService(engine))
    finally:
        engine.dispose()


def _group(subparsers: Any, name: str, help_text: str) -> Any:
    parser = subparsers.add_parser(name, help=help_text, description=help_text)
    return parser.add_subparsers(dest=f"{name}_command", required=True, metavar="ACTION")


def _command(group: Any, name: str, help_text: str) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = group.add_parser(name, help=help_text, description=help_text)
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    return parser


def _human(result: dict[str, Any] | list[dict[str, Any]]) -> str:
    rows = result if isinstance(result, list) else [result]
    if not rows:
        return "(none)"
    return "\n\n".join(
        "\n".join(f"{key}: {'-' if value is None else value}" for key, value in row.items())
        for row in rows
    )


def _key_json(key: ApiKeyInfo) -> dict[str, Any]:
    return {
        "keyId": key.id,
        "prefix": key.prefix,
        "createdAt": _iso(key.created_at),
        "lastUsedAt": _iso(key.last_used_at),
        "revokedAt": _iso(key.revoked_at),
    }


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0]


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}")
    return value


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a whole number > 0, got {text!r}")
    return value
