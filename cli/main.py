"""Entry point of the `creative-saas` console script."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path


def build_parser() -> argparse.ArgumentParser:
    from cli import admin, services

    parser = argparse.ArgumentParser(prog="creative-saas", description=__doc__)
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.data_dir is not None:
        os.environ["CREATIVE_SAAS_DATA_DIR"] = str(args.data_dir)
    return int(args.handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
