"""Sign up, log in and log out. Answers never tell whether an address has a user."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from api.web.deps import CheckedForm, MaybeUser, Throttle, Users, render, safe_next
from api.web.security import SESSION_COOKIE, clear_session_cookie, set_session_cookie
from infra.users import EmailTaken, UserInfo, email_problem, normalize_email, password_problem

router = APIRouter(prefix="/app", include_in_schema=False)

WRONG_LOGIN = "That email and password do not match an account."
SIGN_UP_REFUSED = (
    "We could not create an account with these details. "
    "If you already have an account, log in instead."
)


@router.get("")
@router.get("/")
async def home(signed_in: MaybeUser) -> Response:
    """The web app's front door: the dashboard, or the log-in page."""
    return RedirectResponse("/app/dashboard" if signed_in else "/app/login", status_code=303)


@router.get("/signup")
async def signup_page(request: Request, signed_in: MaybeUser) -> Response:
    """The sign-up form."""
    if signed_in is not None:
        return RedirectResponse("/app/dashboard", status_code=303)
    return render(request, "signup.html", {"email": "", "errors": {}})


@router.post("/signup")
async def signup(request: Request, form: CheckedForm, users: Users, throttle: Throttle) -> Response:
    """Create a user in a new free account with the starter credits, and log them in."""
    email = normalize_email(str(form.get("email", "")))
    password = str(form.get("password", ""))
    errors = {
        field: problem
        for field, problem in (
            ("email", email_problem(email)),
            ("password", password_problem(password)),
        )
        if problem
    }
    ip = _client_ip(request)
    if not errors and (wait := throttle.sign_up_retry_after(ip)) is not None:
        errors["form"] = _too_many(wait)
        return render(request, "signup.html", {"email": email, "errors": errors}, status=429)
    if errors:
        return render(request, "signup.html", {"email": email, "errors": errors}, status=400)
    starter = request.app.state.settings.starter_credits
    try:
        user: UserInfo | None = await run_in_threadpool(users.sign_up, email, password, starter)
    except EmailTaken:
        # The owner typing their own password again just gets logged in; anyone else learns
        # nothing they could not learn from a failed log-in, and pays a throttled attempt.
        user = await run_in_threadpool(users.authenticate, email, password)
    else:
        throttle.signed_up(ip)
    if user is None:
        throttle.failed(email, ip)
        errors["form"] = SIGN_UP_REFUSED
        return render(request, "signup.html", {"email": email, "errors": errors}, status=400)
    return await _logged_in(request, users, user.id, "/app/dashboard")


@router.get("/login")
async def login_page(request: Request, signed_in: MaybeUser, next: str | None = None) -> Response:
    """The log-in form."""
    if signed_in is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    context = {"email": "", "errors": {}, "next": safe_next(next)}
    return render(request, "login.html", context)


@router.post("/login")
async def login(request: Request, form: CheckedForm, users: Users, throttle: Throttle) -> Response:
    """Check the password (throttled per account and per IP) and start a fresh session."""
    email = normalize_email(str(form.get("email", "")))
    password = str(form.get("password", ""))
    next_path = safe_next(str(form.get("next", "")))
    context = {"email": email, "next": next_path, "errors": {}}
    ip = _client_ip(request)
    if (wait := throttle.retry_after(email, ip)) is not None:
        context["errors"] = {"form": _too_many(wait)}
        return render(request, "login.html", context, status=429)
    user = await run_in_threadpool(users.authenticate, email, password) if password else None
    if user is None:
        throttle.failed(email, ip)
        context["errors"] = {"form": WRONG_LOGIN}
        return render(request, "login.html", context, status=400)
    throttle.succeeded(email)
    return await _logged_in(request, users, user.id, next_path)


@router.post("/logout")
async def logout(request: Request, _form: CheckedForm, users: Users) -> Response:
    """End this browser's session."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await run_in_threadpool(users.end_session, token)
    response = RedirectResponse("/app/login?logged_out=1", status_code=303)
    clear_session_cookie(request, response)
    return response


async def _logged_in(request: Request, users: Users, user_id: str, next_path: str) -> Response:
    # A new token at every log-in: a session fixed before log-in is worth nothing after it.
    old = request.cookies.get(SESSION_COOKIE)
    token = await run_in_threadpool(users.start_session, user_id, old)
    response = RedirectResponse(next_path, status_code=303)
    set_session_cookie(request, response, token)
    return response


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _too_many(wait_seconds: int) -> str:
    minutes = max(1, -(-wait_seconds // 60))
    plural = "s" if minutes != 1 else ""
    return f"Too many attempts. Try again in {minutes} minute{plural}."
