"""Signs and POSTs one webhook (Standard Webhooks), to the address the URL guard approved.

The connection goes to that address, never to a fresh DNS answer: the request carries the
URL's host in `Host` and, for https, in SNI and the certificate check. No redirects, no proxies
from the environment, 10 s for the whole exchange; the response body is never read.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from ipaddress import IPv6Address

import httpx

from domain.webhooks import SECRET_PREFIX
from infra.url_guard import UnsafeWebhookUrl, UrlGuard, WebhookTarget

SEND_TIMEOUT_SECONDS = 10.0
USER_AGENT = "CreativeSaaS-Webhooks/1"


@dataclass(frozen=True)
class SendOutcome:
    status_code: int | None  # None: no HTTP answer (refused, unreachable, timed out)
    error: str | None
    duration_ms: int

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def signature_header(secrets: Sequence[str], message_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<sig>` per secret, space-separated: any Standard Webhooks library accepts one match."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    signatures = []
    for secret in secrets:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
        digest = hmac.new(key, signed, hashlib.sha256).digest()
        signatures.append("v1," + base64.b64encode(digest).decode("ascii"))
    return " ".join(signatures)


class WebhookSender:
    """POSTs signed events; `verify` is the TLS trust (tests pass their own CA's context)."""

    def __init__(
        self,
        guard: UrlGuard,
        *,
        verify: ssl.SSLContext | bool = True,
        timeout: float = SEND_TIMEOUT_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._guard = guard
        self._verify = verify
        self._timeout = timeout
        self._clock = clock

    async def send(
        self, url: str, secrets: Sequence[str], message_id: str, body: bytes
    ) -> SendOutcome:
        """One attempt; never raises for anything the receiver or the network does."""
        started = time.monotonic()

        def outcome(status_code: int | None, error: str | None) -> SendOutcome:
            return SendOutcome(status_code, error, round((time.monotonic() - started) * 1000))

        try:
            target = await self._guard.target(url)
        except UnsafeWebhookUrl as refusal:
            return outcome(None, f"not sent: the URL {refusal}")
        timestamp = int(self._clock())
        headers = {
            "Host": _host_header(target),
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "webhook-id": message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signature_header(secrets, message_id, timestamp, body),
        }
        extensions = {}
        if target.url.scheme.lower() == "https" and str(target.address) != target.host:
            extensions["sni_hostname"] = target.host  # and the certificate must name it
        try:
            async with httpx.AsyncClient(
                verify=self._verify,
                timeout=self._timeout,
                follow_redirects=False,
                trust_env=False,  # a proxy would resolve the name again, past the guard
            ) as client:
                request = client.build_request(
                    "POST",
                    _pinned_url(target),
                    content=body,
                    headers=headers,
                    extensions=extensions,
                )
                async with asyncio.timeout(self._timeout):
                    response = await client.send(request, stream=True)
                    await response.aclose()
        except TimeoutError:
            return outcome(None, f"no answer within {self._timeout:g} s")
        except (httpx.HTTPError, httpx.InvalidURL, OSError) as error:
            return outcome(None, f"{type(error).__name__}: {error}"[:300])
        if 300 <= response.status_code < 400:
            return outcome(response.status_code, "redirects are not followed")
        if not 200 <= response.status_code < 300:
            return outcome(response.status_code, f"answered HTTP {response.status_code}")
        return outcome(response.status_code, None)


def _netloc(host: str, port: int, default_port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return shown if port == default_port else f"{shown}:{port}"


def _host_header(target: WebhookTarget) -> str:
    default_port = 443 if target.url.scheme.lower() == "https" else 80
    return _netloc(target.host, target.port, default_port)


def _pinned_url(target: WebhookTarget) -> str:
    """The URL with its host replaced by the approved address."""
    address = target.address
    host = f"[{address}]" if isinstance(address, IPv6Address) else str(address)
    path = target.url.path or "/"
    query = f"?{target.url.query}" if target.url.query else ""
    return f"{target.url.scheme.lower()}://{host}:{target.port}{path}{query}"
