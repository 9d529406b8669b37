"""README's operator command for each image of a job: `temporal workflow show -o json | jq -r -f
scripts/job_images.jq`, run here on recorded histories (the same JSON `temporal` prints)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


def images_of(history: str) -> list[str]:
    if shutil.which("jq") is None:
        pytest.skip("jq is not installed")
    finished = subprocess.run(
        ["jq", "-r", "-f", str(ROOT / "scripts" / "job_images.jq")],
        input=(ROOT / "tests" / "histories" / f"{history}.json").read_text(),
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return sorted(finished.stdout.splitlines())


def test_each_image_shows_its_label_and_a_failure_its_reason():
    assert images_of("partial") == [
        "image 1/3 · F1 1080x1080: completed",
        "image 2/3 · F4 1200x628: failed — cannot render this claim",
        "image 3/3 · F10 160x600: completed",
        "return the credit of image 2: completed",
    ]


def test_a_job_whose_images_all_failed_shows_every_credit_returned():
    lines = images_of("failed_compensated")

    assert [line for line in lines if line.startswith("image")] == [
        "image 1/2 · F1 1080x1080: failed — cannot render this claim",
        "image 2/2 · F4 1200x628: failed — cannot render this claim",
    ]
    assert "return the credit of image 1: completed" in lines


def test_images_run_as_local_activities_show_the_same_labels_and_their_retries():
    assert images_of("local_images_partial") == [
        "end the job (partial): completed",
        "image 1/3 · F1 1080x1080: completed",
        "image 2/3 · F4 1200x628: failed — cannot render this claim",
        "image 3/3 · F10 160x600: completed",
        "return the credit of image 2: completed",
    ]
    assert images_of("local_images_retried") == [
        "end the job (completed): completed",
        "image 1/2 · F1 1080x1080: completed",
        "image 1/2 · F1 1080x1080: failed, retried — renderer hiccup",
        "image 2/2 · F4 1200x628: completed",
    ]
