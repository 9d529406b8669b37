"""Which webhook URLs the guard lets through, at registration and at delivery."""

from __future__ import annotations

import pytest

from infra.url_guard import UnsafeWebhookUrl, UrlGuard, WebhookUrlPolicy
from tests.support.resolvers import ScriptedResolver, fixed

PUBLIC = "93.184.216.34"
REFUSED_AT_REGISTRATION = {
    "http://example.com/hook": "must be an https URL",
    "ftp://example.com/hook": "must be an https URL",
    "https://127.0.0.1/hook": "loopback",
    "https://[::1]/hook": "loopback",
    "https://169.254.169.254/latest/meta-data/": "link-local",
    "https://10.0.0.1/hook": "private",
    "https://192.168.1.20/hook": "private",
    "https://100.64.0.1/hook": "not publicly routable",
    "https://0.0.0.0/hook": "reserved",
    "https://[::ffff:127.0.0.1]/hook": "loopback",
    "https://[fd00:ec2::254]/hook": "private",
    "https://user:pass@example.com/hook": "user name or password",
    "https://user@example.com/hook": "user name or password",
    "https://example.com/" + "a" * 2048: "at most 2000 characters",
    "https://example.com:99999/hook": "not a valid URL",
    "https:///hook": "must name a host",
    "https://exa mple.com/hook": "without spaces",
    "https://example.com/hook#part": "fragment",
    "https://private.example.com/hook": "private.example.com resolves to 10.1.2.3",
    "https://mixed.example.com/hook": "mixed.example.com resolves to 192.168.0.9",
}


def guard(policy: WebhookUrlPolicy | None = None, resolver: ScriptedResolver | None = None):
    return UrlGuard(
        policy or WebhookUrlPolicy(),
        resolver
        or ScriptedResolver(
            {
                "example.com": [[PUBLIC]],
                "private.example.com": [["10.1.2.3"]],
                "mixed.example.com": [[PUBLIC, "192.168.0.9"]],
            }
        ),
    )


@pytest.mark.parametrize("url", REFUSED_AT_REGISTRATION)
async def test_unsafe_urls_are_refused_at_registration_with_the_reason(url: str):
    with pytest.raises(UnsafeWebhookUrl) as refusal:
        await guard().check_registration(url)
    assert REFUSED_AT_REGISTRATION[url] in str(refusal.value)


async def test_a_public_https_url_is_accepted_and_delivered_to_its_address():
    await guard().check_registration("https://example.com/hook")
    target = await guard().target("https://example.com:8443/hook")
    assert (str(target.address), target.host, target.port) == (PUBLIC, "example.com", 8443)


async def test_a_name_that_does_not_resolve_yet_is_accepted_then_judged_at_delivery():
    resolver = ScriptedResolver({"later.example.com": []})
    await guard(resolver=resolver).check_registration("https://later.example.com/hook")
    with pytest.raises(UnsafeWebhookUrl, match="does not resolve"):
        await guard(resolver=resolver).target("https://later.example.com/hook")
    rebound = ScriptedResolver({"later.example.com": [["10.0.0.7"]]})
    with pytest.raises(UnsafeWebhookUrl, match="private"):
        await guard(resolver=rebound).target("https://later.example.com/hook")


async def test_every_delivery_resolves_again():
    resolver = ScriptedResolver({"hooks.example.com": [[PUBLIC], [PUBLIC], ["127.0.0.1"]]})
    checking = guard(resolver=resolver)
    await checking.check_registration("https://hooks.example.com/")
    await checking.target("https://hooks.example.com/")
    with pytest.raises(UnsafeWebhookUrl, match="loopback"):
        await checking.target("https://hooks.example.com/")
    assert resolver.lookups == ["hooks.example.com"] * 3


async def test_development_settings_allow_http_and_listed_hosts_only():
    policy = WebhookUrlPolicy(allow_http=True, allowed_hosts=frozenset({"127.0.0.1", "hooks.test"}))
    resolver = fixed({"hooks.test": "10.0.0.5", "other.test": "10.0.0.6"})
    await guard(policy, resolver).check_registration("http://127.0.0.1:9000/hook")
    target = await guard(policy, resolver).target("http://hooks.test/hook")
    assert (str(target.address), target.port) == ("10.0.0.5", 80)
    with pytest.raises(UnsafeWebhookUrl, match="private"):
        await guard(policy, resolver).check_registration("http://other.test/hook")
    with pytest.raises(UnsafeWebhookUrl, match="https"):
        await guard(WebhookUrlPolicy(), resolver).check_registration("http://127.0.0.1/hook")


@pytest.mark.parametrize(
    "url",
    [
        "https://localhost/hook",
        "https://localhost./hook",
        "https://api.localhost/hook",
        "https://2130706433/hook",
        "https://0x7f000001/hook",
        "https://127.1/hook",
        "https://017700000001/hook",
        "https://[fe80::1%25eth0]/hook",
    ],
)
async def test_the_system_resolver_sees_through_other_spellings_of_loopback(url: str):
    with pytest.raises(UnsafeWebhookUrl, match="loopback|link-local"):
        await UrlGuard(WebhookUrlPolicy()).check_registration(url)


async def test_the_system_resolver_accepts_a_name_that_does_not_exist_until_delivery():
    system = UrlGuard(WebhookUrlPolicy())  # the operating system's getaddrinfo
    await system.check_registration("https://hooks.creative-saas.invalid/")  # judged later
    with pytest.raises(UnsafeWebhookUrl, match="does not resolve"):
        await system.target("https://hooks.creative-saas.invalid/")
