"""List cursors round-trip for their account and filter, and nothing else decodes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from api.cursors import CursorCodec
from domain.errors import InvalidRequest
from domain.jobs import ListPosition

POSITION = ListPosition(datetime(2026, 11, 30, 9, 15, 1, 123456, tzinfo=UTC), "job-7")


def test_a_cursor_gives_back_its_position_to_its_account_and_filter() -> None:
    codec = CursorCodec(b"secret")
    cursor = codec.encode(POSITION, "acct_a", "completed")

    assert codec.decode(cursor, "acct_a", "completed") == POSITION


@pytest.mark.parametrize(
    ("account", "scope", "secret", "edit"),
    [
        ("acct_b", "completed", b"secret", None),  # another account's key
        ("acct_a", "", b"secret", None),  # without the filter it was made for
        ("acct_a", "completed", b"other secret", None),  # another deployment
        ("acct_a", "completed", b"secret", "body"),  # a position edited by hand
        ("acct_a", "completed", b"secret", "garbage"),
    ],
)
def test_any_other_use_of_a_cursor_is_invalid_request(
    account: str, scope: str, secret: bytes, edit: str | None
) -> None:
    cursor = CursorCodec(b"secret").encode(POSITION, "acct_a", "completed")
    if edit == "body":
        body, _, signature = cursor.partition(".")
        cursor = body[:-3] + ("xyz" if body[-3:] != "xyz" else "abc") + "." + signature
    elif edit == "garbage":
        cursor = "not a cursor at all"

    with pytest.raises(InvalidRequest) as refused:
        CursorCodec(secret).decode(cursor, account, scope)
    assert refused.value.errors[0].field == "cursor"
