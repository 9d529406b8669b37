"""Image links as customers share them: fetchable without a key for a week, useless if altered."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx

from tests.support.stack import Stack, bearer, wait_for_terminal

WEEK_SECONDS = 7 * 24 * 3600
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {name: values[0] for name, values in parse_qs(parts.query).items()}
    return urlunsplit(parts._replace(query=urlencode({**query, **changes})))


async def test_image_links_last_a_week_and_refuse_any_alteration(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    _, key = stack.create_account(credits=2)
    accepted = await http.post(
        "/api/v1/generate", json={"claim": "Share me", "count": 2}, headers=bearer(key)
    )
    job = await wait_for_terminal(http, accepted.json()["jobId"], bearer(key))
    first, second = job["result"]["images"]
    query = {name: values[0] for name, values in parse_qs(urlsplit(first).query).items()}
    signature, expires = query["signature"], query["expires"]
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    altered = {
        "tampered signature": with_query(first, signature=flipped),
        "later expiry": with_query(first, expires=str(int(expires) + 3600)),
        "other image, same signature": with_query(
            urlunsplit(urlsplit(second)._replace(query="")), signature=signature, expires=expires
        ),
        "no signature": urlunsplit(urlsplit(first)._replace(query="")),
    }

    async with httpx.AsyncClient() as anonymous:
        genuine = await anonymous.get(first)
        refusals = {name: await anonymous.get(url) for name, url in altered.items()}

    assert int(expires) >= time.time() + WEEK_SECONDS - 60
    assert genuine.status_code == 200
    assert genuine.content.startswith(PNG_SIGNATURE)
    for name, refusal in refusals.items():
        assert refusal.status_code in (403, 404), (name, refusal.status_code)
        assert refusal.headers["Content-Type"] == "application/problem+json", name
        assert PNG_SIGNATURE not in refusal.content, name
