"""A table of malformed requests: each gets its documented problem, and nothing is spent.

Every row must answer with its status and `code` as `application/problem+json`, leave the
caller's balance as it was and never reach the orchestrator. Rows with `raw=True` go to the
app as bytes on the wire (an HTTP client would resolve `../` before sending).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from urllib.parse import unquote, urlencode

import httpx
import pytest
import sqlalchemy
from fastapi import FastAPI

from api.app import create_app
from infra.accounts import AccountService
from infra.ledger import CreditLedger
from infra.settings import Settings
from infra.signing import UrlSigner
from infra.storage import LocalImageStore
from tests.api.conftest import SECRET, TTL_SECONDS, Caller
from tests.api.fakes import FakeOrchestrator

KEY = "{key}"  # replaced by the caller's valid API key
AUTH = {"Authorization": f"Bearer {KEY}"}
JSON = {**AUTH, "Content-Type": "application/json"}
GENERATE = "/api/v1/generate"
JOB = "/api/v1/jobs/"
IMAGE = "acct_corpus/0b9f1c2e-4a8d-4f3b-9c6e-2d7a1b5e8f90/image_1.png"
TRAVERSAL = "../../etc/passwd"


def signed(path: str, clock: float | None = None) -> str:
    """A query string signed with the app's secret (at `clock`, to make an expired one)."""
    signer = UrlSigner(SECRET, TTL_SECONDS, **({"clock": lambda: clock} if clock else {}))
    return urlencode(signer.sign(path))


def claim(**fields: object) -> bytes:
    return json.dumps({"claim": "Best protein supplements", **fields}).encode()


@dataclass(frozen=True)
class Bad:
    id: str
    method: str
    path: str
    headers: dict[str, str] | list[tuple[str, str | bytes]] = field(default_factory=dict)
    body: bytes | None = None
    status: int = 400
    code: str = "invalid_request"
    raw: bool = False


def generate(id: str, body: bytes, status: int = 400, code: str = "invalid_request") -> Bad:
    return Bad(id, "POST", GENERATE, JSON, body, status, code)


CORPUS = [
    # -- the body is not a JSON object --------------------------------------------------
    generate("json-truncated", b'{"claim": "Hi"'),
    generate("json-trailing-comma", b'{"claim": "Hi",}'),
    generate("json-single-quotes", b"{'claim': 'Hi'}"),
    generate("json-empty-body", b""),
    generate("json-array", b'[{"claim": "Hi"}]'),
    generate("json-string", b'"Best protein supplements"'),
    generate("json-null", b"null"),
    generate("json-duplicate-field", b'{"claim": "a", "claim": "b"}'),
    generate("json-invalid-utf8", b'{"claim": "\xff\xfe"}'),
    generate("json-utf16", '{"claim": "Hi"}'.encode("utf-16")),
    generate("json-nested-8000-deep", b'{"claim": "Hi", "x": ' + b"[" * 8000 + b"]" * 8000 + b"}"),
    # -- wrong types and numbers JSON should not carry ---------------------------------
    generate("claim-number", b'{"claim": 5}'),
    generate("claim-null", b'{"claim": null}'),
    generate("claim-missing", b'{"count": 1}'),
    generate("count-string", claim(count="3")),
    generate("count-float", claim(count=2.0)),
    generate("count-bool", claim(count=True)),
    generate("count-nan", b'{"claim": "Hi", "count": NaN}'),
    generate("count-infinity", b'{"claim": "Hi", "count": Infinity}'),
    generate("count-minus-infinity", b'{"claim": "Hi", "count": -Infinity}'),
    generate("count-1e309", b'{"claim": "Hi", "count": 1e309}'),
    generate("count-10-pow-30", claim(count=10**30)),
    generate("count-zero", claim(count=0)),
    generate("count-negative", claim(count=-1)),
    generate("count-21", claim(count=21)),
    generate("formats-string", claim(formats="F1")),
    generate("formats-empty", claim(formats=[])),
    generate("formats-unknown", claim(formats=["F99"])),
    generate("formats-more-than-count", claim(count=1, formats=["F1", "F2"])),
    generate("language-unknown", claim(language="XX")),
    generate("language-number", claim(language=1)),
    generate("unknown-field", claim(colour="red")),
    # -- text that cannot be a headline or a button ------------------------------------
    generate("claim-nul", claim(claim="Best\u0000protein")),
    generate("claim-bell", claim(claim="Best\u0007protein")),
    generate("claim-line-separator", claim(claim="Best\u2028protein")),
    generate("claim-lone-surrogate", b'{"claim": "Best \\ud800 protein"}'),
    generate("claim-blank", claim(claim="   ")),
    generate("claim-201-chars", claim(claim="x" * 201)),
    generate("cta-newline", claim(cta="Shop\nnow")),
    generate("cta-tab", claim(cta="Shop\tnow")),
    generate("cta-31-chars", claim(cta="x" * 31)),
    generate("claim-zero-width-only", claim(claim="\u200b\u200b")),
    generate("cta-combining-only", claim(cta="\u0301\u0301")),
    # -- the optional subline, badge, output and metadata --------------------------------
    generate("subline-121-chars", claim(subline="s" * 121)),
    generate("subline-empty", claim(subline="")),
    generate("subline-emoji-only", claim(subline="\U0001f600")),
    generate("subline-number", claim(subline=7)),
    generate("badge-25-chars", claim(badge="b" * 25)),
    generate("badge-zero-width-only", claim(badge="\u200b")),
    generate("output-gif", claim(output="gif")),
    generate("output-upper-case", claim(output="PNG")),
    generate("output-empty", claim(output="")),
    generate("metadata-21-keys", claim(metadata={f"k{i}": "v" for i in range(21)})),
    generate("metadata-number-value", claim(metadata={"orderId": 4711})),
    generate("metadata-null-value", claim(metadata={"orderId": None})),
    generate("metadata-nested-value", claim(metadata={"order": {"id": "4711"}})),
    generate("metadata-41-char-key", claim(metadata={"k" * 41: "v"})),
    generate("metadata-empty-key", claim(metadata={"": "v"})),
    generate("metadata-501-char-value", claim(metadata={"note": "v" * 501})),
    generate("metadata-array", claim(metadata=[["k", "v"]])),
    generate("metadata-string", claim(metadata="campaign=spring")),
    generate("metadata-lone-surrogate-key", b'{"claim": "Hi", "metadata": {"\\ud800": "v"}}'),
    # -- size and media type ------------------------------------------------------------
    generate("body-1-mb", claim(padding="x" * 1_000_000), 413, "payload_too_large"),
    Bad("content-type-missing", "POST", GENERATE, AUTH, claim(), 415, "unsupported_media_type"),
    Bad(
        "content-type-text",
        "POST",
        GENERATE,
        {**AUTH, "Content-Type": "text/plain"},
        claim(),
        415,
        "unsupported_media_type",
    ),
    Bad(
        "content-type-form",
        "POST",
        GENERATE,
        {**AUTH, "Content-Type": "application/x-www-form-urlencoded"},
        b"claim=Hi",
        415,
        "unsupported_media_type",
    ),
    Bad(
        "content-type-latin1",
        "POST",
        GENERATE,
        {**AUTH, "Content-Type": "application/json; charset=latin-1"},
        claim(),
        415,
        "unsupported_media_type",
    ),
    # -- Idempotency-Key ---------------------------------------------------------------
    Bad("idem-empty", "POST", GENERATE, {**JSON, "Idempotency-Key": ""}, claim()),
    Bad("idem-256-chars", "POST", GENERATE, {**JSON, "Idempotency-Key": "k" * 256}, claim()),
    Bad(
        "idem-non-ascii",
        "POST",
        GENERATE,
        [*JSON.items(), ("Idempotency-Key", "ключ-1".encode())],
        claim(),
    ),
    Bad("idem-tab", "POST", GENERATE, {**JSON, "Idempotency-Key": "a\tb"}, claim()),
    Bad(
        "idem-twice",
        "POST",
        GENERATE,
        [*JSON.items(), ("Idempotency-Key", "a"), ("Idempotency-Key", "b")],
        claim(),
    ),
    # -- Authorization -----------------------------------------------------------------
    *(
        Bad(f"auth-{name}", "POST", GENERATE, headers, claim(), 401, "unauthorized")
        for name, headers in [
            ("missing", {"Content-Type": "application/json"}),
            ("no-scheme", {"Authorization": KEY}),
            ("bearer-alone", {"Authorization": "Bearer"}),
            ("bearer-space", {"Authorization": "Bearer "}),
            ("basic", {"Authorization": "Basic dXNlcjpwYXNz"}),
            ("token-scheme", {"Authorization": f"Token {KEY}"}),
            ("key-then-junk", {"Authorization": f"Bearer {KEY} extra"}),
            ("quoted-key", {"Authorization": f'Bearer "{KEY}"'}),
            ("two-spaces-unknown-key", {"Authorization": "Bearer  cs_live_" + "a" * 43}),
            ("test-prefix", {"Authorization": "Bearer cs_test_" + "a" * 43}),
        ]
    ),
    Bad(
        "auth-non-ascii",
        "POST",
        GENERATE,
        [("Authorization", ("Bearer cs_live_" + "ключ" * 10).encode())],
        claim(),
        401,
        "unauthorized",
    ),
    # -- job ids that are not job ids --------------------------------------------------
    Bad("job-dot-dot", "GET", JOB + TRAVERSAL, AUTH, status=404, code="not_found", raw=True),
    Bad(
        "job-encoded-dot-dot",
        "GET",
        JOB + "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        AUTH,
        None,
        404,
        "not_found",
    ),
    Bad("job-very-long", "GET", JOB + "a" * 10_000, AUTH, None, 404, "not_found"),
    Bad(
        "job-uuid-35-chars",
        "GET",
        JOB + "0b9f1c2e-4a8d-4f3b-9c6e-2d7a1b5e8f9",
        AUTH,
        None,
        404,
        "not_found",
    ),
    Bad(
        "job-uuid-with-g",
        "GET",
        JOB + "0b9f1c2e-4a8d-4f3b-9c6e-2d7a1b5e8f9g",
        AUTH,
        None,
        404,
        "not_found",
    ),
    Bad(
        "job-uuid-in-braces",
        "GET",
        JOB + "{0b9f1c2e-4a8d-4f3b-9c6e-2d7a1b5e8f90}",
        AUTH,
        None,
        404,
        "not_found",
    ),
    Bad(
        "job-uuid-then-segment",
        "GET",
        JOB + "0b9f1c2e-4a8d-4f3b-9c6e-2d7a1b5e8f90/x",
        AUTH,
        None,
        404,
        "not_found",
    ),
    Bad("job-nul", "GET", JOB + "%00", AUTH, None, 404, "not_found"),
    # -- image URLs ----------------------------------------------------------------------
    Bad("file-dot-dot", "GET", "/files/" + TRAVERSAL, status=403, code="forbidden", raw=True),
    Bad(
        "file-dot-dot-signed",
        "GET",
        f"/files/{TRAVERSAL}?{signed(TRAVERSAL)}",
        status=404,
        code="not_found",
        raw=True,
    ),
    Bad(
        "file-encoded-dot-dot",
        "GET",
        "/files/%2e%2e/%2e%2e/etc/passwd",
        status=403,
        code="forbidden",
    ),
    Bad(
        "file-encoded-dot-dot-signed",
        "GET",
        f"/files/%2e%2e/%2e%2e/etc/passwd?{signed(TRAVERSAL)}",
        status=404,
        code="not_found",
    ),
    Bad(
        "file-absolute-signed",
        "GET",
        f"/files//etc/passwd?{signed('/etc/passwd')}",
        status=404,
        code="not_found",
    ),
    Bad(
        "file-tampered-signature",
        "GET",
        f"/files/{IMAGE}?{signed(IMAGE)[:-2]}AA",
        status=403,
        code="forbidden",
    ),
    Bad(
        "file-expired",
        "GET",
        f"/files/{IMAGE}?{signed(IMAGE, clock=1_000_000)}",
        status=403,
        code="forbidden",
    ),
    Bad(
        "file-signature-of-another-image",
        "GET",
        f"/files/{IMAGE}?{signed(IMAGE.replace('image_1', 'image_2'))}",
        status=403,
        code="forbidden",
    ),
    Bad("file-unsigned", "GET", f"/files/{IMAGE}", status=403, code="forbidden"),
    # -- key ids and methods -------------------------------------------------------------
    Bad("key-dot-dot", "DELETE", "/api/v1/keys/..%2f..%2fkeys", AUTH, None, 404, "not_found"),
    Bad("key-very-long", "DELETE", "/api/v1/keys/key_" + "0" * 5_000, AUTH, None, 404, "not_found"),
    Bad("key-nul", "DELETE", "/api/v1/keys/key_%00", AUTH, None, 404, "not_found"),
    Bad("generate-put", "PUT", GENERATE, JSON, claim(), 405, "method_not_allowed"),
]


@dataclass
class Corpus:
    app: FastAPI
    http: httpx.AsyncClient


@pytest.fixture(scope="module")
def payer(accounts: AccountService, engine: sqlalchemy.Engine) -> Caller:
    """A funded account, so a wrongly accepted request would have something to spend."""
    account = accounts.create_account("Corpus")
    CreditLedger(engine).grant(account.id, 5)
    _, key = accounts.create_key(account.id)
    return Caller(account, key)


@pytest.fixture
async def corpus(
    settings: Settings,
    orchestrator: FakeOrchestrator,
    engine: sqlalchemy.Engine,
    store: LocalImageStore,
) -> AsyncIterator[Corpus]:
    app = create_app(settings, orchestrator=orchestrator, engine=engine, store=store)
    store.put(IMAGE, b"\x89PNG\r\n\x1a\n image")
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield Corpus(app, http)


def test_the_corpus_is_large_and_its_ids_unique():
    assert len(CORPUS) >= 40
    assert len({bad.id for bad in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("bad", CORPUS, ids=[bad.id for bad in CORPUS])
async def test_malformed_request_gets_its_problem_and_spends_nothing(
    corpus: Corpus,
    payer: Caller,
    orchestrator: FakeOrchestrator,
    engine: sqlalchemy.Engine,
    bad: Bad,
):
    ledger = CreditLedger(engine)
    balance = ledger.summary(payer.account.id)

    response = await send(corpus, bad, payer.key)

    assert response.status_code == bad.status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == bad.code
    assert body["status"] == bad.status
    assert "Traceback" not in response.text and "root:" not in response.text
    assert ledger.summary(payer.account.id) == balance
    assert orchestrator.calls == []


async def send(corpus: Corpus, bad: Bad, key: str) -> httpx.Response:
    items = bad.headers.items() if isinstance(bad.headers, dict) else bad.headers
    headers = [
        (name, value.replace(KEY, key) if isinstance(value, str) else value)
        for name, value in items
    ]
    if bad.raw:
        return await send_raw(corpus.app, bad.method, bad.path, headers, bad.body or b"")
    return await corpus.http.request(bad.method, bad.path, headers=headers, content=bad.body)


async def send_raw(
    app: FastAPI,
    method: str,
    target: str,
    headers: list[tuple[str, str | bytes]],
    body: bytes,
) -> httpx.Response:
    """One request straight into the ASGI app, its path exactly as given (`..` included)."""
    path, _, query = target.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": unquote(path),
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [
            (name.lower().encode(), value if isinstance(value, bytes) else value.encode())
            for name, value in [("host", "testserver"), *headers]
        ],
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 50000),
    }
    messages: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict) -> None:
        messages.append(message)

    await app(scope, receive, send)
    start = next(m for m in messages if m["type"] == "http.response.start")
    content = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return httpx.Response(start["status"], headers=start["headers"], content=content)


@pytest.mark.parametrize(
    "authorization",
    ["bearer {key}", "BEARER {key}", "Bearer  {key}"],
    ids=["lowercase-scheme", "uppercase-scheme", "two-spaces"],
)
async def test_lenient_but_valid_authorization_forms_are_accepted(
    corpus: Corpus, payer: Caller, orchestrator: FakeOrchestrator, authorization: str
):
    # RFC 9110: the scheme is case-insensitive and 1*SP may separate it from the token.
    headers = {"Authorization": authorization.format(key=payer.key)}

    response = await corpus.http.post(GENERATE, headers=headers, json={"claim": "Hi"})

    assert response.status_code == 202
    assert len(orchestrator.calls) == 1
