"""`creative-saas-client` as a customer runs it: the installed command, on the real stack."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from creative_saas_client.cli import EXIT_ERROR, EXIT_OK, EXIT_USAGE
from PIL import Image

from tests.support.stack import Stack

COMMAND = Path(sys.executable).with_name("creative-saas-client")
CLI_TIMEOUT_SECONDS = 180


def run_cli(
    *args: str, api_key: str | None, base_url: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREATIVE_SAAS_")}
    env["CREATIVE_SAAS_BASE_URL"] = base_url
    if api_key is not None:
        env["CREATIVE_SAAS_API_KEY"] = api_key
    return subprocess.run(
        [str(COMMAND), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT_SECONDS,
        check=False,
    )


@pytest.fixture
def cli_key(stack: Stack) -> str:
    stack.assert_running()
    return stack.create_account(credits=10)[1]


def test_generate_saves_the_images_and_summarizes(
    stack: Stack, cli_key: str, tmp_path: Path
) -> None:
    out = tmp_path / "ads"
    done = run_cli(
        "generate", "Best protein supplements", "--count", "6", "--language", "DE",
        "--out", str(out),
        api_key=cli_key, base_url=stack.base_url,
    )  # fmt: skip

    assert done.returncode == EXIT_OK, f"{done.stdout}\n{done.stderr}\n{stack.logs()}"
    names = sorted(path.name for path in out.iterdir())
    assert names == sorted(
        ["image_1_F1.png", "image_2_F4.png", "image_3_F10.png", "image_4_F2.png",
         "image_5_F3.png", "image_6_F5.png"]
    )  # fmt: skip
    with Image.open(out / "image_2_F4.png") as landscape:
        assert landscape.size == (1200, 628)
    assert "6 of 6 image(s) saved" in done.stdout and "6 credit(s) consumed" in done.stdout
    assert str(out / "image_6_F5.png") in done.stdout
    # The progress goes to stderr: one line per image as it is done.
    assert all(f"image {n} " in done.stderr for n in range(1, 7)), done.stderr


def test_jobs_get_prints_the_job_and_json_for_scripts(
    stack: Stack, cli_key: str, tmp_path: Path
) -> None:
    created = run_cli(
        "generate", "Fresh coffee", "--count", "1", "--out", str(tmp_path), "--json",
        api_key=cli_key, base_url=stack.base_url,
    )  # fmt: skip
    assert created.returncode == EXIT_OK, created.stderr
    job_id = json.loads(created.stdout)["jobId"]

    shown = run_cli("jobs", "get", job_id, "--wait", "30", api_key=cli_key, base_url=stack.base_url)
    assert shown.returncode == EXIT_OK, shown.stderr
    assert f"job {job_id}: completed" in shown.stdout and "1 produced" in shown.stdout

    as_json = run_cli("jobs", "get", job_id, "--json", api_key=cli_key, base_url=stack.base_url)
    body = json.loads(as_json.stdout)
    assert body["status"] == "completed" and body["result"]["formats"] == ["F1"]


def test_a_refused_request_prints_the_problem_and_exits_1(stack: Stack, tmp_path: Path) -> None:
    _, poor_key = stack.create_account(credits=2)
    done = run_cli(
        "generate", "Claim", "--count", "5", "--out", str(tmp_path),
        api_key=poor_key, base_url=stack.base_url,
    )  # fmt: skip
    assert done.returncode == EXIT_ERROR
    assert "402 insufficient_credits" in done.stderr and "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []

    invalid = run_cli(
        "generate", "Claim", "--count", "21", api_key=poor_key, base_url=stack.base_url
    )
    assert invalid.returncode == EXIT_ERROR
    assert "400 invalid_request" in invalid.stderr and "count:" in invalid.stderr

    unknown = run_cli("jobs", "get", str(uuid.uuid4()), api_key=poor_key, base_url=stack.base_url)
    assert unknown.returncode == EXIT_ERROR and "404 not_found" in unknown.stderr


def test_without_a_key_it_says_which_variable_to_set(stack: Stack) -> None:
    done = run_cli("jobs", "list", api_key=None, base_url=stack.base_url)
    assert done.returncode == EXIT_USAGE and "CREATIVE_SAAS_API_KEY" in done.stderr


def test_an_unreachable_api_is_a_clear_error() -> None:
    done = run_cli("account", api_key="cs_live_x", base_url="http://127.0.0.1:9")
    assert done.returncode == EXIT_ERROR
    assert "http://127.0.0.1:9/api/v1/account failed" in done.stderr, done.stderr


def test_a_malformed_metadata_pair_is_a_usage_error() -> None:
    done = run_cli(
        "generate", "Claim", "--metadata", "campaign", api_key="cs_live_x", base_url="http://127.0.0.1:9"
    )  # fmt: skip
    assert done.returncode == EXIT_USAGE and "KEY=VALUE" in done.stderr
