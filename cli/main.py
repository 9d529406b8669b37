"""Entry point of the `creative-saas` console script."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path


def build_parser() -> argparse.ArgumentParser:
    from cli import admin, preview, services

    parser = argparse.ArgumentParser(
        prog="creative-saas",
        description="Creative SaaS: run the stack, and administer accounts, keys and credits.",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="folder for the embedded database, images and Temporal state "
        "(default: $CREATIVE_SAAS_DATA_DIR or ./data)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    services.register(commands)
    admin.register(commands)
    preview.register(commands)
    return parser


def hoist_data_dir(argv: Sequence[str]) -> list[str]:
    """Accept --data-dir after the command too (`creative-saas dev --data-dir d`)."""
    rest, hoisted = list(argv), []
    for i, arg in enumerate(rest):
        if arg == "--data-dir" and i + 1 < len(rest):
            hoisted = rest[i : i + 2]
            del rest[i : i + 2]
            break
        if arg.startswith("--data-dir="):
            hoisted = [arg]
            del rest[i]
            break
    return hoisted + rest


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(hoist_data_dir(sys.argv[1:] if argv is None else argv))
    if args.data_dir is not None:
        os.environ["CREATIVE_SAAS_DATA_DIR"] = str(args.data_dir.resolve())
    return int(args.handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
