"""Fault injectors for ImageActivities' three dependencies, passed in through its constructor.

    ImageActivities(FlakyLedger(engine, ...), OutageStore(real_store, ...), FlakyRenderer(...))

Each wraps the real component and fails on purpose a counted number of times or until the test
flips a switch, never for a stretch of wall-clock time, so a slow machine cannot change which
attempt fails. Images are told apart by their index, which the activity puts in the renderer's
variant seed (`<job id>:<index>`) and in the storage key (`.../image_<index>.png`).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

import sqlalchemy
from sqlalchemy.exc import OperationalError

from infra.ledger import CreditLedger, Reservation
from infra.storage import ImageStore
from rendering import CreativeSpec

Render = Callable[[CreativeSpec], bytes]


class InjectedRenderFailure(RuntimeError):
    """The renderer crashed (a font bug, an out-of-memory kill) - retrying may help."""


class StorageUnavailable(OSError):
    """The image store did not answer (disk detached, bucket unreachable)."""


def image_index(spec: CreativeSpec) -> int:
    return int(spec.variant_seed.rsplit(":", 1)[1])


class FlakyRenderer:
    """The real renderer, except on the listed (image index, call number) pairs or images."""

    def __init__(
        self,
        render: Render,
        *,
        fail_on: Iterable[tuple[int, int]] = (),
        always_fail: Iterable[int] = (),
    ) -> None:
        self._render = render
        self._fail_on = set(fail_on)
        self._always_fail = set(always_fail)
        self._lock = threading.Lock()
        self.calls: Counter[int] = Counter()  # image index -> renders attempted

    def __call__(self, spec: CreativeSpec) -> bytes:
        index = image_index(spec)
        with self._lock:
            self.calls[index] += 1
            call = self.calls[index]
        if index in self._always_fail or (index, call) in self._fail_on:
            raise InjectedRenderFailure(f"renderer crashed on image {index}, call {call}")
        return self._render(spec)


class GatedRenderer:
    """The real renderer, but every render waits for `gate`: a job stays mid-flight on demand."""

    def __init__(self, render: Render, gate: threading.Event) -> None:
        self._render = render
        self._gate = gate
        self._started = threading.Condition()
        self.started = 0

    def __call__(self, spec: CreativeSpec) -> bytes:
        with self._started:
            self.started += 1
            self._started.notify_all()
        self._gate.wait()
        return self._render(spec)

    def wait_until_started(self, renders: int, timeout: float) -> bool:
        """Block until this many renders have begun (their credits are then held)."""
        with self._started:
            return self._started.wait_for(lambda: self.started >= renders, timeout)


class OutageStore:
    """The real store behind an outage: the first `failing_puts` writes fail, or all (None)."""

    def __init__(self, store: ImageStore, *, failing_puts: int | None) -> None:
        self._store = store
        self._failing_puts = failing_puts
        self._lock = threading.Lock()
        self.put_attempts = 0

    def put(self, key: str, data: bytes, content_type: str = "image/png") -> None:
        with self._lock:
            self.put_attempts += 1
            attempt = self.put_attempts
        if self._failing_puts is None or attempt <= self._failing_puts:
            raise StorageUnavailable(f"image store unreachable (write {attempt})")
        self._store.put(key, data, content_type)

    def exists(self, key: str) -> bool:
        return self._store.exists(key)

    def get(self, key: str) -> bytes:
        return self._store.get(key)

    def url(self, key: str, base_url: str) -> str:
        return self._store.url(key, base_url)

    def signed_file(self, key: str, expires: str | None, signature: str | None) -> Path:
        return self._store.signed_file(key, expires, signature)


class FlakyLedger(CreditLedger):
    """The real ledger whose first `failing_reserves` reservations lose the database.

    `after_commit=False`: the connection fails before anything is written.
    `after_commit=True`: the reservation commits, then the reply is lost - the retry must find
    the credit already held instead of taking a second one.
    """

    def __init__(
        self, engine: sqlalchemy.Engine, *, failing_reserves: int, after_commit: bool
    ) -> None:
        super().__init__(engine)
        self._failing_reserves = failing_reserves
        self._after_commit = after_commit
        self._lock = threading.Lock()
        self.reserve_attempts = 0

    def reserve(self, *, job_id: str, account_id: str, index: int) -> Reservation:
        with self._lock:
            self.reserve_attempts += 1
            fails = self.reserve_attempts <= self._failing_reserves
        if not fails:
            return super().reserve(job_id=job_id, account_id=account_id, index=index)
        if self._after_commit:
            super().reserve(job_id=job_id, account_id=account_id, index=index)
        raise OperationalError(
            "reserve credit", None, ConnectionResetError("server closed the connection")
        )
