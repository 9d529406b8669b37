"""One way to reach Temporal: the same data converter for client, worker and replayer."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.converter import DataConverter, default

from infra.settings import Settings

DATA_CONVERTER: DataConverter = default()


async def connect_client(settings: Settings, *, lazy: bool = False) -> Client:
    """A client for the configured namespace; `lazy` defers connecting to the first call."""
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=DATA_CONVERTER,
        lazy=lazy,
    )
