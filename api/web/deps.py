"""What every web page needs: the signed-in user, CSRF-checked forms and one render helper."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from api.web.security import (
    CSRF_COOKIE,
    CSRF_FIELD,
    SESSION_COOKIE,
    CsrfTokens,
    LoginThrottle,
    csrf_cookie_value,
)
from infra.users import SignedIn, UserService

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
LOGIN_PATH = "/app/login"


class LoginRequired(Exception):
    """A protected page without a live session: answered with a redirect to the log-in page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class CsrfRejected(Exception):
    """A form posted without this browser's CSRF token."""


def get_users(request: Request) -> UserService:
    """The app's UserService, built on first use over the app's database."""
    users: UserService | None = getattr(request.app.state, "users", None)
    if users is None:
        users = request.app.state.users = UserService(request.app.state.engine)
    return users


def get_throttle(request: Request) -> LoginThrottle:
    throttle: LoginThrottle = request.app.state.login_throttle
    return throttle


def get_csrf(request: Request) -> CsrfTokens:
    tokens: CsrfTokens | None = getattr(request.app.state, "csrf_tokens", None)
    if tokens is None:
        tokens = request.app.state.csrf_tokens = CsrfTokens(
            request.app.state.settings.signing_secret
        )
    return tokens


async def optional_user(request: Request) -> SignedIn | None:
    """The signed-in user of this browser, if any."""
    users = get_users(request)
    signed_in = await run_in_threadpool(users.signed_in, request.cookies.get(SESSION_COOKIE))
    request.state.signed_in = signed_in
    if signed_in is not None:
        request.state.account_id = signed_in.account.id  # for the access log line
    return signed_in


async def required_user(
    request: Request, signed_in: Annotated[SignedIn | None, Depends(optional_user)]
) -> SignedIn:
    """The signed-in user; anyone else is sent to the log-in page and brought back after."""
    if signed_in is None:
        raise LoginRequired(request.url.path)
    return signed_in


async def checked_form(request: Request) -> FormData:
    """The posted form, once its CSRF token matches this browser's cookie."""
    form = await request.form()
    if not get_csrf(request).valid(request.cookies.get(CSRF_COOKIE), form.get(CSRF_FIELD)):
        raise CsrfRejected()
    return form


def login_url(next_path: str) -> str:
    return f"{LOGIN_PATH}?next={quote(next_path, safe='/')}"


def safe_next(path: str | None) -> str:
    """Where to go after log-in: only our own pages, never another site."""
    if path and path.startswith("/app/") and not path.startswith("/app//") and "\\" not in path:
        return path
    return "/app/dashboard"


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status: int = 200
) -> Response:
    """A page with the signed-in user and a CSRF token for its forms."""
    page = {
        "signed_in": getattr(request.state, "signed_in", None),
        "csrf_token": get_csrf(request).token_for(csrf_cookie_value(request)),
        "path": request.url.path,
        **(context or {}),
    }
    return TEMPLATES.TemplateResponse(request, template, page, status_code=status)


Users = Annotated[UserService, Depends(get_users)]
Throttle = Annotated[LoginThrottle, Depends(get_throttle)]
CurrentUser = Annotated[SignedIn, Depends(required_user)]
MaybeUser = Annotated[SignedIn | None, Depends(optional_user)]
CheckedForm = Annotated[FormData, Depends(checked_form)]
