"""Run the product: `dev` (everything on the embedded defaults), `api` and `worker` alone."""

from __future__ import annotations

import argparse
import asyncio
import signal
from typing import Any

from cli.signing_secret import keep_signing_secret
from infra.settings import Settings, load_settings


def register(subparsers: Any) -> None:
    """Add the `dev`, `api` and `worker` commands to the main parser."""
    dev = subparsers.add_parser(
        "dev", help="start Temporal (with UI), a worker and the API; print a ready API key"
    )
    dev.add_argument("--port", type=int, default=8000, help="API port (default 8000)")
    dev.add_argument(
        "--temporal-port", type=int, default=7233, help="Temporal gRPC port (default 7233)"
    )
    dev.add_argument(
        "--ui-port",
        type=int,
        default=None,
        help="Temporal UI port (default: Temporal port + 1000, or a free port when that one "
        "is the API's port or taken)",
    )
    dev.set_defaults(handler=run_dev)

    api = subparsers.add_parser("api", help="serve the HTTP API (configured from the environment)")
    api.set_defaults(handler=run_api)

    worker = subparsers.add_parser("worker", help="run a Temporal worker that renders images")
    worker.set_defaults(handler=run_worker_command)


def run_dev(args: argparse.Namespace) -> int:
    from cli.dev_stack import DevStack

    ui_port, note = args.ui_port, ""
    if ui_port is None:
        ui_port, note = default_ui_port(args.port, args.temporal_port)
    return DevStack(load_settings(), args.port, args.temporal_port, ui_port, note).run()


def default_ui_port(api_port: int, temporal_port: int) -> tuple[int, str]:
    """Temporal port + 1000 as before, unless that collides with a port given or in use: then a
    free port, with the reason to print in the banner."""
    from cli.dev_stack import port_in_use
    from cli.processes import free_port

    usual = temporal_port + 1000
    if usual in (api_port, temporal_port):
        return free_port(), f"a free port: Temporal port + 1000 = {usual} is the API's"
    if usual > 65535 or port_in_use(usual):
        return free_port(), f"a free port: {usual} is in use or out of range"
    return usual, ""


def run_api(args: argparse.Namespace) -> int:
    import uvicorn

    from api.app import create_app
    from api.http_server import uvicorn_options

    settings = load_settings()
    _configure_logging(settings)
    keep_signing_secret(settings)
    _migrate(settings)
    uvicorn.run(
        create_app(settings),
        host=settings.api_host,
        port=settings.api_port,
        log_level="info",
        access_log=False,  # api.metrics logs each request, with its route template
        log_config=None,  # uvicorn's records go through our handler (JSON, keys redacted)
        **uvicorn_options(settings),
    )
    return 0


def run_worker_command(args: argparse.Namespace) -> int:
    from worker.main import run_worker

    settings = load_settings()
    _configure_logging(settings)
    keep_signing_secret(settings)

    async def until_signalled() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        # Migrating after the handlers are in place: a SIGTERM during start-up exits cleanly.
        await asyncio.to_thread(_migrate, settings)
        if not stop.is_set():
            await run_worker(settings, stop)

    asyncio.run(until_signalled())
    return 0


def _migrate(settings: Settings) -> None:
    """Bring the schema up to date (idempotent; concurrent runs are serialized)."""
    from infra.db import create_db_engine, migrate

    engine = create_db_engine(settings.resolved_database_url)
    try:
        migrate(engine)
    finally:
        engine.dispose()


def _configure_logging(settings: Settings) -> None:
    from infra.logging import configure_logging

    configure_logging(settings.log_format, settings.log_level)
