"""Typed views of the API's JSON bodies (snake_case attributes, camelCase on the wire).

Each model keeps the body it was read from in `raw`, so a field a newer server adds is
reachable before this package learns its name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

TERMINAL_STATUSES = frozenset({"completed", "partial", "failed"})
JOB_STATUSES = ("queued", "processing", "completed", "partial", "failed")
_IMAGE_INDEX = re.compile(r"image_(\d+)")


def _datetime(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    # Python 3.11 parses RFC 3339 with offsets; "Z" is accepted from 3.11 on as well.
    return datetime.fromisoformat(value)


def _strings(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, Mapping) else {}


@dataclass(frozen=True)
class Progress:
    done: int
    total: int


@dataclass(frozen=True)
class ImageFailure:
    """An image that was not produced; `index` is 1-based like the file names."""

    index: int
    format: str
    code: str
    message: str


@dataclass(frozen=True)
class Image:
    """A produced image: its 1-based index in the request, format and signed URL."""

    index: int
    format: str
    url: str

    @property
    def extension(self) -> str:
        """The file extension the URL ends in (`png`, `jpeg`, `webp`), `png` if none."""
        suffix = urlsplit(self.url).path.rsplit("/", 1)[-1].rpartition(".")[2]
        return suffix.lower() if suffix and suffix.isalnum() else "png"

    @property
    def filename(self) -> str:
        """`image_<n>_<format>.<ext>`, the name the archive and `download()` use."""
        return f"image_{self.index}_{self.format}.{self.extension}"


@dataclass(frozen=True)
class Job:
    """A job as GET /api/v1/jobs/{id} (or the 202 of a create) describes it."""

    id: str
    status: str
    requested: int
    produced: int
    failed: int
    progress: Progress
    credits_consumed: int
    image_urls: list[str]
    formats: list[str]
    failures: list[ImageFailure]
    created_at: datetime | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    replayed: bool = False
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_terminal(self) -> bool:
        """True once the job is completed, partial or failed: it will not change again."""
        return self.status in TERMINAL_STATUSES

    @property
    def images(self) -> list[Image]:
        """The produced images with their request indices (failed indices are skipped)."""
        failed = {failure.index for failure in self.failures}
        indices = [n for n in range(1, self.requested + 1) if n not in failed]
        if len(indices) != len(self.image_urls):  # still running: read the index off the URL
            indices = [_index_from_url(url, k + 1) for k, url in enumerate(self.image_urls)]
        return [
            Image(index, ad_format, url)
            for index, ad_format, url in zip(indices, self.formats, self.image_urls, strict=False)
        ]

    @classmethod
    def from_json(cls, body: Mapping[str, Any], *, replayed: bool = False) -> Job:
        result = body.get("result") or {}
        progress = result.get("progress") or {}
        requested = int(result.get("requested", 0))
        produced = int(result.get("produced", 0))
        failures = [
            ImageFailure(int(f["index"]), str(f["format"]), str(f["code"]), str(f["message"]))
            for f in result.get("failures") or []
        ]
        return cls(
            id=str(body["jobId"]),
            status=str(body["status"]),
            requested=requested,
            produced=produced,
            failed=int(result.get("failed", len(failures))),
            progress=Progress(int(progress.get("done", 0)), int(progress.get("total", requested))),
            credits_consumed=int(body.get("creditsConsumed", produced)),
            image_urls=[str(url) for url in result.get("images") or []],
            formats=[str(code) for code in result.get("formats") or []],
            failures=failures,
            created_at=_datetime(body.get("createdAt")),
            metadata=_strings(body.get("metadata")),
            replayed=replayed,
            raw=body,
        )


def _index_from_url(url: str, default: int) -> int:
    match = _IMAGE_INDEX.search(urlsplit(url).path.rsplit("/", 1)[-1])
    return int(match.group(1)) if match else default


@dataclass(frozen=True)
class JobSummary:
    """One row of GET /api/v1/jobs."""

    id: str
    status: str
    created_at: datetime | None
    requested: int
    produced: int
    claim: str
    language: str
    metadata: dict[str, str]
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> JobSummary:
        return cls(
            id=str(body["jobId"]),
            status=str(body["status"]),
            created_at=_datetime(body.get("createdAt")),
            requested=int(body.get("requested", 0)),
            produced=int(body.get("produced", 0)),
            claim=str(body.get("claim", "")),
            language=str(body.get("language", "")),
            metadata=_strings(body.get("metadata")),
            raw=body,
        )


@dataclass(frozen=True)
class JobList:
    """One page of jobs, newest first; pass `next_cursor` back for the next page."""

    data: list[JobSummary]
    next_cursor: str | None

    def __iter__(self) -> Iterator[JobSummary]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> JobList:
        cursor = body.get("nextCursor")
        return cls(
            data=[JobSummary.from_json(row) for row in body.get("data") or []],
            next_cursor=str(cursor) if cursor else None,
        )


@dataclass(frozen=True)
class Credits:
    available: int
    reserved: int
    consumed: int
    granted: int


@dataclass(frozen=True)
class Account:
    id: str
    name: str
    plan: str
    credits: Credits
    max_active_jobs: int
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> Account:
        credits = body["credits"]
        return cls(
            id=str(body["id"]),
            name=str(body["name"]),
            plan=str(body["plan"]),
            credits=Credits(
                available=int(credits["available"]),
                reserved=int(credits["reserved"]),
                consumed=int(credits["consumed"]),
                granted=int(credits["granted"]),
            ),
            max_active_jobs=int((body.get("limits") or {}).get("maxActiveJobs", 0)),
            raw=body,
        )


@dataclass(frozen=True)
class Format:
    """An ad format; `max_claim_chars` is the longest legible claim (None if not reported)."""

    code: str
    width: int
    height: int
    name: str
    max_claim_chars: int | None = None

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> Format:
        limit = body.get("maxClaimChars")
        return cls(
            code=str(body["code"]),
            width=int(body["width"]),
            height=int(body["height"]),
            name=str(body["name"]),
            max_claim_chars=int(limit) if limit is not None else None,
        )


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    rtl: bool
    default_cta: str

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> Language:
        return cls(
            code=str(body["code"]),
            name=str(body["name"]),
            rtl=bool(body.get("rtl", False)),
            default_cta=str(body.get("defaultCta", "")),
        )


@dataclass(frozen=True)
class ApiKey:
    """An API key. `secret` is set only on the answer to keys.create(): store it then."""

    id: str
    prefix: str
    created_at: datetime | None
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None
    secret: str | None = field(default=None, repr=False)

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> ApiKey:
        secret = body.get("apiKey")
        return cls(
            id=str(body["id"]),
            prefix=str(body["prefix"]),
            created_at=_datetime(body.get("createdAt")),
            last_used_at=_datetime(body.get("lastUsedAt")),
            revoked_at=_datetime(body.get("revokedAt")),
            secret=str(secret) if secret else None,
        )
