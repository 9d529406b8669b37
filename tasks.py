#!/usr/bin/env python3
"""The project's two set-up commands; they need only Python 3.11+.

    python3 tasks.py run    start the whole product on the embedded defaults
    python3 tasks.py test   lint, type-check and run the whole test suite

Both create ./.venv and install the project into it first (again when pyproject.toml changes).
Arguments after the command are passed on (`run --port 9000`, `test -k ledger`).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / "bin"
PYTEST_NO_TESTS = 5
CHROMIUM = Path("/usr/bin/chromium")


def ensure_environment() -> None:
    """Create the virtualenv and install the project (with its test tools) when needed."""
    if sys.version_info < (3, 11):  # noqa: UP036 - runs before the venv, on any python3
        sys.exit("Python 3.11 or newer is needed")
    if not (BIN / "python").exists():
        print("creating .venv …", flush=True)
        venv.create(VENV, with_pip=True)
    stamp = VENV / ".installed-from"
    manifests = (ROOT / "pyproject.toml", ROOT / "sdk" / "pyproject.toml")
    digest = hashlib.sha256(b"".join(path.read_bytes() for path in manifests)).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    print("installing the project into .venv (first run takes a minute) …", flush=True)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    # The SDK (sdk/, its own distribution) and its CLI extra, so its tests run here too.
    sdk = f"{ROOT / 'sdk'}[cli]"
    subprocess.run([*pip, "-e", f"{ROOT}[dev]", "-e", sdk], check=True, cwd=ROOT)
    stamp.write_text(digest)


def run(args: list[str]) -> int:
    os.execv(BIN / "creative-saas", ["creative-saas", "dev", *args])
    return 0  # not reached


def ensure_chromium() -> None:
    """The web app's browser tests drive Debian's Chromium: install it when it is missing.

    Needs root and apt-get (CI runs as root on Debian). Elsewhere the browser tests skip on a
    developer's machine and fail when CI=true.
    """
    if CHROMIUM.exists():
        return
    if os.geteuid() != 0 or not Path("/usr/bin/apt-get").exists():
        print("Chromium is missing (apt-get install chromium): browser tests will skip", flush=True)
        return
    print("installing Chromium for the browser tests (apt-get) …", flush=True)
    quiet = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=quiet)
    subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=True, env=quiet)


def test(args: list[str]) -> int:
    ensure_chromium()
    for check in (
        ["ruff", "check", "."],
        ["ruff", "format", "--check", "."],
        ["mypy"],
    ):
        print(f"$ {' '.join(check)}", flush=True)
        if subprocess.run([str(BIN / check[0]), *check[1:]], cwd=ROOT).returncode != 0:
            return 1
    return run_pytest(args)


def run_pytest(args: list[str]) -> int:
    """pytest, immune to the Temporal SDK's crash at interpreter exit (sdk-python #300)."""
    with tempfile.TemporaryDirectory() as scratch:
        status_file = Path(scratch) / "pytest-status"
        env = {**os.environ, "CREATIVE_SAAS_PYTEST_STATUS_FILE": str(status_file)}
        print(f"$ pytest {' '.join(args)}", flush=True)
        code = subprocess.run(
            [str(BIN / "python"), "-m", "pytest", *args], cwd=ROOT, env=env
        ).returncode
        if code not in range(0, 6) and status_file.exists():
            # The session finished and recorded its verdict before the interpreter crashed.
            print(f"(pytest exited with {code} after the session ended; using its verdict)")
            code = int(status_file.read_text())
    if code == PYTEST_NO_TESTS:
        print("pytest collected no tests: that is a failure here, not a pass", file=sys.stderr)
        return 1
    return code


def main() -> int:
    commands = {"run": run, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__, file=sys.stderr)
        return 2
    ensure_environment()
    return commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
