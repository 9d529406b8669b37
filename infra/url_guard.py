"""Where webhooks may go: https URLs whose host resolves only to public addresses (SSRF guard).

A URL is judged twice: at registration (a literal private address is refused; a name that does
not resolve yet is accepted) and at every delivery, which then connects to the very address it
judged, so a DNS answer that changes between the check and the connection (rebinding) cannot
reach a private network. Names are resolved through an injected `Resolver`.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from domain.webhooks import MAX_URL_LENGTH, IpAddress, blocked_reason, literal_address

RESOLVE_TIMEOUT_SECONDS = 5.0

# Every address a host name resolves to; raises UnresolvableHost when there is none.
Resolver = Callable[[str], Awaitable[list[IpAddress]]]


class UnsafeWebhookUrl(ValueError):
    """A URL webhooks must not be sent to; the message says why, for the client."""


class UnresolvableHost(Exception):
    """The name has no address (yet)."""


async def system_resolver(host: str) -> list[IpAddress]:
    """The operating system's resolver (getaddrinfo), bounded in time."""
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(RESOLVE_TIMEOUT_SECONDS):
            answers = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, TimeoutError, UnicodeError) as error:
        raise UnresolvableHost(f"{host} does not resolve: {error}") from error
    addresses: list[IpAddress] = []
    for *_, sockaddr in answers:
        address = literal_address(str(sockaddr[0]).split("%", 1)[0])  # drop an IPv6 zone
        if address is not None and address not in addresses:
            addresses.append(address)
    if not addresses:
        raise UnresolvableHost(f"{host} has no address")
    return addresses


@dataclass(frozen=True)
class WebhookUrlPolicy:
    """`allow_http` and `allowed_hosts` exist for development and tests only (see Settings)."""

    allow_http: bool = False
    allowed_hosts: frozenset[str] = frozenset()

    def allows_any_address(self, host: str) -> bool:
        return host in self.allowed_hosts


@dataclass(frozen=True)
class WebhookTarget:
    """A URL judged safe, and the one address to connect to for it."""

    url: SplitResult
    host: str  # lowercase, IPv6 without brackets
    port: int
    address: IpAddress


class UrlGuard:
    """Judges webhook URLs under a policy, resolving names with the given resolver."""

    def __init__(self, policy: WebhookUrlPolicy, resolver: Resolver = system_resolver) -> None:
        self._policy = policy
        self._resolve = resolver

    def parse(self, url: str) -> tuple[SplitResult, str, int]:
        """The URL's parts, host and port; UnsafeWebhookUrl for anything we never send to."""
        if len(url) > MAX_URL_LENGTH:
            raise UnsafeWebhookUrl(f"must be at most {MAX_URL_LENGTH} characters")
        if not url.isascii() or any(char <= " " or char == "\x7f" for char in url):
            raise UnsafeWebhookUrl("must be ASCII without spaces or control characters")
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as error:
            raise UnsafeWebhookUrl(f"is not a valid URL ({error})") from None
        schemes = ("https", "http") if self._policy.allow_http else ("https",)
        if parts.scheme.lower() not in schemes:
            raise UnsafeWebhookUrl("must be an https URL")
        if parts.username is not None or parts.password is not None or "@" in parts.netloc:
            raise UnsafeWebhookUrl("must not contain a user name or password")
        host = (parts.hostname or "").lower()
        if not host:
            raise UnsafeWebhookUrl("must name a host")
        if parts.fragment:
            raise UnsafeWebhookUrl("must not contain a #fragment")
        name = host.rstrip(".")
        if (name == "localhost" or name.endswith(".localhost")) and name not in (
            self._policy.allowed_hosts
        ):
            # RFC 6761: always loopback, even where the resolver does not know "localhost.".
            raise UnsafeWebhookUrl(f"must not point to a loopback address ({host})")
        default_port = 443 if parts.scheme.lower() == "https" else 80
        return parts, host, port or default_port

    async def check_registration(self, url: str) -> None:
        """Refuse unsafe URLs now; a name that does not resolve yet is judged at delivery."""
        _, host, _ = self.parse(url)
        if self._policy.allows_any_address(host):
            return
        try:
            addresses = await self._addresses(host)
        except UnresolvableHost:
            return
        _refuse_blocked(host, addresses)

    async def target(self, url: str) -> WebhookTarget:
        """The address a delivery must connect to; UnsafeWebhookUrl when there is no safe one."""
        parts, host, port = self.parse(url)
        try:
            addresses = await self._addresses(host)
        except UnresolvableHost as error:
            raise UnsafeWebhookUrl(str(error)) from None
        if not self._policy.allows_any_address(host):
            _refuse_blocked(host, addresses)
        return WebhookTarget(parts, host, port, addresses[0])

    async def _addresses(self, host: str) -> list[IpAddress]:
        literal = literal_address(host)
        if literal is not None:
            return [literal]
        addresses = await self._resolve(host)
        if not addresses:
            raise UnresolvableHost(f"{host} has no address")
        return addresses


def _refuse_blocked(host: str, addresses: list[IpAddress]) -> None:
    # Every answer must be public: a name answering one public and one private address would
    # otherwise reach the private one whenever the client happened to pick it.
    for address in addresses:
        reason = blocked_reason(address)
        if reason is not None:
            shown = host if str(address) == host else f"{host} resolves to {address}"
            raise UnsafeWebhookUrl(f"must not point to {reason} ({shown})")
