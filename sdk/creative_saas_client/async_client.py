"""`AsyncCreativeSaaS`, the asyncio client: the same operations as `CreativeSaaS`, awaited.

async with AsyncCreativeSaaS() as client:
    job = await client.jobs.create("Best protein supplements", count=3)
    job = await client.jobs.wait(job.id)
    await client.jobs.download(job, "./ads")
"""

from __future__ import annotations

import asyncio
import builtins
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import TypeVar

import httpx

from creative_saas_client import _calls
from creative_saas_client._core import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT_SECONDS,
    DEFAULT_WAIT_TIMEOUT,
    Call,
    ClientConfig,
    PollPacer,
    connection_error,
    image_call,
    raise_for_problem,
    retry_after_seconds,
    should_retry_exception,
    should_retry_status,
    write_atomically,
)
from creative_saas_client.errors import InvalidRequestError, JobWaitTimeout
from creative_saas_client.models import (
    Account,
    ApiKey,
    Format,
    Image,
    Job,
    JobList,
    JobSummary,
    Language,
)

T = TypeVar("T")


class AsyncCreativeSaaS:
    """An asyncio client of the Creative SaaS API; share one across tasks, close it when done."""

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        max_retries: int = DEFAULT_MAX_RETRIES,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.config = ClientConfig.resolve(api_key, base_url, timeout, max_retries)
        self._http = httpx.AsyncClient(base_url=self.config.base_url, transport=transport)
        self._sleep = sleep
        # Cleared when the server refuses ?wait= (an older API): wait() then polls instead.
        self.long_poll = True
        self.jobs = AsyncJobs(self)
        self.account = AsyncAccountResource(self)
        self.formats = AsyncFormats(self)
        self.languages = AsyncLanguages(self)
        self.keys = AsyncKeys(self)

    async def request(self, call: Call[T]) -> T:
        """Send one call, retrying 429/503 and lost connections as the policy allows."""
        retry = self.config.retry
        for attempt in range(retry.max_retries + 1):
            last_try = attempt == retry.max_retries
            try:
                response = await self._http.request(
                    call.method,
                    call.path,
                    params=call.params,
                    json=call.json,
                    headers=self.config.headers(call),
                    timeout=self.config.timeout_for(call),
                )
            except httpx.TransportError as error:
                if last_try or not should_retry_exception(error, call):
                    raise connection_error(error, call, self.config.base_url) from error
                await self._sleep(retry.backoff(attempt))
                continue
            if should_retry_status(response) and not last_try:
                await self._sleep(retry.delay_after(attempt, retry_after_seconds(response)))
                continue
            raise_for_problem(response)
            return call.parse(response)
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def close(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncCreativeSaaS:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()


class AsyncJobs:
    """Create, read, list, cancel, wait for and download jobs."""

    def __init__(self, client: AsyncCreativeSaaS) -> None:
        self._client = client

    async def create(
        self,
        claim: str,
        *,
        language: str | None = None,
        count: int | None = None,
        formats: Sequence[str] | None = None,
        cta: str | None = None,
        subline: str | None = None,
        badge: str | None = None,
        output: str | None = None,
        metadata: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> Job:
        """Start a job (202); retries reuse this create's Idempotency-Key."""
        return await self._client.request(
            _calls.create_job(
                claim,
                language=language,
                count=count,
                formats=formats,
                cta=cta,
                subline=subline,
                badge=badge,
                output=output,
                metadata=metadata,
                idempotency_key=idempotency_key,
            )
        )

    async def get(self, job_id: str, wait: float | None = None) -> Job:
        """The job now; with `wait` (0..60 s) the server holds the answer until it finishes."""
        return await self._client.request(_calls.get_job(job_id, wait))

    async def list(
        self, *, status: str | None = None, limit: int | None = None, cursor: str | None = None
    ) -> JobList:
        """One page of your jobs, newest first."""
        return await self._client.request(_calls.list_jobs(status, limit, cursor))

    async def iterate(
        self, *, status: str | None = None, page_size: int | None = None
    ) -> AsyncIterator[JobSummary]:
        """Every job, newest first, fetching pages as the loop reaches them."""
        cursor: str | None = None
        while True:
            page = await self.list(status=status, limit=page_size, cursor=cursor)
            for summary in page.data:
                yield summary
            if not page.next_cursor:
                return
            cursor = page.next_cursor

    async def cancel(self, job_id: str) -> Job:
        """Stop a job: images not started never start (JobFinishedError if it already ended)."""
        return await self._client.request(_calls.cancel_job(job_id))

    async def wait(
        self,
        job: Job | str,
        *,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT,  # noqa: ASYNC109 - the error carries the last state
        poll_wait: float = _calls.MAX_WAIT_SECONDS,
        min_interval: float = 0.5,
        max_interval: float = 5.0,
        on_update: Callable[[Job], None] | None = None,
    ) -> Job:
        """Until the job is completed, partial or failed; see `CreativeSaaS.jobs.wait`."""
        job_id = job if isinstance(job, str) else job.id
        deadline = None if timeout is None else time.monotonic() + timeout
        pacer = PollPacer(min_interval, max_interval)
        while True:
            remaining = None if deadline is None else deadline - time.monotonic()
            started = time.monotonic()
            current = await self._poll(
                job_id, poll_wait if remaining is None else min(poll_wait, remaining)
            )
            if on_update is not None:
                on_update(current)
            if current.is_terminal:
                return current
            pause = pacer.pause_after(time.monotonic() - started)
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise JobWaitTimeout(current, timeout or 0.0)
                pause = min(pause, left)
            if pause > 0:
                await self._client._sleep(pause)

    async def _poll(self, job_id: str, wait: float) -> Job:
        if self._client.long_poll:
            try:
                return await self.get(job_id, wait=max(0.0, wait))
            except InvalidRequestError:
                self._client.long_poll = False  # an API without ?wait=: plain polls from now on
        return await self.get(job_id)

    async def download(
        self,
        job: Job | str,
        directory: str | Path,
        *,
        on_image: Callable[[Image, Path], None] | None = None,
    ) -> builtins.list[Path]:
        """Save the job's produced images as `<directory>/image_<n>_<format>.<ext>`."""
        if isinstance(job, str):
            job = await self.get(job)
        target = Path(directory)
        await asyncio.to_thread(target.mkdir, parents=True, exist_ok=True)
        paths = []
        for image in job.images:
            path = target / image.filename
            content = await self._client.request(image_call(image.url))
            await asyncio.to_thread(write_atomically, path, content)
            paths.append(path)
            if on_image is not None:
                on_image(image, path)
        return paths


class AsyncAccountResource:
    def __init__(self, client: AsyncCreativeSaaS) -> None:
        self._client = client

    async def get(self) -> Account:
        """Your account: plan, credits and limits."""
        return await self._client.request(_calls.get_account())


class AsyncFormats:
    def __init__(self, client: AsyncCreativeSaaS) -> None:
        self._client = client

    async def list(self) -> builtins.list[Format]:
        """The ad formats F1..F12 (no key needed)."""
        return await self._client.request(_calls.list_formats())


class AsyncLanguages:
    def __init__(self, client: AsyncCreativeSaaS) -> None:
        self._client = client

    async def list(self) -> builtins.list[Language]:
        """The supported languages (no key needed)."""
        return await self._client.request(_calls.list_languages())


class AsyncKeys:
    def __init__(self, client: AsyncCreativeSaaS) -> None:
        self._client = client

    async def create(self) -> ApiKey:
        """A new key for your account; its `secret` is shown only in this answer."""
        return await self._client.request(_calls.create_key())

    async def list(self) -> builtins.list[ApiKey]:
        """Your keys, revoked ones included, never their secrets."""
        return await self._client.request(_calls.list_keys())

    async def revoke(self, key_id: str) -> None:
        """Revoke a key; it fails from the next request on."""
        await self._client.request(_calls.revoke_key(key_id))
