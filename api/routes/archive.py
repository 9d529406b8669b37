"""GET /api/v1/jobs/{jobId}/archive: a job's produced images as one streamed zip."""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import PurePosixPath

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from api.deps import CurrentAccount, OrchestratorDep, StoreDep
from api.routes.jobs import JobIdPath, known_job_id
from api.routes.responses import problem_responses
from domain.jobs import JobView

router = APIRouter(prefix="/api/v1", tags=["jobs"])

ZIP_MEDIA_TYPE = "application/zip"


@router.get(
    "/jobs/{jobId}/archive",
    operation_id="getJobArchive",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "A zip of the images produced so far, `image_<n>_<format>.<ext>`.",
            "content": {ZIP_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
        },
        **problem_responses(401, 404, 503),
    },
)
async def get_job_archive(
    job_id: JobIdPath, account: CurrentAccount, orchestrator: OrchestratorDep, store: StoreDep
) -> StreamingResponse:
    """Download every produced image of a job in one zip (images stored as they are)."""
    job_id = known_job_id(job_id)
    view = await orchestrator.get(account.id, job_id)
    return StreamingResponse(
        zip_chunks(archive_entries(view, store.get)),
        media_type=ZIP_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="job-{job_id}.zip"'},
    )


def archive_entries(
    view: JobView, read: Callable[[str], bytes]
) -> Iterator[tuple[str, Callable[[], bytes]]]:
    """(file name, reader) for each produced image, in image order; read lazily, one by one."""
    for image in sorted(view.produced, key=lambda produced: produced.index):
        extension = PurePosixPath(image.storage_key).suffix or ".png"
        name = f"image_{image.index}_{image.format}{extension}"
        yield name, partial(read, image.storage_key)


class _Chunks:
    """A write-only file whose contents are taken out as they come, so the zip streams."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes, /) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def take(self) -> bytes:
        data, self._parts = b"".join(self._parts), []
        return data


def zip_chunks(entries: Iterator[tuple[str, Callable[[], bytes]]]) -> Iterator[bytes]:
    """The zip's bytes, one chunk per image: only one image is held in memory at a time."""
    sink = _Chunks()
    # Stored, not deflated: PNG, JPEG and WebP are compressed already.
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, read in entries:
            archive.writestr(name, read())
            yield sink.take()
    yield sink.take()
