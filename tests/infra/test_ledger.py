from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pytest
import sqlalchemy

from domain.errors import InsufficientCredits, NotFound
from infra.accounts import AccountInfo
from infra.db import create_db_engine
from infra.ledger import CreditLedger, CreditSummary, JobProgress, Reservation, ReservationState

Funded = Callable[..., AccountInfo]


def assert_balanced(summary: CreditSummary) -> None:
    assert summary.granted == summary.available + summary.held + summary.consumed
    assert summary.available >= 0


def test_grant_adds_credits_and_validates(ledger: CreditLedger, funded_account: Funded) -> None:
    account = funded_account(credits=0)
    assert ledger.summary(account.id) == CreditSummary(granted=0, available=0, held=0, consumed=0)

    assert ledger.grant(account.id, 5).available == 5
    assert ledger.grant(account.id, 3, reason="promo") == CreditSummary(8, 8, 0, 0)
    with pytest.raises(ValueError):
        ledger.grant(account.id, 0)
    with pytest.raises(NotFound):
        ledger.grant("acct_missing", 5)
    with pytest.raises(NotFound):
        ledger.summary("acct_missing")


def test_reserve_capture_lifecycle(ledger: CreditLedger, funded_account: Funded) -> None:
    account = funded_account(credits=3)

    held = ledger.reserve(job_id="job-1", account_id=account.id, index=1)
    assert held == Reservation("job-1", 1, account.id, ReservationState.HELD, None)
    assert ledger.summary(account.id) == CreditSummary(granted=3, available=2, held=1, consumed=0)

    captured = ledger.capture(job_id="job-1", index=1, storage_key="jobs/job-1/image_1.png")
    assert captured.state is ReservationState.CAPTURED
    assert captured.storage_key == "jobs/job-1/image_1.png"
    assert ledger.summary(account.id) == CreditSummary(granted=3, available=2, held=0, consumed=1)


def test_available_follows_every_move(ledger: CreditLedger, funded_account: Funded) -> None:
    account = funded_account(credits=3)
    ledger.reserve(job_id="job-1", account_id=account.id, index=1)
    ledger.reserve(job_id="job-1", account_id=account.id, index=2)
    ledger.capture(job_id="job-1", index=1, storage_key="k")
    assert ledger.available(account.id) == 1

    ledger.release(job_id="job-1", index=2)
    assert ledger.available(account.id) == 2 == ledger.summary(account.id).available
    with pytest.raises(NotFound):
        ledger.available("acct_missing")


def test_retries_never_charge_twice(ledger: CreditLedger, funded_account: Funded) -> None:
    account = funded_account(credits=2)

    first = ledger.reserve(job_id="job-1", account_id=account.id, index=1)
    assert ledger.reserve(job_id="job-1", account_id=account.id, index=1) == first
    ledger.capture(job_id="job-1", index=1, storage_key="a.png")
    again = ledger.capture(job_id="job-1", index=1, storage_key="other.png")
    assert again.storage_key == "a.png", "a second capture leaves the first one untouched"
    assert ledger.reserve(job_id="job-1", account_id=account.id, index=1) == again
    assert ledger.release(job_id="job-1", index=1) == again, "a captured credit stays spent"
    assert ledger.summary(account.id) == CreditSummary(granted=2, available=1, held=0, consumed=1)


def test_existing_reservation_is_returned_even_without_credit(
    ledger: CreditLedger, funded_account: Funded
) -> None:
    account = funded_account(credits=1)
    held = ledger.reserve(job_id="job-1", account_id=account.id, index=1)
    assert ledger.reserve(job_id="job-1", account_id=account.id, index=1) == held
    with pytest.raises(InsufficientCredits):
        ledger.reserve(job_id="job-1", account_id=account.id, index=2)


def test_release_returns_the_credit_once(ledger: CreditLedger, funded_account: Funded) -> None:
    account = funded_account(credits=1)
    ledger.reserve(job_id="job-1", account_id=account.id, index=1)

    released = ledger.release(job_id="job-1", index=1)
    assert released is not None and released.state is ReservationState.RELEASED
    assert ledger.release(job_id="job-1", index=1) == released
    assert ledger.summary(account.id) == CreditSummary(granted=1, available=1, held=0, consumed=0)
    assert ledger.release(job_id="job-unknown", index=1) is None


def test_capture_after_release_does_not_resurrect(
    ledger: CreditLedger, funded_account: Funded
) -> None:
    account = funded_account(credits=1)
    ledger.reserve(job_id="job-1", account_id=account.id, index=1)
    ledger.release(job_id="job-1", index=1)

    zombie = ledger.capture(job_id="job-1", index=1, storage_key="late.png")
    assert zombie.state is ReservationState.RELEASED and zombie.storage_key is None
    assert ledger.reserve(job_id="job-1", account_id=account.id, index=1) == zombie
    assert ledger.summary(account.id) == CreditSummary(granted=1, available=1, held=0, consumed=0)


def test_capture_without_reservation_is_not_found(ledger: CreditLedger) -> None:
    with pytest.raises(NotFound):
        ledger.capture(job_id="job-unknown", index=1, storage_key="x.png")


def test_reserve_for_unknown_account(ledger: CreditLedger) -> None:
    with pytest.raises(NotFound):
        ledger.reserve(job_id="job-1", account_id="acct_missing", index=1)


def test_out_of_credit_raises_and_charges_nothing(
    ledger: CreditLedger, funded_account: Funded
) -> None:
    account = funded_account(credits=0)
    with pytest.raises(InsufficientCredits):
        ledger.reserve(job_id="job-1", account_id=account.id, index=1)
    assert ledger.job_reservations("job-1") == []
    assert ledger.summary(account.id) == CreditSummary(0, 0, 0, 0)


def test_job_reservations_in_index_order(ledger: CreditLedger, funded_account: Funded) -> None:
    account = funded_account(credits=5)
    for index in (3, 1, 2):
        ledger.reserve(job_id="job-1", account_id=account.id, index=index)
    ledger.reserve(job_id="job-2", account_id=account.id, index=1)
    ledger.capture(job_id="job-1", index=2, storage_key="2.png")
    ledger.release(job_id="job-1", index=3)

    states = [(r.index, r.state) for r in ledger.job_reservations("job-1")]
    assert states == [
        (1, ReservationState.HELD),
        (2, ReservationState.CAPTURED),
        (3, ReservationState.RELEASED),
    ]
    assert ledger.job_reservations("job-unknown") == []


def test_captured_counts_are_each_jobs_produced_images(
    ledger: CreditLedger, funded_account: Funded
) -> None:
    account = funded_account(credits=6)
    for job_id, index in (("job-1", 1), ("job-1", 2), ("job-1", 3), ("job-2", 1), ("job-2", 2)):
        ledger.reserve(job_id=job_id, account_id=account.id, index=index)
    ledger.capture(job_id="job-1", index=1, storage_key="1.png")
    ledger.capture(job_id="job-1", index=3, storage_key="3.png")
    ledger.release(job_id="job-1", index=2)  # failed: not produced
    ledger.capture(job_id="job-2", index=2, storage_key="2.png")  # job-2 image 1 still held

    counts = ledger.captured_counts(["job-2", "job-1", "job-unknown"])

    assert counts == {"job-2": 1, "job-1": 2, "job-unknown": 0}
    assert ledger.captured_counts([]) == {}


def test_job_progress_tells_a_started_job_from_a_queued_one(
    ledger: CreditLedger, funded_account: Funded
) -> None:
    account = funded_account(credits=4)
    for index in (1, 2, 3):
        ledger.reserve(job_id="job-1", account_id=account.id, index=index)
    ledger.capture(job_id="job-1", index=1, storage_key="1.png")
    ledger.release(job_id="job-1", index=2)

    progress = ledger.job_progress(["job-1", "job-queued"])

    assert progress == {"job-1": JobProgress(3, 1), "job-queued": JobProgress(0, 0)}
    assert ledger.job_progress([]) == {}


def test_racing_reservations_never_overdraw(ledger: CreditLedger, funded_account: Funded) -> None:
    account = funded_account(credits=10)

    def reserve(index: int) -> bool:
        try:
            ledger.reserve(job_id=f"job-{index % 4}", account_id=account.id, index=index)
        except InsufficientCredits:
            return False
        return True

    with ThreadPoolExecutor(max_workers=40) as pool:
        outcomes = list(pool.map(reserve, range(40)))

    assert outcomes.count(True) == 10
    summary = ledger.summary(account.id)
    assert_balanced(summary)
    assert summary == CreditSummary(granted=10, available=0, held=10, consumed=0)


def test_racing_retries_of_one_image_charge_once(
    ledger: CreditLedger, funded_account: Funded
) -> None:
    account = funded_account(credits=5)

    def reserve(_: int) -> Reservation:
        return ledger.reserve(job_id="job-1", account_id=account.id, index=1)

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = set(pool.map(reserve, range(20)))

    assert len(results) == 1
    assert ledger.summary(account.id) == CreditSummary(granted=5, available=4, held=1, consumed=0)


def test_racing_capture_and_release_settle_on_one(
    ledger: CreditLedger, funded_account: Funded
) -> None:
    account = funded_account(credits=20)
    for index in range(20):
        ledger.reserve(job_id="job-1", account_id=account.id, index=index)

    def settle(task: tuple[int, bool]) -> None:
        index, capture = task
        if capture:
            ledger.capture(job_id="job-1", index=index, storage_key=f"{index}.png")
        else:
            ledger.release(job_id="job-1", index=index)

    tasks = [(index, capture) for index in range(20) for capture in (True, False)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(settle, tasks))

    summary = ledger.summary(account.id)
    assert_balanced(summary)
    assert summary.held == 0 and summary.granted == 20
    states = [r.state for r in ledger.job_reservations("job-1")]
    assert states.count(ReservationState.CAPTURED) == summary.consumed


def reserve_in_own_process(url: str, account_id: str, job_id: str, images: int) -> int:
    """Runs in a child process with its own engine; returns how many reservations succeeded."""
    engine = create_db_engine(url)
    ledger = CreditLedger(engine)
    reserved = 0
    for index in range(images):
        try:
            ledger.reserve(job_id=job_id, account_id=account_id, index=index)
            reserved += 1
        except InsufficientCredits:
            pass
    engine.dispose()
    return reserved


def test_racing_processes_never_overdraw(
    engine: sqlalchemy.Engine, ledger: CreditLedger, funded_account: Funded
) -> None:
    account = funded_account(credits=15)
    url = engine.url.render_as_string(hide_password=False)
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=4, mp_context=spawn) as pool:
        jobs = [
            pool.submit(reserve_in_own_process, url, account.id, f"job-{n}", 10) for n in range(4)
        ]
        reserved = sum(job.result() for job in jobs)

    assert reserved == 15
    assert ledger.summary(account.id) == CreditSummary(granted=15, available=0, held=15, consumed=0)
