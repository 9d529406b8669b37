"""Stand-in image activities registered under the real activity names."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable

from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.jobs import CreditRelease, ImageProduced, ImageTask

# Decides, per (task, attempt), whether the image fails: None = succeed.
FailurePlan = Callable[[ImageTask, int], ApplicationError | Exception | None]


class FakeImageActivities:
    """Records every call; fails images as the plan says; can hold images until released."""

    def __init__(self, plan: FailurePlan | None = None, hold: asyncio.Event | None = None) -> None:
        self.plan = plan or (lambda task, attempt: None)
        self.hold = hold
        self.attempts: Counter[int] = Counter()
        self.released: list[int] = []
        self.stored: dict[int, str] = {}  # what a ledger would show captured, by image index
        self._progress = asyncio.Condition()
        self.canceled = asyncio.Event()  # set once a cancel reached a running image

    async def until_started(self, attempts: int) -> None:
        """Wait until this many image attempts have begun."""
        async with self._progress:
            await self._progress.wait_for(lambda: sum(self.attempts.values()) >= attempts)

    @activity.defn(name="produce_image")
    async def produce_image(self, task: ImageTask) -> ImageProduced:
        # Like the real activity: an attempt that has begun runs to its end, even when the job
        # is canceled (a local activity's cancel reaches it directly, without a heartbeat).
        attempt = asyncio.ensure_future(self._produce(task, activity.info().attempt))
        try:
            return await asyncio.shield(attempt)
        except asyncio.CancelledError:
            self.canceled.set()
            return await attempt

    async def _produce(self, task: ImageTask, attempt: int) -> ImageProduced:
        async with self._progress:
            self.attempts[task.index] += 1
            self._progress.notify_all()
        if self.hold is not None:
            await self.hold.wait()
        error = self.plan(task, attempt)
        if error is not None:
            raise error
        key = f"{task.job_id}/image_{task.index}.png"
        self.stored[task.index] = key
        return ImageProduced(task.index, task.format, key)

    @activity.defn(name="release_credit")
    async def release_credit(self, release: CreditRelease) -> str | None:
        """Like the ledger: a captured image keeps its credit and reports its key."""
        if release.index in self.stored:
            return self.stored[release.index]
        self.released.append(release.index)
        return None
