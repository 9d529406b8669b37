"""The customer's web app under /app (server-rendered pages) and the offline Swagger UI."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response

from api.web import auth_routes, docs, generate, keys, pages
from api.web.deps import CsrfRejected, LoginRequired, login_url, render
from api.web.security import PAGE_PREFIXES, LoginThrottle, add_page_headers, content_security_policy
from infra.settings import Settings

STATIC_DIR = Path(__file__).parent / "static"


def install_web_app(app: FastAPI, settings: Settings) -> None:
    """Add the web app's routes, static files, security headers and error pages to `app`."""
    app.state.login_throttle = LoginThrottle()
    policy = content_security_policy(settings)
    for module in (auth_routes, pages, generate, keys, docs):
        app.include_router(module.router)
    app.mount("/app/static", StaticFiles(directory=STATIC_DIR), name="web-static")
    app.add_exception_handler(LoginRequired, _to_login)  # type: ignore[arg-type]
    app.add_exception_handler(CsrfRejected, _csrf_rejected)  # type: ignore[arg-type]

    @app.middleware("http")
    async def page_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        if request.url.path.startswith(PAGE_PREFIXES):
            add_page_headers(request, response, policy)
        return response


async def _to_login(request: Request, error: LoginRequired) -> Response:
    return RedirectResponse(login_url(error.next_path), status_code=303)


async def _csrf_rejected(request: Request, _error: CsrfRejected) -> Response:
    return render(request, "csrf.html", status=403)
