"""The jobs started from the web app, so its pages can list them with their claims.

Temporal knows every job, but not cheaply by account with its claim; this small record does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from infra.db import read_only
from infra.models import as_utc, utc_now
from infra.web_models import WebJob


@dataclass(frozen=True)
class WebJobInfo:
    job_id: str
    claim: str
    language: str
    count: int
    created_at: datetime


class WebJobLog:
    """Records and lists an account's web-started jobs."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utc_now) -> None:
        self._engine = engine
        self._reader = read_only(engine)
        self._clock = lambda: as_utc(clock())

    def _session(self) -> Session:
        return Session(self._engine, expire_on_commit=False)

    def record(
        self, *, job_id: str, user_id: str, account_id: str, claim: str, language: str, count: int
    ) -> None:
        """Remember a job started from the web app (a replayed submission changes nothing)."""
        with self._session() as session:
            if session.get(WebJob, job_id) is not None:
                return
            session.add(
                WebJob(
                    job_id=job_id,
                    account_id=account_id,
                    user_id=user_id,
                    claim=claim,
                    language=language,
                    count=count,
                    created_at=self._clock(),
                )
            )
            session.commit()

    def recent(self, account_id: str, limit: int) -> list[WebJobInfo]:
        """The account's web-started jobs, newest first."""
        query = (
            select(WebJob)
            .where(WebJob.account_id == account_id)
            .order_by(col(WebJob.created_at).desc(), col(WebJob.job_id))
            .limit(limit)
        )
        with Session(self._reader, expire_on_commit=False) as session:
            return [
                WebJobInfo(job.job_id, job.claim, job.language, job.count, as_utc(job.created_at))
                for job in session.exec(query)
            ]
