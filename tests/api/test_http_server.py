"""`creative-saas api` as served by uvicorn, over raw sockets: malformed HTTP is answered as
problem+json, and slow or piled-up clients are bounded (items 7 and 10 of issue 15).

The deadlines are set small here (API_*), so no test waits long; none asserts a duration.
"""

from __future__ import annotations

import json
import os
import select
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli.processes import ManagedProcess, free_port

MAX_CONNECTIONS = 4
READY_SECONDS = 60


@pytest.fixture(scope="module")
def api_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    data_dir: Path = tmp_path_factory.mktemp("http-server")
    port = free_port()
    env = {
        **os.environ,
        "CREATIVE_SAAS_DATA_DIR": str(data_dir),
        "TEMPORAL_ADDRESS": "127.0.0.1:1",  # never reached by these requests
        "API_HOST": "127.0.0.1",
        "API_PORT": str(port),
        "API_MAX_CONNECTIONS": str(MAX_CONNECTIONS),
        # Room for a busy machine to accept every connection of a test before any deadline.
        "REQUEST_HEAD_TIMEOUT_SECONDS": "2",
        "BODY_READ_TIMEOUT_SECONDS": "0.5",
    }
    api = ManagedProcess(
        "api", [sys.executable, "-m", "cli.main", "api"], env, data_dir / "api.log"
    )
    try:
        deadline = time.monotonic() + READY_SECONDS
        while not _answers(port):
            assert api.running, api.log_text()
            assert time.monotonic() < deadline, api.log_text()
            time.sleep(0.2)
        yield port
    finally:
        api.stop()


def _answers(port: int) -> bool:
    try:
        status, _, _ = exchange(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    except OSError:
        return False
    return status == 200


def exchange(port: int, request: bytes, timeout: float = 10) -> tuple[int, dict[str, str], bytes]:
    """Send raw bytes, read until the server closes or a whole response has arrived."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        conn.sendall(request)
        return read_response(conn)


def read_response(conn: socket.socket) -> tuple[int, dict[str, str], bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {
        name.strip().lower(): value.strip()
        for name, _, value in (line.partition(":") for line in lines[1:])
    }
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return int(lines[0].split()[1]), headers, body


def closed_by_server(conn: socket.socket) -> bool:
    """Whether the server closes the connection (whatever else it still sends before that)."""
    conn.settimeout(10)
    try:
        while conn.recv(65536):
            pass
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False
    return True


def assert_problem(headers: dict[str, str], body: bytes, status: int, code: str) -> None:
    assert headers["content-type"] == "application/problem+json", headers
    document = json.loads(body)
    assert (document["status"], document["code"]) == (status, code)
    assert document["detail"] and document["title"] and document["type"].endswith(code)


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GET /healthz HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n",
        b"POST /api/v1/generate HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}",
        b"NOT HTTP AT ALL\r\n\r\n",
    ],
    ids=["two-host-headers", "content-length-abc", "garbage"],
)
def test_malformed_http_gets_a_problem_not_text(api_port: int, request_bytes: bytes):
    status, headers, body = exchange(api_port, request_bytes)

    assert status == 400
    assert_problem(headers, body, 400, "invalid_request")
    assert headers["connection"] == "close"


def test_a_request_head_that_never_completes_is_cut_off_with_408(api_port: int):
    with socket.create_connection(("127.0.0.1", api_port), timeout=10) as conn:
        conn.sendall(b"POST /api/v1/generate HTTP/1.1\r\nHost: x\r\n")  # and then nothing

        status, headers, body = read_response(conn)

        assert status == 408
        assert_problem(headers, body, 408, "request_timeout")
        assert closed_by_server(conn)


def test_a_declared_body_that_stops_arriving_is_cut_off_with_408(api_port: int):
    with socket.create_connection(("127.0.0.1", api_port), timeout=10) as conn:
        conn.sendall(
            b"POST /api/v1/generate HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer cs_live_"
            + b"x" * 40
            + b'\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"cla'
        )

        status, headers, body = read_response(conn)

        # The key is checked after the body is read (the route reads the body first), or the
        # deadline fires first: either way the connection is answered and closed, not held.
        assert status in (401, 408), body
        if status == 408:
            assert_problem(headers, body, 408, "request_timeout")
        assert closed_by_server(conn)


def test_connections_past_the_bound_are_refused_with_503_and_the_server_recovers(api_port: int):
    held = [socket.create_connection(("127.0.0.1", api_port), timeout=10) for _ in range(10)]
    try:
        # The refused ones are answered at once, the others when their head deadline passes.
        responses = []
        waiting = list(held)
        deadline = time.monotonic() + 30
        while waiting and time.monotonic() < deadline:
            answered, _, _ = select.select(waiting, [], [], 1)
            for conn in answered:
                responses.append(read_response(conn))
                waiting.remove(conn)
        refused = [(headers, body) for status, headers, body in responses if status == 503]
        # At least one: a refused connection is closed at once, so one accepted later may fit.
        assert refused, responses
        assert {status for status, _, _ in responses} <= {408, 503}, responses
        for headers, body in refused:
            assert_problem(headers, body, 503, "service_unavailable")
            assert headers["retry-after"] == "1"
    finally:
        for conn in held:
            conn.close()
    deadline = time.monotonic() + READY_SECONDS
    while not _answers(api_port):  # the held connections are gone: it serves again
        assert time.monotonic() < deadline
        time.sleep(0.2)
