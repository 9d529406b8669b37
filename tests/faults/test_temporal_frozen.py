"""Temporal frozen (SIGSTOP: connections stay open, nothing answers): a POST is refused with 503
and Retry-After within the API's own call bound, not after the SDK's 5 s; polls answer as they
do when Temporal is down; after a thaw, the same Idempotency-Key starts the job.

No wall-clock goal is asserted: the answer must come before the old 5 s timeout could have fired,
against the configured bound plus a generous margin for a busy machine.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import sqlalchemy

from api.temporal_orchestrator import RPC_TIMEOUT
from infra.accounts import AccountService
from infra.ledger import CreditLedger
from infra.settings import Settings
from infra.storage import LocalImageStore
from tests.faults.conftest import SIGNING_SECRET
from tests.faults.harness import CLAIM
from tests.faults.temporal_server import PersistentTemporalServer
from tests.faults.test_temporal_faults import api_process

CREDITS = 5
# The product's default bound (TEMPORAL_CALL_TIMEOUT_SECONDS), not one set for the test.
CALL_TIMEOUT_SECONDS: float = Settings.model_fields["temporal_call_timeout_seconds"].default
# Scheduling noise on a loaded 2-core machine; still well under RPC_TIMEOUT (5 s).
MARGIN_SECONDS = 2.5


async def test_a_post_while_temporal_is_frozen_is_refused_fast_and_charges_nothing(
    tmp_path: Path,
    sqlite_engine: sqlalchemy.Engine,
    image_store: LocalImageStore,
    funded_account: Callable[[int], str],
):
    assert RPC_TIMEOUT.total_seconds() > CALL_TIMEOUT_SECONDS + MARGIN_SECONDS
    account = funded_account(CREDITS)
    _, api_key = AccountService(sqlite_engine).create_key(account)
    bearer = {"Authorization": f"Bearer {api_key}"}
    body = {"claim": CLAIM, "count": 2}
    async with PersistentTemporalServer(tmp_path / "temporal") as server:
        settings = Settings(
            data_dir=tmp_path,
            database_url=str(sqlite_engine.url),
            storage_dir=image_store.root,
            url_signing_secret=SIGNING_SECRET.decode(),
            temporal_address=server.address,
        )
        async with api_process(settings) as http:
            warm = await http.get(
                "/api/v1/jobs/0b9f1c2e-4a8d-4f3b-9c6e-2d7a1b5e8f90", headers=bearer
            )
            assert warm.status_code == 404  # connected: the freeze hits a live connection
            server.freeze()
            try:
                answers = []
                for headers in ({**bearer, "Idempotency-Key": "frozen-1"}, bearer):
                    started = time.monotonic()
                    refused = await http.post("/api/v1/generate", json=body, headers=headers)
                    answers.append((refused, time.monotonic() - started))
                started = time.monotonic()
                poll = await http.get(
                    "/api/v1/jobs/0b9f1c2e-4a8d-4f3b-9c6e-2d7a1b5e8f90", headers=bearer
                )
                poll_seconds = time.monotonic() - started
            finally:
                server.thaw()
            retried = await http.post(
                "/api/v1/generate", json=body, headers={**bearer, "Idempotency-Key": "frozen-1"}
            )

    for refused, seconds in answers:
        assert refused.status_code == 503, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["code"] == "service_unavailable"
        assert int(refused.headers["retry-after"]) >= 1
        assert seconds < CALL_TIMEOUT_SECONDS + MARGIN_SECONDS, seconds
    assert poll.status_code == 503 and "retry-after" in poll.headers  # as when Temporal is down
    assert poll_seconds < CALL_TIMEOUT_SECONDS + MARGIN_SECONDS, poll_seconds
    summary = CreditLedger(sqlite_engine).summary(account)
    assert (summary.available, summary.held, summary.consumed) == (CREDITS, 0, 0)
    # The refused key was not used up: after the thaw it starts the job.
    assert retried.status_code == 202, retried.text
    assert "Idempotent-Replayed" not in retried.headers
