"""A client generated from the live /openapi.json runs the seed's flow with typed bodies.

openapi-python-client (a mainstream generator) reads the document the running API serves;
it must not warn, and the client it writes must create a job, wait for it and fetch its
images, and hand back typed problems for errors.
"""

from __future__ import annotations

import importlib
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest
from PIL import Image

from tests.support.stack import Stack

PACKAGE = "creative_saas_api_client"
CONFIG = Path(__file__).with_name("openapi-python-client.yml")


@pytest.fixture
def generated(stack: Stack, tmp_path: Path) -> Iterator[ModuleType]:
    """The client package generated from the stack's own /openapi.json, importable."""
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(httpx.get(f"{stack.base_url}/openapi.json").json()))
    bin_dir = Path(sys.executable).parent
    result = subprocess.run(
        [str(bin_dir / "openapi-python-client"), "generate", "--path", str(spec)]
        + ["--meta", "none", "--config", str(CONFIG), "--output-path", str(tmp_path / PACKAGE)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"},
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "warning" not in output.lower(), output
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


async def test_generated_client_runs_the_seed_flow(stack: Stack, generated: ModuleType) -> None:
    _, key = stack.create_account(credits=5)
    create_job = importlib.import_module(f"{PACKAGE}.api.jobs.create_job")
    get_job = importlib.import_module(f"{PACKAGE}.api.jobs.get_job")
    list_jobs = importlib.import_module(f"{PACKAGE}.api.jobs.list_jobs")
    models = importlib.import_module(f"{PACKAGE}.models")
    client = generated.AuthenticatedClient(base_url=stack.base_url, token=key)
    body = models.GenerateBody.from_dict(
        {"claim": "Best protein supplements", "language": "EN", "count": 2}
    )

    async with client:
        accepted = await create_job.asyncio_detailed(
            client=client, body=body, idempotency_key="generated-client-1"
        )
        assert accepted.status_code == 202, accepted.content
        assert isinstance(accepted.parsed, models.JobAccepted)
        job_id = accepted.parsed.job_id
        job = None
        for _ in range(10):
            job = await get_job.asyncio(client=client, job_id=job_id, wait=30)
            assert isinstance(job, models.JobDetail), job
            if job.status in (models.JobStatus.COMPLETED, models.JobStatus.PARTIAL):
                break
        assert job is not None and job.status == models.JobStatus.COMPLETED
        assert job.credits_consumed == job.result.produced == 2
        listed = await list_jobs.asyncio(client=client, limit=1)
        assert isinstance(listed, models.JobList)
        assert [item.job_id for item in listed.data] == [job_id]

        unknown = await get_job.asyncio(
            client=client, job_id="00000000-0000-4000-8000-000000000000"
        )
        assert isinstance(unknown, models.Problem) and unknown.code == "not_found"
        too_many = await create_job.asyncio(
            client=client, body=models.GenerateBody.from_dict({"claim": "x", "count": 21})
        )
        assert isinstance(too_many, models.Problem) and too_many.code == "invalid_request"
        assert too_many.errors[0].field == "count"

    sizes = []
    async with httpx.AsyncClient() as anonymous:
        for url in job.result.images:
            download = await anonymous.get(url)
            assert download.status_code == 200
            sizes.append(Image.open(io.BytesIO(download.content)).size)
    assert sizes == [(1080, 1080), (1200, 628)]
