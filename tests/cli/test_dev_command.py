"""`creative-saas dev` end to end, as a newcomer runs it: start, try the printed curl, stop, rerun.

Real processes throughout: the console script, the Temporal dev server with its UI, the worker
and the API it starts, curl through bash, and SIGTERM to stop. Ports are found free, never fixed.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from cli.dev_stack import DevStack
from infra.settings import Settings
from tests.conftest import installed_binary

BANNER_TIMEOUT_SECONDS = 90
JOB_TIMEOUT_SECONDS = 90
STOP_TIMEOUT_SECONDS = 30
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Settings a developer's shell might carry; the newcomer's command must not depend on them.
SETTINGS_VARIABLES = {name.upper() for name in Settings.model_fields} | {"CREATIVE_SAAS_DATA_DIR"}


@dataclass(frozen=True)
class Ports:
    api: int
    temporal: int
    ui: int

    def all(self) -> tuple[int, int, int]:
        return (self.api, self.temporal, self.ui)


@dataclass(frozen=True)
class Banner:
    api_url: str
    ui_url: str
    api_key: str
    curl: str
    web_url: str
    demo_email: str
    demo_password: str


def free_ports() -> Ports:
    """Three ports nobody listens on right now (held open together, so they differ)."""
    sockets = [socket.socket() for _ in range(3)]
    try:
        for probe in sockets:
            probe.bind(("127.0.0.1", 0))
        api, temporal, ui = (probe.getsockname()[1] for probe in sockets)
    finally:
        for probe in sockets:
            probe.close()
    return Ports(api, temporal, ui)


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def parse_banner(text: str) -> Banner:
    """The URLs, key and curl command, read the way a person reads them off the screen."""

    def field(label: str, pattern: str) -> str:
        found = re.search(rf"^\s*{label}\s+({pattern})", text, re.MULTILINE)
        assert found, f"the banner does not show the {label}:\n{text}"
        return found.group(1)

    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip().startswith("curl ")), None)
    assert start is not None, f"the banner shows no curl command:\n{text}"
    end = start
    while lines[end].rstrip().endswith("\\"):
        end += 1
    login = re.search(r"log in as (\S+@\S+) / (\S+)\)", text)
    assert login, f"the banner shows no demo login:\n{text}"
    return Banner(
        api_url=field("API", r"https?://\S+"),
        ui_url=field("Temporal UI", r"https?://\S+"),
        api_key=field("API key", r"cs_live_[A-Za-z0-9_-]+"),
        curl="\n".join(lines[start : end + 1]),
        web_url=field("Web app", r"https?://\S+"),
        demo_email=login.group(1),
        demo_password=login.group(2),
    )


class DevCommand:
    """One `creative-saas dev` process in its own session, its output read on a thread."""

    def __init__(self, data_dir: Path, ports: Ports) -> None:
        self.data_dir = data_dir
        environment = {
            name: value
            for name, value in os.environ.items()
            if name.upper() not in SETTINGS_VARIABLES
        }
        argv = [installed_binary("creative-saas"), "dev", "--data-dir", str(data_dir)]
        for flag, port in zip(("--port", "--temporal-port", "--ui-port"), ports.all(), strict=True):
            if port:  # 0: leave the port to the command's default
                argv += [flag, str(port)]
        self.process = subprocess.Popen(
            argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            env=environment,
            # Its own session: on failure the whole tree it started can be stopped at once.
            start_new_session=True,
        )
        self.output: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        with self.process.stdout:
            for line in self.process.stdout:
                self._lines.put(line)
        self._lines.put(None)

    def wait_for_banner(self) -> Banner:
        deadline = time.monotonic() + BANNER_TIMEOUT_SECONDS
        while True:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"no banner within {BANNER_TIMEOUT_SECONDS} s:\n{self.report()}")
            if line is None:
                pytest.fail(f"`creative-saas dev` exited before it was ready:\n{self.report()}")
            self.output.append(line)
            if "Press Ctrl-C to stop" in line:
                return parse_banner("".join(self.output))

    def drain(self) -> list[str]:
        """Everything it printed, once it has exited."""
        self._reader.join(timeout=STOP_TIMEOUT_SECONDS)
        while not self._lines.empty():
            line = self._lines.get()
            if line is not None:
                self.output.append(line)
        return self.output

    def stop(self) -> int:
        """SIGTERM, as a process manager (or Ctrl-C) would stop it; returns the exit code."""
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            pytest.fail(f"still running {STOP_TIMEOUT_SECONDS} s after SIGTERM:\n{self.report()}")

    def leftover_processes(self) -> bool:
        """Whether any process it started is still alive."""
        try:
            os.killpg(self.process.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def kill_everything(self) -> None:
        """Test cleanup: nothing this test started may outlive it."""
        if self.process.poll() is None or self.leftover_processes():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        self._reader.join(timeout=STOP_TIMEOUT_SECONDS)

    def report(self) -> str:
        logs = sorted((self.data_dir / "logs").glob("*.log"))
        tails = [
            f"--- {log.name}\n" + "".join(log.read_text().splitlines(True)[-20:]) for log in logs
        ]
        return "".join(self.output) + "\n" + "\n".join(tails)


@pytest.fixture
def dev_commands() -> Iterator[list[DevCommand]]:
    """Every dev command a test starts, killed with all it started if the test fails."""
    started: list[DevCommand] = []
    yield started
    for command in started:
        command.kill_everything()


def run_printed_curl(banner: Banner) -> tuple[int, str]:
    """Run the banner's curl command in bash, as pasted; adds only flags to read the answer."""
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    finished = subprocess.run(
        ["bash", "-c", banner.curl + " --silent --show-error --max-time 30 -w '\\n%{http_code}'"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode == 0, finished.stderr
    body, _, status = finished.stdout.rpartition("\n")
    return int(status), body


def wait_for_job(client: httpx.Client, job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + JOB_TIMEOUT_SECONDS
    while True:
        response = client.get(f"/api/v1/jobs/{job_id}")
        assert response.status_code == 200, response.text
        job = response.json()
        if job["status"] not in ("queued", "processing") or time.monotonic() > deadline:
            return job
        time.sleep(0.5)


def test_dev_command_serves_the_printed_curl_stops_cleanly_and_keeps_data(
    tmp_path: Path, dev_commands: list[DevCommand]
):
    data_dir, ports = tmp_path / "data", free_ports()

    first = DevCommand(data_dir, ports)
    dev_commands.append(first)
    banner = first.wait_for_banner()
    assert banner.api_url == f"http://127.0.0.1:{ports.api}"
    assert banner.ui_url == f"http://127.0.0.1:{ports.ui}"

    status, body = run_printed_curl(banner)
    assert status == 202, body
    job_id = json.loads(body)["jobId"]
    auth = {"Authorization": f"Bearer {banner.api_key}"}
    with httpx.Client(base_url=banner.api_url, headers=auth, timeout=10) as client:
        job = wait_for_job(client, job_id)
        assert job["status"] == "completed", job
        assert len(job["result"]["images"]) == 3
        image_url = job["result"]["images"][0]
        image = httpx.get(image_url, timeout=10)
        assert image.status_code == 200
        assert image.content.startswith(PNG_SIGNATURE)
    assert httpx.get(banner.ui_url, timeout=10).status_code == 200
    assert banner.web_url == f"http://127.0.0.1:{ports.api}/app"
    # The demo login opens the web app on the same account: the curl's job spent 3 of 100.
    assert 'data-testid="credits-available">97<' in web_dashboard(banner)

    assert first.stop() == 0, first.report()
    assert [port for port in ports.all() if listening(port)] == []
    assert not first.leftover_processes()

    second = DevCommand(data_dir, ports)
    dev_commands.append(second)
    rerun = second.wait_for_banner()
    assert rerun.api_key == banner.api_key
    assert (rerun.demo_email, rerun.demo_password) == (banner.demo_email, banner.demo_password)
    with httpx.Client(base_url=rerun.api_url, headers=auth, timeout=10) as client:
        again = client.get(f"/api/v1/jobs/{job_id}")
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "completed"
    assert len(again.json()["result"]["images"]) == 3
    # The data dir kept its signing key: an image URL handed out before the restart still opens.
    assert httpx.get(image_url, timeout=10).content.startswith(PNG_SIGNATURE)
    assert second.stop() == 0, second.report()
    assert not second.leftover_processes()


def web_dashboard(banner: Banner) -> str:
    """Log in to the web app with the banner's demo login; the dashboard's HTML."""
    with httpx.Client(base_url=banner.web_url.removesuffix("/app"), timeout=30) as browser:
        login_page = browser.get("/app/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', login_page.text)
        assert token, login_page.text
        form = {
            "email": banner.demo_email,
            "password": banner.demo_password,
            "csrf_token": token.group(1),
        }
        logged_in = browser.post("/app/login", data=form, follow_redirects=True)
        assert logged_in.url.path == "/app/dashboard", logged_in.text
        return logged_in.text


def run_dev_to_exit(data_dir: Path, ports: Ports) -> subprocess.CompletedProcess[str]:
    """Run a `creative-saas dev` that is expected to give up on its own."""
    command = DevCommand(data_dir, ports)
    try:
        code = command.process.wait(timeout=BANNER_TIMEOUT_SECONDS)
    finally:
        command.kill_everything()
    return subprocess.CompletedProcess(command.process.args, code, "".join(command.drain()))


def test_dev_command_names_a_taken_ui_port_instead_of_starting(tmp_path: Path):
    ports = free_ports()
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", ports.ui))
        squatter.listen()
        finished = run_dev_to_exit(tmp_path / "data", ports)

    assert finished.returncode == 1
    assert f"port {ports.ui} for Temporal UI is in use" in finished.stdout


def test_dev_command_reports_a_temporal_server_that_exits_at_once(tmp_path: Path):
    data_dir = tmp_path / "data"
    (data_dir / "temporal" / "temporal.db").mkdir(parents=True)  # a database it cannot open

    finished = run_dev_to_exit(data_dir, free_ports())

    assert finished.returncode == 1
    # Said at once and by name, not as "did not start listening" after a minute's wait.
    assert "temporal exited with code 1" in finished.stdout
    assert "unable to open database file" in (data_dir / "logs" / "temporal.log").read_text()


def test_dev_command_refuses_a_ui_port_that_is_also_the_api_port(tmp_path: Path):
    ports = free_ports()
    clash = Ports(api=ports.api, temporal=ports.temporal, ui=ports.api)

    finished = run_dev_to_exit(tmp_path / "data", clash)

    assert finished.returncode == 1
    assert "the three ports must differ" in finished.stdout
    assert not listening(ports.api) and not listening(ports.temporal)


class LosesTheFirstPortRace(DevStack):
    """Its first Temporal start fails the way a dev server whose HTTP port was taken does."""

    starts = 0

    def _temporal_command(self) -> list[str]:
        self.starts += 1
        if self.starts == 1:
            message = "listen tcp 127.0.0.1:43723: bind: address already in use"
            return ["sh", "-c", f"echo '{message}'; exit 1"]
        return super()._temporal_command()


def test_dev_starts_temporal_again_when_it_loses_a_port_race(tmp_path: Path) -> None:
    ports = free_ports()
    stack = LosesTheFirstPortRace(
        Settings(data_dir=tmp_path / "data"), ports.api, ports.temporal, ports.ui
    )
    stack.logs.mkdir(parents=True)
    try:
        stack._start_temporal()
        assert listening(ports.temporal)
    finally:
        stack._stop()

    assert stack.starts == 2
    assert "address already in use" in (stack.logs / "temporal.log").read_text()
