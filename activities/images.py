"""Image activities: produce one image (reserve, render, upload, capture) and the compensation."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable

from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.brand import BrandKitPin, PinnedAsset
from domain.contract import PRODUCE_IMAGE, RELEASE_CREDIT, PermanentImageError
from domain.errors import InsufficientCredits
from domain.jobs import CreditRelease, ImageProduced, ImageTask
from domain.outputs import OUTPUT_FORMATS
from infra.ledger import CreditLedger, JobCanceled, ReservationState
from infra.storage import ImageStore
from rendering import BrandStyle, CreativeSpec, UnrenderableClaim

log = logging.getLogger(__name__)

Renderer = Callable[[CreativeSpec], bytes]


def storage_key(task: ImageTask) -> str:
    """Where an image lives; derived from (job, index) so a retried upload overwrites itself."""
    extension = OUTPUT_FORMATS[task.output].extension
    return f"{task.account_id}/{task.job_id}/image_{task.index}.{extension}"


class ImageActivities:
    """Activities with their dependencies injected, so tests can pass fakes."""

    def __init__(self, ledger: CreditLedger, store: ImageStore, render: Renderer) -> None:
        self._ledger = ledger
        self._store = store
        self._render = render

    # An attempt that has begun runs to its end even when the job is canceled (a local activity
    # is canceled in the worker itself): the workflow waits for it, then asks the ledger.
    @activity.defn(name=PRODUCE_IMAGE, no_thread_cancel_exception=True)
    def produce_image(self, task: ImageTask) -> ImageProduced:
        """Reserve the image's credit, render it, upload it and capture the credit."""
        # Which worker is on which image, and how often it was retried: a local activity shows
        # in the job's history only once it has ended.
        log.info(
            "producing image %d of job %s (attempt %d)",
            task.index,
            task.job_id,
            activity.info().attempt,
        )
        try:
            reservation = self._ledger.reserve(
                job_id=task.job_id, account_id=task.account_id, index=task.index
            )
        except InsufficientCredits as error:
            raise ApplicationError(
                "no credit left for this image",
                type=PermanentImageError.INSUFFICIENT_CREDITS,
                non_retryable=True,
            ) from error
        except JobCanceled as error:
            raise ApplicationError(
                "the job was canceled", type=PermanentImageError.JOB_CANCELED, non_retryable=True
            ) from error
        if reservation.state is ReservationState.RELEASED:
            raise ApplicationError(
                "this image's credit was already returned",
                type=PermanentImageError.CREDIT_ALREADY_RELEASED,
                non_retryable=True,
            )
        if reservation.state is ReservationState.CAPTURED and reservation.storage_key:
            return ImageProduced(task.index, task.format, reservation.storage_key)

        image = self._render_creative(task)
        key = storage_key(task)
        self._store.put(key, image, OUTPUT_FORMATS[task.output].media_type)
        captured = self._ledger.capture(job_id=task.job_id, index=task.index, storage_key=key)
        if captured.state is not ReservationState.CAPTURED:
            raise ApplicationError(
                "this image's credit was returned while it rendered",
                type=PermanentImageError.CREDIT_ALREADY_RELEASED,
                non_retryable=True,
            )
        return ImageProduced(task.index, task.format, key)

    def _render_creative(self, task: ImageTask) -> bytes:
        spec = CreativeSpec(
            claim=task.claim,
            language=task.language,
            cta=task.cta,
            format_code=task.format,
            variant_seed=f"{task.job_id}:{task.index}",
            subline=task.subline,
            badge=task.badge,
            output=task.output,
            brand=self._brand_style(task.brand_kit),
            product_image=self._pinned_bytes(task.product_image),
        )
        try:
            return self._render(spec)
        except UnrenderableClaim as error:
            # No font draws any of the claim (emoji only, say): every retry would fail alike.
            raise ApplicationError(
                str(error), type=PermanentImageError.INVALID_CREATIVE, non_retryable=True
            ) from error

    def _brand_style(self, kit: BrandKitPin | None) -> BrandStyle | None:
        if kit is None:
            return None
        return BrandStyle(
            primary=kit.primary,
            secondary=kit.secondary,
            accent=kit.accent,
            background=kit.background,
            text=kit.text,
            font=kit.font,
            logo=self._pinned_bytes(kit.logo),
        )

    def _pinned_bytes(self, asset: PinnedAsset | None) -> bytes | None:
        """The bytes the job pinned; any other bytes under that key would be a different image."""
        if asset is None:
            return None
        try:
            data = self._store.get(asset.storage_key)
        except KeyError:
            raise ApplicationError(
                f"the pinned image {asset.sha256} is no longer stored",
                type=PermanentImageError.INVALID_CREATIVE,
                non_retryable=True,
            ) from None
        if hashlib.sha256(data).hexdigest() != asset.sha256:
            # Content-addressed keys make this a storage fault: retrying may read it intact.
            raise ApplicationError(f"the pinned image {asset.sha256} reads back altered")
        return data

    @activity.defn(name=RELEASE_CREDIT, no_thread_cancel_exception=True)
    def release_credit(self, release: CreditRelease) -> str | None:
        """Compensation: give back the credit of an image that did not come back produced.

        An image whose attempt captured its credit anyway (it finished as the job was canceled,
        or stored itself as its last attempt timed out) keeps it: the ledger is the truth, so the
        image's storage key is returned and the workflow delivers it instead of listing it failed.
        """
        reservation = self._ledger.release(job_id=release.job_id, index=release.index)
        if reservation is not None and reservation.state is ReservationState.CAPTURED:
            return reservation.storage_key
        return None
