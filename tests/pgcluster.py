"""Throw-away PostgreSQL clusters on loopback for tests that need their own server: a primary made with
``initdb`` and a streaming replica of it made with ``pg_basebackup -R``. Run as the ``postgres`` user when the
tests run as root; skipped where the server binaries are absent. Stopped and deleted afterwards."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest


def server_bin() -> Path:
    """The folder of the newest installed PostgreSQL server binaries (skips the test when there is none)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if not found:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) not installed")
    return Path(found[-1]).parent


def _as_server_user(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def _run(args: list[str]) -> None:
    result = subprocess.run(_as_server_user(args), capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {result.stdout}{result.stderr}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Cluster:
    """A running cluster: its data folder and port."""

    data: Path
    port: int

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"


def _start(binaries: Path, data: Path, port: int, sockets: Path) -> Cluster:
    with open(data / "postgresql.conf", "a") as conf:
        conf.write(f"\nport = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{sockets}'\n"
                   "fsync = off\nshared_buffers = 16MB\nmax_connections = 40\n")
    _run([str(binaries / "pg_ctl"), "-D", str(data), "-l", str(data.parent / f"{data.name}.log"), "-w", "-t", "60",
          "start"])
    return Cluster(data, port)


@contextmanager
def primary_and_replica() -> Iterator[tuple[Cluster, Cluster]]:
    """A primary cluster (trust on loopback, replication allowed: initdb's defaults) and a hot-standby streaming
    replica of it."""
    binaries = server_bin()
    root = Path(tempfile.mkdtemp(prefix="cityops-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    primary_dir, replica_dir = root / "primary", root / "replica"
    started: list[Path] = []
    try:
        _run([str(binaries / "initdb"), "-D", str(primary_dir), "-U", "postgres", "--auth=trust", "-E", "UTF8",
              "--locale=C", "--no-sync"])
        primary = _start(binaries, primary_dir, _free_port(), root)
        started.append(primary_dir)
        _run([str(binaries / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
              "-D", str(replica_dir), "-R", "-X", "stream", "-c", "fast"])
        replica = _start(binaries, replica_dir, _free_port(), root)
        started.append(replica_dir)
        yield primary, replica
    finally:
        for data in reversed(started):
            subprocess.run(_as_server_user([str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w",
                                            "stop"]), capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)
