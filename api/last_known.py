"""A job's last known state, rebuilt from the credit ledger when its workflow cannot answer."""

from __future__ import annotations

from domain.jobs import ImageFailure, ImageProduced, JobStatus, JobView, final_status
from infra.ledger import Reservation, ReservationState


def view_from_ledger(
    job_id: str, formats: list[str], reservations: list[Reservation], *, ended: bool
) -> JobView:
    """What the ledger proves: captured images exist, released ones failed, held ones started.

    `ended` marks a workflow that closed without a result (terminated, timed out): its
    unfinished images will never finish, so they count as failed.
    """
    view = JobView(job_id=job_id, status=JobStatus.QUEUED, requested=len(formats))
    for reservation in reservations:
        image_format = formats[reservation.index - 1]
        if reservation.state is ReservationState.CAPTURED and reservation.storage_key:
            view.produced.append(
                ImageProduced(reservation.index, image_format, reservation.storage_key)
            )
        elif reservation.state is ReservationState.RELEASED:
            view.failures.append(
                ImageFailure(
                    reservation.index, image_format, "image_failed", "the image was not produced"
                )
            )
        else:
            view.started += 1
    if ended:
        finished = {image.index for image in view.produced} | {f.index for f in view.failures}
        for index, image_format in enumerate(formats, start=1):
            if index not in finished:
                view.failures.append(
                    ImageFailure(index, image_format, "job_ended", "the job stopped before this")
                )
        view.failures.sort(key=lambda failure: failure.index)
        view.status = final_status(len(view.produced), len(view.failures))
    elif reservations:
        view.status = JobStatus.PROCESSING
    return view
