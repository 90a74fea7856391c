"""A private, throw-away PostgreSQL 15 cluster for tests that stop and restart the server.

It never touches the shared server: its own data directory, socket directory and loopback port. As root it runs
as the ``postgres`` OS user (``initdb`` refuses root).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

BIN_DIR = Path("/usr/lib/postgresql/15/bin")


class ClusterUnavailable(RuntimeError):
    """The binaries are missing or the cluster cannot be created or started (the test skips)."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateCluster:
    """``initdb`` into a temporary folder, ``start()`` / ``stop()`` (immediate: a crash) and ``url``."""

    def __init__(self) -> None:
        if not (BIN_DIR / "initdb").is_file() or not (BIN_DIR / "pg_ctl").is_file():
            raise ClusterUnavailable(f"PostgreSQL 15 binaries not found in {BIN_DIR}")
        self._as_postgres: list[str] = []
        if os.geteuid() == 0:
            if shutil.which("runuser") is None:
                raise ClusterUnavailable("running as root without runuser: cannot run initdb as postgres")
            self._as_postgres = ["runuser", "-u", "postgres", "--"]
        self.root = Path(tempfile.mkdtemp(prefix="cityops-pg-"))
        if self._as_postgres:
            shutil.chown(self.root, user="postgres")
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = _free_port()
        self._pg(
            "initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-locale", "--no-sync"
        )

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _pg(self, program: str, *args: str) -> None:
        command = [*self._as_postgres, str(BIN_DIR / program), *args]
        result = subprocess.run(command, capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            raise ClusterUnavailable(f"{program} failed: {(result.stderr or result.stdout).strip()[-500:]}")

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._pg("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.log), "-w", "-t", "30", "start")

    def stop(self) -> None:
        """Stop the server the hard way (``-m immediate``: no shutdown checkpoint, like a crash)."""
        self._pg("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def destroy(self) -> None:
        """Stop the server if it runs and remove its folder."""
        if (self.data / "postmaster.pid").exists():
            try:
                self.stop()
            except ClusterUnavailable:
                pass
        shutil.rmtree(self.root, ignore_errors=True)
