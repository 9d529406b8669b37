"""Resolvers to inject into UrlGuard: DNS answers a test decides, and counts of lookups."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from ipaddress import ip_address

from domain.webhooks import IpAddress
from infra.url_guard import UnresolvableHost


class ScriptedResolver:
    """Answers each name from its list of answers in turn (the last one repeats).

    ScriptedResolver({"hooks.example.com": [["93.184.216.34"], ["127.0.0.1"]]}) answers a public
    address at the first lookup and loopback from then on: DNS rebinding. Unknown names do not
    resolve.
    """

    def __init__(self, answers: Mapping[str, Iterable[Iterable[str]]] | None = None) -> None:
        self._answers = {
            host: [[ip_address(a) for a in answer] for answer in answer_list]
            for host, answer_list in (answers or {}).items()
        }
        self.lookups: list[str] = []

    async def __call__(self, host: str) -> list[IpAddress]:
        self.lookups.append(host)
        answers = self._answers.get(host)
        if not answers:
            raise UnresolvableHost(f"{host} does not resolve")
        return answers.pop(0) if len(answers) > 1 else answers[0]


def fixed(answers: Mapping[str, str]) -> ScriptedResolver:
    """Each name always resolves to its one address."""
    return ScriptedResolver({host: [[address]] for host, address in answers.items()})
