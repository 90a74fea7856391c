"""Secure by default: a server started with no configuration asks for sign-in; open mode stays on loopback."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from dashboard.auth.exposure import ExposedOpenMode, check_exposure, gunicorn_binds, is_loopback, open_to
from dashboard.auth.secret import session_secret
from dashboard.settings import Settings
from tests.security.conftest import make_city

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ENV_EXAMPLE = PROJECT_ROOT / ".env.example"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _bare_environment(tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CITYOPS_", "GUNICORN_"))}
    return env | {"PYTHONPATH": str(PROJECT_ROOT)}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _status(url: str) -> tuple[int, str]:
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(url, timeout=30) as response:
            return response.status, response.headers.get("Location", "")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Location", "")


def _gunicorn(tmp_path, bind: str, **env) -> subprocess.Popen:
    command = [sys.executable, "-m", "gunicorn", "--workers", "1", "--bind", bind, "dashboard.wsgi:server"]
    return subprocess.Popen(
        command, cwd=tmp_path, env=_bare_environment(tmp_path) | env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
    )


def test_gunicorn_with_no_configuration_asks_for_sign_in(tmp_path):
    port = _free_port()
    server = _gunicorn(tmp_path, f"127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                status, location = _status(f"http://127.0.0.1:{port}/")
                break
            except OSError:  # not listening yet (URLError, a refused or timed-out connection)
                assert server.poll() is None and time.monotonic() < deadline, server.stdout and server.stdout.read()
                time.sleep(0.5)
        assert (status, location) == (302, "/login?next=/")
        assert _status(f"http://127.0.0.1:{port}/api/v1/complaints")[0] == 401
        assert _status(f"http://127.0.0.1:{port}/login")[0] == 200
        assert (tmp_path / "var" / "secret_key").stat().st_mode & 0o077 == 0
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_gunicorn_refuses_open_mode_on_the_network(tmp_path):
    server = _gunicorn(tmp_path, f"0.0.0.0:{_free_port()}", CITYOPS_AUTH_MODE="open")
    try:
        output, _ = server.communicate(timeout=90)
    finally:
        server.kill()
    assert server.returncode != 0
    assert "CITYOPS_ALLOW_OPEN_ON_NETWORK" in output


@pytest.mark.parametrize(
    ("argv", "environ", "binds"),
    [
        (["gunicorn", "dashboard.wsgi:server"], {}, ["127.0.0.1:8000"]),
        (["gunicorn", "-b", "0.0.0.0:80", "x"], {}, ["0.0.0.0:80"]),
        (["gunicorn", "--bind=[::]:80", "-b127.0.0.1:81"], {}, ["[::]:80", "127.0.0.1:81"]),
        (["gunicorn", "x"], {"GUNICORN_CMD_ARGS": "--bind 10.0.0.5:8050"}, ["10.0.0.5:8050"]),
        (["gunicorn", "-c", "deploy/gunicorn.conf.py"], {"CITYOPS_BIND": "unix:/run/cityops.sock"},
         ["unix:/run/cityops.sock"]),
        (["gunicorn", "x", "-b"], {}, ["127.0.0.1:8000"]),  # a dangling -b names no address
    ],
)
def test_gunicorn_binds(argv, environ, binds):
    assert gunicorn_binds(argv, environ) == binds


@pytest.mark.parametrize(
    ("binds", "exposed"),
    [
        (["127.0.0.1:8050"], []),
        (["localhost:8050"], []),
        (["[::1]:8050"], []),
        (["unix:/run/cityops.sock"], []),
        (["::1"], []),  # `serve --host ::1`: a bare address, no port
        (["localhost"], []),
        (["0.0.0.0:8050"], ["0.0.0.0:8050"]),
        (["::"], ["::"]),
        (["[::]:8050"], ["[::]:8050"]),
        (["10.1.2.3:8050"], ["10.1.2.3:8050"]),
        (["127.0.0.1:8050", "192.168.1.5:8050"], ["192.168.1.5:8050"]),
        (["0.0.0.0:8050", "127.0.0.1:8051", "[::]:8052"], ["0.0.0.0:8050", "[::]:8052"]),
    ],
)
def test_open_mode_listens_on_loopback_only(binds, exposed):
    open_mode = Settings(auth_mode="open")
    if not exposed:
        check_exposure(open_mode, binds)
    else:
        with pytest.raises(ExposedOpenMode) as refused:
            check_exposure(open_mode, binds)
        assert str(refused.value) == (  # names every exposed address, and the ways out
            f"CITYOPS_AUTH_MODE=open would serve {', '.join(exposed)} without sign-in: listen on 127.0.0.1, "
            "use CITYOPS_AUTH_MODE=login, or set CITYOPS_ALLOW_OPEN_ON_NETWORK=true for a closed demo network"
        )
    check_exposure(Settings(auth_mode="open", allow_open_on_network=True), binds)
    check_exposure(Settings(auth_mode="login", secret_key="k" * 40), binds)


def test_open_mode_answers_loopback_only(tmp_path):
    city = make_city(tmp_path, auth_mode="open")
    assert city.client().get("/").status_code == 200
    assert city.client(REMOTE_ADDR="10.9.9.9").get("/").status_code == 403
    assert city.client(REMOTE_ADDR="10.9.9.9").get("/api/v1/complaints").status_code == 403
    assert city.client().get("/", headers={"X-Forwarded-For": "10.9.9.9"}).status_code == 403
    (tmp_path / "allowed").mkdir()
    allowed = make_city(tmp_path / "allowed", auth_mode="open", allow_open_on_network=True)
    assert allowed.client(REMOTE_ADDR="10.9.9.9").get("/").status_code == 200
    assert not open_to(Settings(auth_mode="open"), "", False)
    assert open_to(Settings(auth_mode="open"), "::1", False) and is_loopback("[::1]")


def test_a_copy_of_the_example_settings_is_login_mode(tmp_path):
    settings = Settings(_env_file=ENV_EXAMPLE)
    assert settings.auth_mode == "login" and settings.allow_open_on_network is False
    assert settings.secret_key.get_secret_value() == ""


def test_session_secret(tmp_path):
    var = tmp_path / "srv" / "var"  # neither folder exists yet
    kept = session_secret(Settings(var_dir=var))
    assert len(kept) == 64  # 48 random bytes in URL-safe base64 (4 characters per 3 bytes)
    assert stat.S_IMODE((var / "secret_key").stat().st_mode) == 0o600 and os.listdir(var) == ["secret_key"]
    assert session_secret(Settings(var_dir=var)) == kept
    assert session_secret(Settings(var_dir=var, secret_key="k" * 40)) == "k" * 40
    assert session_secret(Settings(var_dir=var, secret_key="k" * 16)) == "k" * 16  # the shortest accepted
    for weak in ("change-me", "CHANGE-ME-to-a-long-random-string", "short", "k" * 15):
        with pytest.raises(ValueError) as refused:
            session_secret(Settings(var_dir=var, secret_key=weak))
        assert str(refused.value) == (
            "CITYOPS_SECRET_KEY must be a long random value (at least 16 characters), "
            "or empty to have one made and kept in the var folder"
        )
        assert session_secret(Settings(var_dir=var, secret_key=weak, auth_mode="open")) == kept
    existing = tmp_path / "existing"  # a var folder made beforehand, without a key yet
    existing.mkdir()
    other = session_secret(Settings(var_dir=existing))
    assert len(other) == 64 and other != kept and os.listdir(existing) == ["secret_key"]


def test_serve_refuses_open_mode_on_the_network(tmp_path):
    command = [sys.executable, "-m", "dashboard", "serve", "--host", "0.0.0.0", "--port", str(_free_port())]
    env = _bare_environment(tmp_path) | {"CITYOPS_AUTH_MODE": "open", "CITYOPS_VAR_DIR": str(tmp_path)}
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "CITYOPS_ALLOW_OPEN_ON_NETWORK" in done.stdout + done.stderr
