"""Costs that do not grow with history: a held-credits counter, the sweep's index, a job registry.

- accounts.held_credits, kept by the ledger in the same transactions as the reservations, so the
  account's balance is one row; backfilled here from the credits held right now.
- ix_credit_reservations_state_updated for the sweep's "held since before a cutoff", over the
  held rows only (the credits in flight).
- job_registry: the jobs the API started and whether they ended, for the plan's limit on active
  jobs, and whether a cancel stopped its images from starting; partial index over the open
  rows. Jobs started before this revision are not in it.

Revision ID: 0005_history_counters
Revises: 0004_assets_brand_kits
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_history_counters"
down_revision = "0004_assets_brand_kits"
branch_labels = None
depends_on = None

HELD_NOT_NEGATIVE = "ck_accounts_held_not_negative"


def upgrade() -> None:
    # A column-level CHECK: SQLite adds it with ALTER TABLE (no table rebuild under the foreign
    # keys that point at accounts) and can drop the column again on downgrade.
    op.add_column(
        "accounts",
        sa.Column(
            "held_credits",
            sa.Integer(),
            sa.CheckConstraint("held_credits >= 0", name=HELD_NOT_NEGATIVE),
            nullable=False,
            server_default="0",
        ),
    )
    op.execute(
        "UPDATE accounts SET held_credits = ("
        " SELECT count(*) FROM credit_reservations"
        " WHERE credit_reservations.account_id = accounts.id"
        " AND credit_reservations.state = 'held')"
    )
    op.create_index(
        "ix_credit_reservations_state_updated",
        "credit_reservations",
        ["state", "updated_at"],
        sqlite_where=sa.text("state = 'held'"),
        postgresql_where=sa.text("state = 'held'"),
    )
    op.create_table(
        "job_registry",
        sa.Column("job_id", sa.String(64), primary_key=True),
        sa.Column("account_id", sa.String(40), sa.ForeignKey("accounts.id"), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("canceled_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index(
        "ix_job_registry_active",
        "job_registry",
        ["account_id"],
        sqlite_where=sa.text("ended_at IS NULL"),
        postgresql_where=sa.text("ended_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_job_registry_active", table_name="job_registry")
    op.drop_table("job_registry")
    op.drop_index("ix_credit_reservations_state_updated", table_name="credit_reservations")
    op.drop_column("accounts", "held_credits")
