"""The production layout for real on loopback: gunicorn (2 workers, shared Redis cache), the collector process,
a throw-away PostgreSQL database and the simulated city; pages, /readyz and the API answer and data flows in."""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PROJECT = Path(__file__).resolve().parents[2]
DATABASE_URL = os.environ.get("CITYOPS_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("CITYOPS_TEST_REDIS_URL")
PASSWORD = "production layout pw"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.skipif(not DATABASE_URL, reason="needs CITYOPS_TEST_DATABASE_URL (PostgreSQL)"),
    pytest.mark.skipif(not REDIS_URL, reason="needs CITYOPS_TEST_REDIS_URL (Redis)"),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if result := check():
                return result
        except (httpx.HTTPError, OSError):
            pass
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def _children(pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


@pytest.fixture
def database():
    """A throw-away PostgreSQL database (PostGIS when the server's template has it)."""
    server = make_url(DATABASE_URL)
    name = f"cityops_prod_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield server.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def layout(database, tmp_path):
    """Every service of deploy/ started as its own process; yields the web URL, env, processes and logs."""
    sim_port, web_port = _free_port(), _free_port()
    drop = tmp_path / "drop"
    prefix = f"cityops-test-{uuid.uuid4().hex[:8]}:"
    env = {
        **os.environ,
        "CITYOPS_DATABASE_URL": database,
        "CITYOPS_REDIS_URL": REDIS_URL,
        "CITYOPS_VAR_DIR": str(tmp_path / "var"),
        "CITYOPS_AUTH_MODE": "login",
        "CITYOPS_SECRET_KEY": secrets.token_urlsafe(32),
        "CITYOPS_COOKIE_SECURE": "false",  # plain HTTP on loopback; nginx terminates TLS in production
        "CITYOPS_LOG_FORMAT": "json",
        "CITYOPS_BIND": f"127.0.0.1:{web_port}",
        "CITYOPS_WEB_WORKERS": "2",
        "CITYOPS_CACHE_KEY_PREFIX": prefix,
        "CITYOPS_SIMULATOR_URL": f"http://127.0.0.1:{sim_port}",
        "CITYOPS_HOTLINE_DROP_DIR": str(drop),
        "CITYOPS_BACKFILL_DAYS": "1",
        "PYTHONPATH": str(PROJECT),
    }
    python = [sys.executable, "-m", "dashboard"]

    def run(*args, stdin: str | None = None) -> str:
        done = subprocess.run([*python, *args], env=env, cwd=PROJECT, input=stdin, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    run("db", "upgrade")
    run("db", "load-reference")
    run("users", "add", "boss", "--role", "admin", stdin=f"{PASSWORD}\n{PASSWORD}\n")
    token = run("tokens", "create", "wall-screen-1").strip().splitlines()[-1]
    logs = {name: (tmp_path / f"{name}.log").open("w+") for name in ("simulator", "collect", "web")}
    commands = {
        "simulator": [*python, "simulate", "--port", str(sim_port), "--days", "1", "--drop-dir", str(drop)],
        "collect": [*python, "collect"],
        "web": [str(Path(sys.executable).parent / "gunicorn"), "--config", "deploy/gunicorn.conf.py",
                "dashboard.wsgi:server"],
    }
    procs = {}
    try:
        for name, command in commands.items():
            procs[name] = subprocess.Popen(command, env=env, cwd=PROJECT, stdout=logs[name], stderr=subprocess.STDOUT)
            if name == "simulator":
                _wait(lambda: httpx.get(f"{env['CITYOPS_SIMULATOR_URL']}/open311/v2/services.json").is_success,
                      60, "the simulator")
        url = f"http://127.0.0.1:{web_port}"
        _wait(lambda: httpx.get(f"{url}/health").is_success, 90, "gunicorn")
        yield {"url": url, "env": env, "procs": procs, "logs": logs, "token": token, "prefix": prefix}
    finally:
        for proc in procs.values():
            proc.terminate()
        for proc in procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        for log in logs.values():
            log.close()


def _sign_in(client: httpx.Client) -> None:
    form = client.get("/login").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    response = client.post("/login", data={"username": "boss", "password": PASSWORD, "csrf_token": csrf, "next": "/"})
    assert response.status_code == 302, response.text


def test_production_layout(layout):
    url, env, procs = layout["url"], layout["env"], layout["procs"]
    assert len(_children(procs["web"].pid)) == 2, "gunicorn runs two workers"

    engine = create_engine(env["CITYOPS_DATABASE_URL"])
    counts = "SELECT (SELECT count(*) FROM complaint), (SELECT count(*) FROM traffic_observation), " \
             "(SELECT count(*) FROM feed_run WHERE status = 'ok')"
    with engine.connect() as conn:
        _wait(lambda: all(conn.execute(text(counts)).one()) or conn.rollback(), 180, "data from the collectors")
        located = conn.execute(text("SELECT count(*) FROM complaint WHERE district_code IS NOT NULL")).scalar()
    engine.dispose()
    assert located > 0

    with httpx.Client(base_url=url, follow_redirects=False, timeout=30) as anonymous:
        assert anonymous.get("/").status_code == 302
        assert anonymous.get("/api/v1/kpis").status_code == 401
        readyz = anonymous.get("/readyz")
        assert readyz.status_code in (200, 503) and readyz.json()["database"] == {"ok": True}
        assert {"complaints-open311", "traffic-ngsi"} <= set(readyz.json()["feeds"])

    with httpx.Client(base_url=url, follow_redirects=False, timeout=30) as client:
        _sign_in(client)
        for path in ("/", "/map", "/feeds", "/wall", "/admin"):
            response = client.get(path)
            assert response.status_code == 200, path
        for _ in range(4):  # spread over both workers: each reads the others' cached results from Redis
            kpis = client.get("/api/v1/kpis")
            assert kpis.status_code == 200
        assert any(k["value"] is not None for k in kpis.json()["kpis"])

    with httpx.Client(base_url=url, timeout=30) as kiosk:
        assert kiosk.get(f"/wall?token={layout['token']}").status_code == 200
        assert kiosk.get("/admin", follow_redirects=False).status_code == 403

    import redis

    keys = redis.Redis.from_url(REDIS_URL).keys(f"{layout['prefix']}*")
    assert keys, "query results are cached in the shared Redis"

    for name in ("collect", "web"):
        assert procs[name].poll() is None, f"{name} is still running"
    web_log = layout["logs"]["web"]
    web_log.flush()
    web_log.seek(0)
    lines = [line for line in web_log.read().splitlines() if line.startswith("{")]
    assert lines and all("level" in json.loads(line) for line in lines), "JSON logs"
    assert layout["token"] not in "\n".join(lines), "tokens never reach the logs"
