"""The FastAPI application: wiring, lifespan and the problem+json error boundary."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import Engine

from api.body_deadline import BodyReadDeadline
from api.metrics import install_metrics
from api.openapi import camel_case_operation_id, install_openapi
from api.orchestrator import JobOrchestrator
from api.problems import install_problem_handlers
from api.routes import (
    account,
    archive,
    assets,
    brand_kits,
    catalog,
    files,
    fonts,
    generate,
    health,
    job_list,
    jobs,
    keys,
    webhooks,
)
from api.web import install_web_app
from infra.accounts import AccountService
from infra.assets import AssetService
from infra.brand_kits import BrandKitService
from infra.db import create_db_engine
from infra.image_stores import build_image_store
from infra.settings import Settings, load_settings
from infra.storage import ImageStore
from infra.url_guard import Resolver, UrlGuard, system_resolver
from infra.webhooks import WebhookStore

DESCRIPTION = (
    "Turn a marketing claim into finished ad creatives in every standard ad size. "
    "Authenticate with `Authorization: Bearer <API key>`; every error is an RFC 9457 "
    "`application/problem+json` document with a stable `code`."
)


def create_app(
    settings: Settings | None = None,
    *,
    orchestrator: JobOrchestrator | None = None,
    engine: Engine | None = None,
    store: ImageStore | None = None,
    resolver: Resolver = system_resolver,
) -> FastAPI:
    """Build the API; anything not injected is built from the settings at startup."""
    settings = settings or load_settings()
    settings.refuse_open_metrics_in_production()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned_engine = None
        db_engine = engine
        if db_engine is None:
            db_engine = owned_engine = create_db_engine(settings.resolved_database_url)
        app.state.settings = settings
        app.state.engine = db_engine
        app.state.accounts = AccountService(db_engine)
        app.state.store = store if store is not None else build_image_store(settings)
        app.state.webhooks = WebhookStore(db_engine)
        app.state.url_guard = UrlGuard(settings.webhook_url_policy, resolver)
        app.state.assets = AssetService(db_engine, app.state.store)
        app.state.brand_kits = BrandKitService(db_engine, app.state.assets)
        app.state.orchestrator = (
            orchestrator
            if orchestrator is not None
            else await _connect_orchestrator(settings, db_engine)
        )
        try:
            yield
        finally:
            if owned_engine is not None:
                owned_engine.dispose()

    app = FastAPI(
        title="Creative SaaS API",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # the web app serves /docs from vendored Swagger UI files (offline)
        generate_unique_id_function=camel_case_operation_id,
    )
    install_problem_handlers(app)
    install_openapi(app)
    metrics_token = settings.metrics_token.get_secret_value() if settings.metrics_token else ""
    install_metrics(app, metrics_token or None)  # an empty METRICS_TOKEN means no token
    # job_list and archive before jobs, whose GET /jobs/{jobId:path} would match their paths.
    for module in (
        generate,
        job_list,
        archive,
        jobs,
        keys,
        webhooks,
        account,
        catalog,
        fonts,
        assets,
        brand_kits,
        files,
        health,
    ):
        app.include_router(module.router)
    install_web_app(app, settings)
    # No redirect may take its host from the request: a path that differs by a trailing slash
    # is a 404, never a 307 to http://<whatever Host said>/path/.
    app.router.redirect_slashes = False
    app.add_middleware(BodyReadDeadline, seconds=settings.body_read_timeout_seconds)
    return app


async def _connect_orchestrator(settings: Settings, engine: Engine) -> JobOrchestrator:
    """The Temporal-backed orchestrator; it connects lazily, so a down Temporal means 503s."""
    from api.temporal_orchestrator import connect_orchestrator
    from infra.ledger import CreditLedger

    return await connect_orchestrator(settings, CreditLedger(engine), AccountService(engine))
