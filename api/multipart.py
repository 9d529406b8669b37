"""Reading one uploaded file from a multipart/form-data body, never past a size bound."""

from __future__ import annotations

from collections.abc import AsyncGenerator

from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request

from domain.errors import FieldError, InvalidRequest, PayloadTooLarge, UnsupportedMediaType

# Room for the part headers and boundaries around a file of the maximum size.
MULTIPART_OVERHEAD_BYTES = 64 * 1024


async def read_single_file(request: Request, field: str, limit: int) -> bytes:
    """The bytes of the one file part named `field`; 415, 413 or 400 domain errors otherwise.

    The body is counted while it streams in and reading stops once it passes the bound, so an
    endless or oversized upload costs at most `limit` plus a little, in a spooled temp file.
    """
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != "multipart/form-data":
        raise UnsupportedMediaType(f"send multipart/form-data with one `{field}` part")
    bound = limit + MULTIPART_OVERHEAD_BYTES
    too_large = PayloadTooLarge(f"an upload may be at most {limit} bytes ({limit >> 20} MB)")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > bound:
        raise too_large

    async def bounded() -> AsyncGenerator[bytes, None]:
        received = 0
        async for chunk in request.stream():
            received += len(chunk)
            if received > bound:
                raise too_large
            yield chunk

    parser = MultiPartParser(request.headers, bounded(), max_files=2, max_fields=4)
    try:
        form = await parser.parse()
    except MultiPartException as error:
        raise InvalidRequest(
            f"The multipart body is malformed: {error.message.rstrip('.')}.",
            [FieldError(field, "send one file part in a well-formed multipart/form-data body")],
        ) from None
    try:
        parts = form.getlist(field)
        if not parts:
            raise _bad(field, "is required: send the image as one file part")
        unknown = sorted({name for name in form if name != field})
        if unknown:
            raise InvalidRequest(
                "The upload has unknown parts.",
                [FieldError(name, "unknown field") for name in unknown[:5]],
            )
        if len(parts) > 1:
            raise _bad(field, "send exactly one file part")
        [part] = parts
        if not isinstance(part, UploadFile):
            raise _bad(field, "must be a file part (with a filename)")
        data = await part.read(limit + 1)
        if len(data) > limit:
            raise too_large
        return data
    finally:
        await form.close()


def _bad(field: str, message: str) -> InvalidRequest:
    return InvalidRequest(
        f"The upload is invalid: {field} {message}.", [FieldError(field, message)]
    )
