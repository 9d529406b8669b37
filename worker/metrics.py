"""Worker observability: one Prometheus endpoint per worker, and log context per activity.

The endpoint (WORKER_METRICS_ADDRESS, e.g. "0.0.0.0:9464"; off when empty) is served by the
Temporal SDK's runtime, so the SDK's own metrics (task slots, poll and schedule-to-start
latencies, activity failures) and ours (images rendered / failed, render time) are scraped
together from `http://<address>/metrics`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from temporalio.common import MetricMeter
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
)

from infra.logging import log_context
from infra.settings import Settings

if TYPE_CHECKING:
    from rendering import CreativeSpec

log = logging.getLogger(__name__)

IMAGES_RENDERED = "creative_images_rendered"
IMAGES_FAILED = "creative_images_failed"
RENDER_SECONDS = "creative_image_render_seconds"
# The large formats take around a second on one core; anything past 30 s is a stuck render.
RENDER_BUCKETS_SECONDS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)

Renderer = Callable[["CreativeSpec"], bytes]


def build_metrics_runtime(address: str) -> Runtime:
    """A Temporal runtime that serves Prometheus metrics at `address` (host:port)."""
    return Runtime(
        telemetry=TelemetryConfig(
            metrics=PrometheusConfig(
                bind_address=address,
                counters_total_suffix=True,
                durations_as_seconds=True,
                histogram_bucket_overrides={RENDER_SECONDS: RENDER_BUCKETS_SECONDS},
            )
        )
    )


def install_metrics_runtime(settings: Settings) -> Runtime:
    """Make the metrics runtime the process default; call before any Temporal client connects."""
    address = settings.worker_metrics_address.strip()
    if address:
        Runtime.set_default(build_metrics_runtime(address))
        log.info("worker metrics at http://%s/metrics", address)
    return Runtime.default()


class RenderMetrics:
    """Images rendered and failed, and render time, labelled by ad format."""

    def __init__(self, meter: MetricMeter) -> None:
        self.rendered = meter.create_counter(IMAGES_RENDERED, "Images rendered", "1")
        self.failed = meter.create_counter(IMAGES_FAILED, "Image renders that raised", "1")
        self.seconds = meter.create_histogram_float(RENDER_SECONDS, "Time to render one image", "s")


def instrument_renderer(render: Renderer, metrics: RenderMetrics) -> Renderer:
    """`render`, counted and timed; failures are counted by exception type and re-raised."""

    def instrumented(spec: CreativeSpec) -> bytes:
        started = time.perf_counter()
        try:
            png = render(spec)
        except Exception as error:
            metrics.failed.add(1, {"format": spec.format_code, "error": type(error).__name__})
            raise
        elapsed = time.perf_counter() - started
        metrics.rendered.add(1, {"format": spec.format_code})
        metrics.seconds.record(elapsed, {"format": spec.format_code})
        log.info(
            "rendered %s in %d ms",
            spec.format_code,
            elapsed * 1000,
            extra={"format": spec.format_code, "renderMs": round(elapsed * 1000)},
        )
        return png

    return instrumented


class LogContextInterceptor(Interceptor):
    """Binds jobId/accountId from an activity's input to every line it logs."""

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _LogContextInbound(next)


class _LogContextInbound(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        job_id = next((a.job_id for a in input.args if hasattr(a, "job_id")), None)
        account_id = next((a.account_id for a in input.args if hasattr(a, "account_id")), None)
        # A sync activity runs in a copy of this context, so the binding reaches its thread.
        with log_context(job_id=job_id, account_id=account_id):
            return await super().execute_activity(input)
