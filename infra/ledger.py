"""The credit ledger: one credit per image, reserved when it starts, captured or released after.

    grant ──> available ──reserve──> held ──capture──> consumed
                  ^                   │
                  └─────release───────┘

Every step is keyed by (job_id, index), never by attempt, so retries are free. The account row
counts granted, available and held credits, moved in the same transaction as the reservation
they follow, so the invariant granted == available + held + consumed holds after every committed
transaction with consumed = granted - available - held, and reading a balance is one row however
long the account's history. `recount` checks the counters against the reservations themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy
from sqlalchemy import Connection, Engine, ScalarSelect, func, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from domain.errors import InsufficientCredits, NotFound
from infra.db import read_only
from infra.models import Account, CreditGrant, CreditReservation, JobRecord, as_utc, utc_now


class JobCanceled(Exception):
    """The job was canceled before this image reserved its credit: the image never starts."""


class ReservationState(StrEnum):
    HELD = "held"
    CAPTURED = "captured"
    RELEASED = "released"


@dataclass(frozen=True)
class Reservation:
    job_id: str
    index: int
    account_id: str
    state: ReservationState
    storage_key: str | None


@dataclass(frozen=True)
class JobProgress:
    """What the ledger shows of one job: images that reserved a credit, images captured."""

    reserved: int  # in any state: an image that reserved has started
    captured: int  # produced


@dataclass(frozen=True)
class CreditSummary:
    granted: int
    available: int
    held: int
    consumed: int


class CreditLedger:
    """Moves credits between available, held and consumed; safe under concurrent writers."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._reader = read_only(engine)

    @property
    def engine(self) -> Engine:
        """The database this ledger keeps (the job registry lives beside it)."""
        return self._engine

    def _session(self) -> Session:
        return Session(self._engine, expire_on_commit=False)

    def _read_session(self) -> Session:
        return Session(self._reader, expire_on_commit=False)

    def _insert(self, table: type[CreditReservation]) -> Any:
        is_postgres = self._engine.dialect.name == "postgresql"
        return (postgresql_insert if is_postgres else sqlite_insert)(table)

    def grant(self, account_id: str, credits: int, reason: str = "grant") -> CreditSummary:
        """Add credits to an account and record the grant."""
        if credits <= 0:
            raise ValueError("credits to grant must be positive")
        # Conditional statements report success through RETURNING rather than rowcount: under
        # SQLAlchemy 2.1 + psycopg an INSERT ... ON CONFLICT reports rowcount -1 (= "changed").
        with self._session() as session:
            granted = session.execute(
                update(Account)
                .where(col(Account.id) == account_id)
                .values(
                    available_credits=col(Account.available_credits) + credits,
                    granted_credits=col(Account.granted_credits) + credits,
                )
                .returning(col(Account.id))
                .execution_options(synchronize_session=False)
            ).first()
            if granted is None:
                raise NotFound(f"unknown account {account_id}")
            session.add(
                CreditGrant(
                    account_id=account_id, credits=credits, reason=reason, created_at=utc_now()
                )
            )
            session.commit()
        return self.summary(account_id)

    def reserve(self, *, job_id: str, account_id: str, index: int) -> Reservation:
        """Hold one credit for image `index` of `job_id`; a repeated call returns the first hold."""
        # Plain Core statements on one connection: this runs once per image, and the ORM's
        # identity map and unit of work cost more CPU than rendering a small image.
        with self._engine.begin() as connection:
            # The row goes in before the debit: a concurrent reserve of the same image waits on
            # this insert (ON CONFLICT DO NOTHING) and then finds our row instead of a credit.
            now = utc_now()
            try:
                inserted = connection.execute(
                    self._insert(CreditReservation)
                    .values(
                        job_id=job_id,
                        image_index=index,
                        account_id=account_id,
                        state=ReservationState.HELD.value,
                        created_at=now,
                        updated_at=now,
                    )
                    .on_conflict_do_nothing()
                    .returning(col(CreditReservation.job_id))
                ).first()
            except IntegrityError as error:  # the account's foreign key
                raise NotFound(f"unknown account {account_id}") from error
            if inserted is None:
                existing = _select_reservation(connection, job_id, index)
                assert existing is not None  # the conflict was on this very row
                return existing
            if _canceled(connection, job_id):  # raising rolls the insert back
                raise JobCanceled(f"job {job_id} was canceled before image {index} started")
            debited = connection.execute(
                update(Account)
                .where(col(Account.id) == account_id)
                .where(col(Account.available_credits) >= 1)
                .values(
                    available_credits=col(Account.available_credits) - 1,
                    held_credits=col(Account.held_credits) + 1,
                )
                .returning(col(Account.available_credits))
            ).first()
            if debited is None:  # leaving the block by raising rolls the insert back
                raise InsufficientCredits("no credits left on this account")
        return Reservation(job_id, index, account_id, ReservationState.HELD, None)

    def capture(self, *, job_id: str, index: int, storage_key: str) -> Reservation:
        """Consume a held credit for a stored image; captured or released ones stay as they are."""
        return self._transition(
            job_id, index, ReservationState.CAPTURED, {"storage_key": storage_key}
        )

    def release(self, *, job_id: str, index: int) -> Reservation | None:
        """Give a held credit back; captured or released ones stay as they are."""
        try:
            return self._transition(job_id, index, ReservationState.RELEASED, {})
        except NotFound:
            return None

    def _transition(
        self, job_id: str, index: int, target: ReservationState, values: dict[str, object]
    ) -> Reservation:
        with self._engine.begin() as connection:
            moved = connection.execute(
                update(CreditReservation)
                .where(col(CreditReservation.job_id) == job_id)
                .where(col(CreditReservation.image_index) == index)
                .where(col(CreditReservation.state) == ReservationState.HELD.value)
                .values(state=target.value, updated_at=utc_now(), **values)
                .returning(*_RESERVATION_COLUMNS)
            ).first()
            if moved is None:  # already captured or released (or never reserved): as it is
                found = _select_reservation(connection, job_id, index)
                if found is None:
                    raise NotFound(f"no credit reserved for image {index} of job {job_id}")
                return found
            # Captured: the held credit is consumed; released: it is available again.
            returned = 1 if target is ReservationState.RELEASED else 0
            connection.execute(
                update(Account)
                .where(col(Account.id) == moved.account_id)
                .values(
                    available_credits=col(Account.available_credits) + returned,
                    held_credits=col(Account.held_credits) - 1,
                )
            )
        return _reservation_of(moved)

    def available(self, account_id: str) -> int:
        """Credits the account can still spend: one row, however many images it has made."""
        with self._read_session() as session:
            credits = session.exec(
                select(col(Account.available_credits)).where(col(Account.id) == account_id)
            ).first()
        if credits is None:
            raise NotFound(f"unknown account {account_id}")
        return credits

    def summary(self, account_id: str) -> CreditSummary:
        """Granted, available, held and consumed credits: the account row's counters."""
        query = sqlalchemy.select(
            col(Account.granted_credits), col(Account.available_credits), col(Account.held_credits)
        ).where(col(Account.id) == account_id)
        with self._reader.connect() as connection:
            row = connection.execute(query).first()
        if row is None:
            raise NotFound(f"unknown account {account_id}")
        granted, available, held = row
        return CreditSummary(
            granted=granted, available=available, held=held, consumed=granted - available - held
        )

    def recount(self, account_id: str) -> CreditSummary:
        """The balance counted from the reservations (slow: every image the account made).

        An audit of the counters `summary` reads: both agree while every move goes through this
        ledger.
        """

        def count(state: ReservationState) -> ScalarSelect[int]:
            return (
                select(func.count())
                .select_from(CreditReservation)
                .where(col(CreditReservation.account_id) == account_id)
                .where(col(CreditReservation.state) == state.value)
                .scalar_subquery()
            )

        query = select(
            col(Account.granted_credits),
            col(Account.available_credits),
            count(ReservationState.HELD),
            count(ReservationState.CAPTURED),
        ).where(col(Account.id) == account_id)
        with self._read_session() as session:
            row = session.exec(query).first()
        if row is None:
            raise NotFound(f"unknown account {account_id}")
        granted, available, held, consumed = row
        return CreditSummary(granted=granted, available=available, held=held, consumed=consumed)

    def job_reservations(self, job_id: str) -> list[Reservation]:
        """Every reservation of a job, ordered by image index."""
        query = (
            select(CreditReservation)
            .where(CreditReservation.job_id == job_id)
            .order_by(col(CreditReservation.image_index))
        )
        with self._read_session() as session:
            return [_reservation(row) for row in session.exec(query)]

    def captured_counts(self, job_ids: Sequence[str]) -> dict[str, int]:
        """Captured credits (= produced images) of each job, in one query; absent jobs: 0."""
        if not job_ids:
            return {}
        query = (
            sqlalchemy.select(col(CreditReservation.job_id), func.count())
            .where(col(CreditReservation.job_id).in_(list(job_ids)))
            .where(col(CreditReservation.state) == ReservationState.CAPTURED.value)
            .group_by(col(CreditReservation.job_id))
        )
        with self._reader.connect() as connection:
            counts = {job_id: count for job_id, count in connection.execute(query)}
        return {job_id: counts.get(job_id, 0) for job_id in job_ids}

    def job_progress(self, job_ids: Sequence[str]) -> dict[str, JobProgress]:
        """Reserved and captured images of each job, in one query; absent jobs: nothing yet."""
        if not job_ids:
            return {}
        captured = ReservationState.CAPTURED.value
        query = (
            sqlalchemy.select(
                col(CreditReservation.job_id),
                func.count(),
                func.count(sqlalchemy.case((col(CreditReservation.state) == captured, 1))),
            )
            .where(col(CreditReservation.job_id).in_(list(job_ids)))
            .group_by(col(CreditReservation.job_id))
        )
        with self._reader.connect() as connection:
            rows = {
                job_id: JobProgress(reserved, done)
                for job_id, reserved, done in connection.execute(query)
            }
        return {job_id: rows.get(job_id, JobProgress(0, 0)) for job_id in job_ids}

    def held_before(self, cutoff: datetime) -> list[Reservation]:
        """Credits still held that nothing has moved since `cutoff`, ordered by job and image."""
        # The state inline, not a parameter: the partial index over held rows only matches
        # a literal (SQLite's planner; PostgreSQL's generic plans of prepared statements).
        held = sqlalchemy.literal(ReservationState.HELD.value, literal_execute=True)
        query = (
            select(CreditReservation)
            .where(col(CreditReservation.state) == held)
            .where(col(CreditReservation.updated_at) < as_utc(cutoff))
            .order_by(col(CreditReservation.job_id), col(CreditReservation.image_index))
        )
        with self._read_session() as session:
            return [_reservation(row) for row in session.exec(query)]


_RESERVATION_COLUMNS = (
    col(CreditReservation.job_id),
    col(CreditReservation.image_index),
    col(CreditReservation.account_id),
    col(CreditReservation.state),
    col(CreditReservation.storage_key),
)


def _canceled(connection: Connection, job_id: str) -> bool:
    """Whether a cancel stopped the job's images from starting (see JobRegistry)."""
    canceled_at = connection.execute(
        sqlalchemy.select(col(JobRecord.canceled_at)).where(col(JobRecord.job_id) == job_id)
    ).scalar()
    return canceled_at is not None


def _select_reservation(connection: Connection, job_id: str, index: int) -> Reservation | None:
    row = connection.execute(
        sqlalchemy.select(*_RESERVATION_COLUMNS)
        .where(col(CreditReservation.job_id) == job_id)
        .where(col(CreditReservation.image_index) == index)
    ).first()
    return None if row is None else _reservation_of(row)


def _reservation_of(row: Sequence[Any]) -> Reservation:
    job_id, index, account_id, state, storage_key = row
    return Reservation(job_id, index, account_id, ReservationState(state), storage_key)


def _reservation(row: CreditReservation) -> Reservation:
    return Reservation(
        job_id=row.job_id,
        index=row.image_index,
        account_id=row.account_id,
        state=ReservationState(row.state),
        storage_key=row.storage_key,
    )
