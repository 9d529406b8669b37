"""The customer's web app under /app (server-rendered pages) and the offline Swagger UI."""

from __future__ import annotations

import inspect
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.web import auth_routes, docs, generate, job_actions, keys, pages
from api.web.deps import CsrfRejected, LoginRequired, login_url, render
from api.web.security import PAGE_PREFIXES, LoginThrottle, content_security_policy, page_headers
from infra.settings import Settings

STATIC_DIR = Path(__file__).parent / "static"


def install_web_app(app: FastAPI, settings: Settings) -> None:
    """Add the web app's routes, static files, security headers and error pages to `app`."""
    app.state.login_throttle = LoginThrottle()
    for module in (auth_routes, pages, job_actions, generate, keys, docs):
        app.include_router(module.router)
    app.mount("/app/static", StaticFiles(directory=STATIC_DIR), name="web-static")
    app.add_exception_handler(LoginRequired, _to_login)  # type: ignore[arg-type]
    app.add_exception_handler(CsrfRejected, _csrf_rejected)  # type: ignore[arg-type]
    api_not_found = app.exception_handlers[StarletteHTTPException]

    async def not_found_page(request: Request, error: Exception) -> Response:
        """A page, not problem+json, for a browser asking for an /app page that does not exist."""
        is_404 = isinstance(error, StarletteHTTPException) and error.status_code == 404
        if is_404 and request.url.path.startswith(PAGE_PREFIXES):
            return render(request, "not_found.html", {"what": "page"}, status=404)
        answered = api_not_found(request, error)
        return await answered if inspect.isawaitable(answered) else answered

    app.add_exception_handler(StarletteHTTPException, not_found_page)
    app.add_middleware(PageHeaders, policy=content_security_policy(settings))


class PageHeaders:
    """Security headers (and a newly minted CSRF cookie) on /app responses; the JSON API and
    image downloads pass straight through, untouched and unbuffered."""

    def __init__(self, app: ASGIApp, policy: str) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PAGE_PREFIXES):
            await self.app(scope, receive, send)
            return
        request = Request(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in page_headers(request, self.policy):
                    headers.append(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _to_login(request: Request, error: LoginRequired) -> Response:
    if request.headers.get("HX-Request") == "true":
        # A polled fragment whose session ended: move the whole page, not the fragment, to login.
        page = request.headers.get("HX-Current-URL", "")
        path = page.split("://", 1)[-1].partition("/")[2]
        return Response(status_code=204, headers={"HX-Redirect": login_url(f"/{path}")})
    return RedirectResponse(login_url(error.next_path), status_code=303)


async def _csrf_rejected(request: Request, _error: CsrfRejected) -> Response:
    return render(request, "csrf.html", status=403)
