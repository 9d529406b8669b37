"""Subscription plans: they differ only in how many jobs may run at once."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_PLAN = "free"


@dataclass(frozen=True)
class Plan:
    name: str
    max_active_jobs: int


PLANS: dict[str, Plan] = {
    plan.name: plan
    for plan in (
        Plan("free", max_active_jobs=2),
        Plan("pro", max_active_jobs=10),
        Plan("business", max_active_jobs=50),
    )
}
