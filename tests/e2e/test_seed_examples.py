"""The seed documentation's client examples, copied verbatim, run against the real stack.

Only the BASE and KEY lines are changed (to the stack's URL and a real key): if a published
example stops working, every customer who copied it is broken too.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.stack import Stack

# From /work/shared/seed/creative-saas-api-docs.txt, "Example — Python", character for character.
SEED_PYTHON_EXAMPLE = """\
import time, requests

BASE = "creative-saas.vercel.app"
KEY  = "cs_live_xxxxxxxx"
headers = {"Authorization": f"Bearer {KEY}"}

job = requests.post(
    f"{BASE}/api/v1/generate",
    headers=headers,
    json={"claim": "Best protein supplements", "language": "EN", "count": 3},
).json()

job_id = job["jobId"]
while True:
    time.sleep(2)
    j = requests.get(f"{BASE}/api/v1/jobs/{job_id}", headers=headers).json()
    if j["status"] in ("completed", "partial", "failed"):
        print(j["result"])
        break
"""

# From the same document, "Example — Node.js", character for character.
SEED_NODE_EXAMPLE = """\
const BASE = "creative-saas.vercel.app";
const KEY = "cs_live_xxxxxxxx";
const headers = { Authorization: `Bearer ${KEY}` };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const start = await fetch(`${BASE}/api/v1/generate`, {
  method: "POST",
  headers: { ...headers, "Content-Type": "application/json" },
  body: JSON.stringify({ claim: "Best protein supplements", language: "EN", count: 3 }),
}).then((r) => r.json());

let job;
do {
  await sleep(2000);
  job = await fetch(`${BASE}/api/v1/jobs/${start.jobId}`, { headers })
    .then((r) => r.json());
} while (["queued", "processing"].includes(job.status));

console.log(job.result);
"""

SEED_BASE = "creative-saas.vercel.app"
SEED_KEY = "cs_live_xxxxxxxx"
EXAMPLE_TIMEOUT_SECONDS = 120


def pointed_at(example: str, stack: Stack, api_key: str) -> str:
    """The example with only its BASE and KEY values replaced; fails if either line moved."""
    for seed_value, ours in ((SEED_BASE, stack.base_url), (SEED_KEY, api_key)):
        assert example.count(f'"{seed_value}"') == 1, f"{seed_value} is not on exactly one line"
        example = example.replace(f'"{seed_value}"', f'"{ours}"')
    return example


def run_example(argv: list[str], stack: Stack) -> str:
    """Run a client to completion and return what it printed; fail with its output otherwise."""
    finished = subprocess.run(
        argv, capture_output=True, text=True, timeout=EXAMPLE_TIMEOUT_SECONDS, check=False
    )
    assert finished.returncode == 0, (
        f"{argv[0]} exited {finished.returncode}\n{finished.stdout}\n{finished.stderr}\n"
        f"{stack.logs()}"
    )
    return finished.stdout


def test_the_python_example_prints_three_images(stack: Stack, tmp_path: Path) -> None:
    _, key = stack.create_account(credits=3)
    script = tmp_path / "example.py"
    script.write_text(pointed_at(SEED_PYTHON_EXAMPLE, stack, key))

    printed = run_example([sys.executable, str(script)], stack)

    result = ast.literal_eval(printed.strip().splitlines()[-1])
    assert result["produced"] == 3
    assert result["formats"] == ["F1", "F4", "F10"]
    assert len(result["images"]) == 3
    assert all(url.startswith(f"{stack.base_url}/") for url in result["images"])


def test_the_node_example_prints_three_images(stack: Stack, tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("node is not installed; CI must run the Node.js example")
        pytest.skip("node is not installed")
    _, key = stack.create_account(credits=3)
    script = tmp_path / "example.mjs"  # .mjs: the example uses top-level await
    script.write_text(pointed_at(SEED_NODE_EXAMPLE, stack, key))

    printed = run_example([node, str(script)], stack)

    # console.log prints the object in Node's inspect notation, not JSON.
    assert re.search(r"\bproduced: 3\b", printed), printed
    image_urls = re.findall(rf"'({re.escape(stack.base_url)}/[^']+)'", printed)
    assert len(image_urls) == 3, printed
