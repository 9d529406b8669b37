"""GET /files/{key}: images behind signed, expiring URLs, fetchable without an API key."""

from __future__ import annotations

import time

from fastapi import APIRouter
from fastapi.responses import FileResponse
from starlette.types import Receive, Scope, Send

from api.deps import StoreDep
from api.routes.responses import problem_responses
from domain.outputs import MEDIA_TYPES_BY_EXTENSION

router = APIRouter(tags=["files"])


class ImageFileResponse(FileResponse):
    """A FileResponse without Range support: Starlette answers bad ranges in plain text, and
    every error here must be problem+json. Images are small; clients fetch them whole."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(name, value) for name, value in scope["headers"] if name.lower() != b"range"]
        await super().__call__({**scope, "headers": headers}, receive, send)


_MAX_CACHE_SECONDS = 24 * 3600


@router.head("/files/{key:path}", response_class=ImageFileResponse, include_in_schema=False)
@router.get(
    "/files/{key:path}",
    response_class=ImageFileResponse,
    responses={
        200: {
            "description": "The image, as the job's `output` asked (the URL's extension).",
            "content": {media_type: {} for media_type in MEDIA_TYPES_BY_EXTENSION.values()},
        },
        **problem_responses(403, 404),
    },
)
async def get_file(
    key: str, store: StoreDep, expires: str | None = None, signature: str | None = None
) -> ImageFileResponse:
    """Serve a stored image when the URL's signature is valid and unexpired."""
    path = store.signed_file(key, expires, signature)  # a stat at most: fine on the loop
    max_age = max(0, min(int(expires or 0) - int(time.time()), _MAX_CACHE_SECONDS))
    return ImageFileResponse(
        path,
        media_type=MEDIA_TYPES_BY_EXTENSION.get(path.suffix.lower(), "application/octet-stream"),
        headers={"Cache-Control": f"private, max-age={max_age}", "Accept-Ranges": "none"},
    )
