"""`CreativeSaaS`, the synchronous client.

with CreativeSaaS() as client:                     # key from CREATIVE_SAAS_API_KEY
    job = client.jobs.create("Best protein supplements", count=3, language="DE")
    job = client.jobs.wait(job.id)
    client.jobs.download(job, "./ads")
"""

from __future__ import annotations

import builtins
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
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


class CreativeSaaS:
    """A client of the Creative SaaS API; one per thread of work, closed when done."""

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        max_retries: int = DEFAULT_MAX_RETRIES,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = ClientConfig.resolve(api_key, base_url, timeout, max_retries)
        self._http = httpx.Client(base_url=self.config.base_url, transport=transport)
        self._sleep = sleep
        # Cleared when the server refuses ?wait= (an older API): wait() then polls instead.
        self.long_poll = True
        self.jobs = Jobs(self)
        self.account = AccountResource(self)
        self.formats = Formats(self)
        self.languages = Languages(self)
        self.keys = Keys(self)

    def request(self, call: Call[T]) -> T:
        """Send one call, retrying 429/503 and lost connections as the policy allows."""
        retry = self.config.retry
        for attempt in range(retry.max_retries + 1):
            last_try = attempt == retry.max_retries
            try:
                response = self._http.request(
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
                self._sleep(retry.backoff(attempt))
                continue
            if should_retry_status(response) and not last_try:
                self._sleep(retry.delay_after(attempt, retry_after_seconds(response)))
                continue
            raise_for_problem(response)
            return call.parse(response)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> CreativeSaaS:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class Jobs:
    """Create, read, list, cancel, wait for and download jobs."""

    def __init__(self, client: CreativeSaaS) -> None:
        self._client = client

    def create(
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
        """Start a job (202). A fresh Idempotency-Key is made unless you pass one; retries of
        this call reuse it, so a retried create never starts a second job."""
        return self._client.request(
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

    def get(self, job_id: str, wait: float | None = None) -> Job:
        """The job now; with `wait` (0..60 s) the server holds the answer until it finishes."""
        return self._client.request(_calls.get_job(job_id, wait))

    def list(
        self, *, status: str | None = None, limit: int | None = None, cursor: str | None = None
    ) -> JobList:
        """One page of your jobs, newest first."""
        return self._client.request(_calls.list_jobs(status, limit, cursor))

    def iterate(
        self, *, status: str | None = None, page_size: int | None = None
    ) -> Iterator[JobSummary]:
        """Every job, newest first, fetching pages as the loop reaches them."""
        cursor: str | None = None
        while True:
            page = self.list(status=status, limit=page_size, cursor=cursor)
            yield from page.data
            if not page.next_cursor:
                return
            cursor = page.next_cursor

    def cancel(self, job_id: str) -> Job:
        """Stop a job: images not started never start (JobFinishedError if it already ended)."""
        return self._client.request(_calls.cancel_job(job_id))

    def wait(
        self,
        job: Job | str,
        *,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        poll_wait: float = _calls.MAX_WAIT_SECONDS,
        min_interval: float = 0.5,
        max_interval: float = 5.0,
        on_update: Callable[[Job], None] | None = None,
    ) -> Job:
        """Block until the job is completed, partial or failed, and return it.

        Long-polls (`?wait=poll_wait`); `on_update` sees every answer (for progress bars).
        Raises JobWaitTimeout after `timeout` seconds (None: no limit).
        """
        job_id = job if isinstance(job, str) else job.id
        deadline = None if timeout is None else time.monotonic() + timeout
        pacer = PollPacer(min_interval, max_interval)
        while True:
            remaining = None if deadline is None else deadline - time.monotonic()
            started = time.monotonic()
            current = self._poll(
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
                self._client._sleep(pause)

    def _poll(self, job_id: str, wait: float) -> Job:
        if self._client.long_poll:
            try:
                return self.get(job_id, wait=max(0.0, wait))
            except InvalidRequestError:
                self._client.long_poll = False  # an API without ?wait=: plain polls from now on
        return self.get(job_id)

    def download(
        self,
        job: Job | str,
        directory: str | Path,
        *,
        on_image: Callable[[Image, Path], None] | None = None,
    ) -> builtins.list[Path]:
        """Save the job's produced images as `<directory>/image_<n>_<format>.<ext>`."""
        if isinstance(job, str):
            job = self.get(job)
        target = Path(directory)
        target.mkdir(parents=True, exist_ok=True)
        paths = []
        for image in job.images:
            path = target / image.filename
            write_atomically(path, self._client.request(image_call(image.url)))
            paths.append(path)
            if on_image is not None:
                on_image(image, path)
        return paths


class AccountResource:
    def __init__(self, client: CreativeSaaS) -> None:
        self._client = client

    def get(self) -> Account:
        """Your account: plan, credits and limits."""
        return self._client.request(_calls.get_account())


class Formats:
    def __init__(self, client: CreativeSaaS) -> None:
        self._client = client

    def list(self) -> builtins.list[Format]:
        """The ad formats F1..F12 (no key needed)."""
        return self._client.request(_calls.list_formats())


class Languages:
    def __init__(self, client: CreativeSaaS) -> None:
        self._client = client

    def list(self) -> builtins.list[Language]:
        """The supported languages (no key needed)."""
        return self._client.request(_calls.list_languages())


class Keys:
    def __init__(self, client: CreativeSaaS) -> None:
        self._client = client

    def create(self) -> ApiKey:
        """A new key for your account; its `secret` is shown only in this answer."""
        return self._client.request(_calls.create_key())

    def list(self) -> builtins.list[ApiKey]:
        """Your keys, revoked ones included, never their secrets."""
        return self._client.request(_calls.list_keys())

    def revoke(self, key_id: str) -> None:
        """Revoke a key; it fails from the next request on."""
        self._client.request(_calls.revoke_key(key_id))
