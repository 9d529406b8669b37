"""Reading job bodies: produced images keep their request index, so file names match."""

from __future__ import annotations

from creative_saas_client import Job

from tests.sdk.fake_api import job_body


def test_a_partial_jobs_images_skip_the_failed_indices_in_their_file_names() -> None:
    body = job_body("partial", requested=3)
    body["result"].update(
        images=["https://x/a/image_1.png?s=1", "https://x/a/image_3.jpeg?s=3"],
        formats=["F1", "F10"],
        produced=2,
        failed=1,
        failures=[{"index": 2, "format": "F4", "code": "canceled", "message": "job canceled"}],
    )
    job = Job.from_json(body)
    assert [image.filename for image in job.images] == ["image_1_F1.png", "image_3_F10.jpeg"]


def test_a_running_jobs_images_take_their_index_from_the_url() -> None:
    body = job_body("processing", requested=3)
    body["result"].update(images=["https://x/a/image_2.png?s=2"], formats=["F4"], produced=1)
    assert [image.filename for image in Job.from_json(body).images] == ["image_2_F4.png"]


def test_created_at_and_metadata_are_read_when_the_server_sends_them() -> None:
    job = Job.from_json(job_body(createdAt="2026-11-30T15:00:00Z", metadata={"campaign": "spring"}))
    assert job.created_at is not None and job.created_at.year == 2026
    assert job.metadata == {"campaign": "spring"} and job.is_terminal
