"""The sender against real HTTP(S) receivers: Standard Webhooks signatures, the SSRF guard at
delivery (DNS rebinding), the pinned address, TLS, redirects and timeouts."""

from __future__ import annotations

import ssl

import pytest
import trustme
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from infra.url_guard import UnsafeWebhookUrl, UrlGuard, WebhookUrlPolicy
from infra.webhook_sender import WebhookSender
from infra.webhooks import new_secret
from tests.support.resolvers import ScriptedResolver, fixed
from tests.support.webhook_receiver import WebhookReceiver

BODY = b'{"type":"job.completed","timestamp":"2026-11-30T12:00:00Z","data":{"jobId":"j"}}'
MESSAGE_ID = "msg_abc_completed"
LOCAL_HTTP = WebhookUrlPolicy(allow_http=True, allowed_hosts=frozenset({"127.0.0.1"}))


def verify(secret: str, received_body: bytes, headers: dict[str, str]) -> object:
    return Webhook(secret).verify(received_body, headers)


async def test_a_delivery_is_signed_so_a_standard_webhooks_library_verifies_it():
    secret = new_secret()
    sender = WebhookSender(UrlGuard(LOCAL_HTTP))
    with WebhookReceiver() as receiver:
        outcome = await sender.send(receiver.url, [secret], MESSAGE_ID, BODY)
        [received] = await receiver.wait_for(1)

    assert outcome.delivered and outcome.status_code == 200, outcome
    assert received.body == BODY
    assert received.headers["webhook-id"] == MESSAGE_ID
    assert received.headers["content-type"] == "application/json"
    assert verify(secret, received.body, received.headers) == {
        "type": "job.completed",
        "timestamp": "2026-11-30T12:00:00Z",
        "data": {"jobId": "j"},
    }
    with pytest.raises(WebhookVerificationError):
        verify(new_secret(), received.body, received.headers)
    with pytest.raises(WebhookVerificationError):
        verify(secret, received.body.replace(b'"j"', b'"k"'), received.headers)


async def test_during_a_rotation_both_the_new_and_the_old_secret_verify():
    new, old = new_secret(), new_secret()
    sender = WebhookSender(UrlGuard(LOCAL_HTTP))
    with WebhookReceiver() as receiver:
        await sender.send(receiver.url, [new, old], MESSAGE_ID, BODY)
        [received] = await receiver.wait_for(1)

    assert len(received.headers["webhook-signature"].split(" ")) == 2
    verify(new, received.body, received.headers)
    verify(old, received.body, received.headers)
    with pytest.raises(WebhookVerificationError):
        verify(new_secret(), received.body, received.headers)


async def test_a_name_rebound_to_loopback_after_registration_is_never_called():
    # Registration sees a public address; by delivery time the same name answers 127.0.0.1,
    # where a receiver is listening. https is not even needed to show the guard: allow http.
    resolver = ScriptedResolver({"hooks.example.com": [["93.184.216.34"], ["127.0.0.1"]]})
    guard = UrlGuard(WebhookUrlPolicy(allow_http=True), resolver)
    with WebhookReceiver() as receiver:
        url = receiver.url_for("hooks.example.com")
        await guard.check_registration(url)  # accepted: public at this moment

        outcome = await WebhookSender(guard).send(url, [new_secret()], MESSAGE_ID, BODY)

        assert receiver.requests == []
    assert not outcome.delivered and outcome.status_code is None
    assert outcome.error is not None and "127.0.0.1" in outcome.error
    assert "loopback" in outcome.error


async def test_the_sender_connects_to_the_address_it_checked_with_the_name_as_host():
    # "hooks.test" exists only in the injected resolver: reaching the receiver proves the
    # connection used the checked answer, not a second lookup by the HTTP client.
    resolver = fixed({"hooks.test": "127.0.0.1"})
    policy = WebhookUrlPolicy(allow_http=True, allowed_hosts=frozenset({"hooks.test"}))
    with WebhookReceiver() as receiver:
        outcome = await WebhookSender(UrlGuard(policy, resolver)).send(
            receiver.url_for("hooks.test", "/in?x=1"), [new_secret()], MESSAGE_ID, BODY
        )
        [received] = await receiver.wait_for(1)

    assert outcome.delivered, outcome
    assert received.headers["host"] == f"hooks.test:{receiver.port}"
    assert received.path == "/in?x=1"
    assert resolver.lookups == ["hooks.test"]


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def tls_receiver(ca: trustme.CA, name: str) -> WebhookReceiver:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(name).configure_cert(context)
    return WebhookReceiver(ssl_context=context)


def trusting(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


async def test_https_to_the_pinned_address_still_checks_the_certificate_of_the_name(
    ca: trustme.CA,
):
    resolver = fixed({"hooks.test": "127.0.0.1", "other.test": "127.0.0.1"})
    policy = WebhookUrlPolicy(allowed_hosts=frozenset({"hooks.test", "other.test"}))
    sender = WebhookSender(UrlGuard(policy, resolver), verify=trusting(ca))
    with tls_receiver(ca, "hooks.test") as receiver:
        good = await sender.send(receiver.url_for("hooks.test"), [new_secret()], MESSAGE_ID, BODY)
        # Same address, but the certificate does not name other.test: refused by TLS.
        wrong = await sender.send(receiver.url_for("other.test"), [new_secret()], MESSAGE_ID, BODY)

        assert len(receiver.requests) == 1
    assert good.delivered, good
    assert not wrong.delivered and wrong.status_code is None
    assert wrong.error is not None and "certificate" in wrong.error.lower()


async def test_redirects_are_not_followed():
    sender = WebhookSender(UrlGuard(LOCAL_HTTP))
    with WebhookReceiver() as target:
        with WebhookReceiver([302], location=target.url) as redirecting:
            outcome = await sender.send(redirecting.url, [new_secret()], MESSAGE_ID, BODY)
        assert target.requests == []
    assert outcome.status_code == 302 and not outcome.delivered
    assert outcome.error == "redirects are not followed"


async def test_a_receiver_that_does_not_answer_in_time_fails_the_attempt():
    sender = WebhookSender(UrlGuard(LOCAL_HTTP), timeout=0.5)
    with WebhookReceiver(delay_seconds=3) as receiver:
        outcome = await sender.send(receiver.url, [new_secret()], MESSAGE_ID, BODY)
    assert not outcome.delivered and outcome.status_code is None
    assert outcome.error == "no answer within 0.5 s"


async def test_a_server_error_fails_the_attempt_with_its_status():
    sender = WebhookSender(UrlGuard(LOCAL_HTTP))
    with WebhookReceiver([500]) as receiver:
        outcome = await sender.send(receiver.url, [new_secret()], MESSAGE_ID, BODY)
    assert (outcome.status_code, outcome.delivered) == (500, False)
    assert outcome.error == "answered HTTP 500"


async def test_an_unsafe_url_is_refused_without_a_connection():
    sender = WebhookSender(UrlGuard(WebhookUrlPolicy()))
    with WebhookReceiver() as receiver:
        outcome = await sender.send(receiver.url, [new_secret()], MESSAGE_ID, BODY)
        assert receiver.requests == []
    assert outcome.error == "not sent: the URL must be an https URL"
    with pytest.raises(UnsafeWebhookUrl):
        UrlGuard(WebhookUrlPolicy()).parse(receiver.url)
