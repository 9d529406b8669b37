"""`creative-saas-client`: the customer's command line, built on the SDK.

    creative-saas-client generate "Best protein supplements" --count 6 --language DE --out ./ads
    creative-saas-client jobs list [--status completed] [--limit 20] [--all]
    creative-saas-client jobs get ID [--wait 30]
    creative-saas-client jobs cancel ID
    creative-saas-client jobs download ID --out ./ads
    creative-saas-client account | formats | languages

The key comes from CREATIVE_SAAS_API_KEY, the API's address from CREATIVE_SAAS_BASE_URL (or
--base-url). Progress goes to stderr, results to stdout; `--json` prints the API's body instead.
Exit codes: 0 done, 1 the API refused or could not be reached, 2 bad usage or no key, 3 the job
ended partial or failed, 4 the wait timed out, 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from creative_saas_client import __version__
from creative_saas_client._core import API_KEY_ENV, BASE_URL_ENV, DEFAULT_BASE_URL
from creative_saas_client.client import CreativeSaaS
from creative_saas_client.errors import CreativeSaaSError, JobWaitTimeout
from creative_saas_client.models import JOB_STATUSES

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_JOB_NOT_COMPLETED, EXIT_TIMEOUT = 0, 1, 2, 3, 4
EXIT_INTERRUPTED = 130
NO_KEY_COMMANDS = frozenset({"formats", "languages"})


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="creative-saas-client",
        description="Ad creatives from a claim, in every ad size, from your terminal.",
        epilog=f"Set {API_KEY_ENV} to your key ({BASE_URL_ENV} to another API, "
        f"default {DEFAULT_BASE_URL}).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--base-url", help=f"the API's address (default: ${BASE_URL_ENV})")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    generate = commands.add_parser("generate", help="make creatives and save them")
    generate.add_argument("claim", help='the headline, e.g. "Best protein supplements"')
    generate.add_argument("--count", type=int, default=1, help="images to make, 1..20 (1)")
    generate.add_argument("--language", default="EN", help="ISO 639-1 code (EN)")
    generate.add_argument(
        "--format", dest="formats", action="append", metavar="CODE", help="F1..F12, repeatable"
    )
    generate.add_argument("--cta", help="call-to-action label (default: localized)")
    generate.add_argument("--subline", help="secondary text under the headline")
    generate.add_argument("--badge", help='a short sticker, e.g. "-20%%"')
    generate.add_argument("--output", choices=("png", "jpeg", "webp"), help="file type (png)")
    generate.add_argument(
        "--metadata", action="append", default=[], metavar="KEY=VALUE", help="repeatable"
    )
    generate.add_argument("--out", type=Path, default=Path("."), help="directory for the files")
    generate.add_argument("--timeout", type=float, default=600, help="seconds to wait (600)")
    generate.add_argument("--json", action="store_true", help="print the finished job as JSON")

    jobs = commands.add_parser("jobs", help="list, read, cancel or download jobs")
    job_commands = jobs.add_subparsers(dest="jobs_command", required=True, metavar="ACTION")
    listing = job_commands.add_parser("list", help="your jobs, newest first")
    listing.add_argument("--status", choices=JOB_STATUSES)
    listing.add_argument("--limit", type=int, default=20, help="rows per page, 1..100 (20)")
    listing.add_argument("--all", action="store_true", help="every page, not just the first")
    listing.add_argument("--json", action="store_true")
    get = job_commands.add_parser("get", help="one job")
    get.add_argument("job_id", metavar="ID")
    get.add_argument("--wait", type=float, metavar="SECONDS", help="wait up to this long")
    get.add_argument("--json", action="store_true")
    cancel = job_commands.add_parser("cancel", help="stop a job; unstarted images never start")
    cancel.add_argument("job_id", metavar="ID")
    cancel.add_argument("--json", action="store_true")
    download = job_commands.add_parser("download", help="save a job's images")
    download.add_argument("job_id", metavar="ID")
    download.add_argument("--out", type=Path, default=Path("."))

    for name, text in (
        ("account", "your plan and credits"),
        ("formats", "the ad formats"),
        ("languages", "the languages"),
    ):
        commands.add_parser(name, help=text).add_argument("--json", action="store_true")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command not in NO_KEY_COMMANDS and not os.environ.get(API_KEY_ENV):
        _fail(f"set {API_KEY_ENV} to your API key (Settings → API Keys)")
        return EXIT_USAGE
    try:
        metadata = _metadata(getattr(args, "metadata", []))
    except ValueError as error:
        _fail(str(error))
        return EXIT_USAGE
    try:
        with CreativeSaaS(base_url=args.base_url) as client:
            return _dispatch(client, args, metadata)
    except JobWaitTimeout as error:
        _fail(f"{error}; follow it with: creative-saas-client jobs get {error.job.id} --wait 60")
        return EXIT_TIMEOUT
    except CreativeSaaSError as error:  # the problem's status, code, detail and field errors
        _fail(str(error))
        return EXIT_ERROR
    except OSError as error:  # e.g. --out on a read-only disk: say so, no traceback
        _fail(str(error))
        return EXIT_ERROR
    except KeyboardInterrupt:
        _fail("interrupted")
        return EXIT_INTERRUPTED


def _dispatch(client: CreativeSaaS, args: argparse.Namespace, metadata: dict[str, str]) -> int:
    try:  # rich comes with the `cli` extra; the SDK itself needs only httpx
        from creative_saas_client import _cli_output as output
    except ImportError as error:
        _fail(f"{error}; install the CLI with: pip install 'creative-saas-client[cli]'")
        return EXIT_USAGE

    if args.command == "generate":
        return output.generate(client, args, metadata)
    if args.command == "jobs":
        if args.jobs_command == "list":
            return output.list_jobs(client, args.status, args.limit, args.all, args.json)
        if args.jobs_command == "get":
            if args.wait is None:
                return output.show_job(client.jobs.get(args.job_id), args.json)
            try:  # like the API's ?wait=: the state after SECONDS is an answer, not an error
                job = client.jobs.wait(args.job_id, timeout=args.wait)
            except JobWaitTimeout as timeout:
                job = timeout.job
            return output.show_job(job, args.json)
        if args.jobs_command == "cancel":
            return output.show_job(client.jobs.cancel(args.job_id), args.json)
        if args.jobs_command == "download":
            return output.download(client, client.jobs.get(args.job_id), args.out)
    if args.command == "account":
        return output.show_raw(client.account.get().raw, args.json)
    if args.command == "formats":
        return output.show_formats(client.formats.list(), args.json)
    if args.command == "languages":
        return output.show_languages(client.languages.list(), args.json)
    raise AssertionError(f"unhandled command {args.command}")


def _metadata(pairs: Sequence[str]) -> dict[str, str]:
    metadata = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"--metadata wants KEY=VALUE, got {pair!r}")
        metadata[key] = value
    return metadata


def _fail(message: str) -> None:
    print(f"creative-saas-client: error: {message}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
