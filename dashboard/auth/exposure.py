"""Open mode (no sign-in) stays on this machine: a server in open mode refuses to start on an address other than
loopback, and refuses requests from other addresses, unless ``CITYOPS_ALLOW_OPEN_ON_NETWORK`` says otherwise."""

from __future__ import annotations

import ipaddress
import shlex
from collections.abc import Iterable, Mapping, Sequence

from dashboard.settings import Settings

#: gunicorn's own default when no bind is given.
GUNICORN_DEFAULT_BIND = "127.0.0.1:8000"


class ExposedOpenMode(RuntimeError):
    """Open mode asked to listen on a network address without the explicit setting that allows it."""


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address, ``localhost`` or a Unix socket) is reachable from this machine only."""
    host = host.strip().strip("[]")
    if host == "localhost" or host.startswith("unix:"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind_host(bind: str) -> str:
    """The host part of a gunicorn or waitress bind (``host:port``, ``[v6]:port``, ``unix:path``)."""
    bind = bind.strip()
    if bind.startswith("unix:") or bind.startswith("fd://"):
        return bind
    if bind.startswith("["):
        return bind[1 : bind.index("]")]
    return bind.rsplit(":", 1)[0] if bind.count(":") == 1 else bind


def gunicorn_binds(argv: Sequence[str], environ: Mapping[str, str]) -> list[str]:
    """The addresses a gunicorn started with ``argv`` listens on (``-b``/``--bind``, ``GUNICORN_CMD_ARGS`` and
    ``CITYOPS_BIND``, which ``deploy/gunicorn.conf.py`` reads), else gunicorn's default."""
    words = [*argv, *shlex.split(environ.get("GUNICORN_CMD_ARGS", ""))]
    binds = []
    for i, word in enumerate(words):
        if word in ("-b", "--bind") and i + 1 < len(words):
            binds.append(words[i + 1])
        elif word.startswith("--bind="):
            binds.append(word.removeprefix("--bind="))
        elif word.startswith("-b") and len(word) > 2:
            binds.append(word[2:])
    if environ.get("CITYOPS_BIND"):
        binds.append(environ["CITYOPS_BIND"])
    return binds or [GUNICORN_DEFAULT_BIND]


def check_exposure(settings: Settings, binds: Iterable[str]) -> None:
    """Refuse to serve open mode on a network address unless ``allow_open_on_network`` is set."""
    if settings.auth_mode != "open" or settings.allow_open_on_network:
        return
    exposed = [b for b in binds if not is_loopback(bind_host(b))]
    if exposed:
        raise ExposedOpenMode(
            f"CITYOPS_AUTH_MODE=open would serve {', '.join(exposed)} without sign-in: listen on 127.0.0.1, "
            "use CITYOPS_AUTH_MODE=login, or set CITYOPS_ALLOW_OPEN_ON_NETWORK=true for a closed demo network"
        )


def open_to(settings: Settings, peer: str | None, forwarded: bool) -> bool:
    """Whether open mode answers a request from ``peer`` (``forwarded``: it came through a proxy)."""
    if settings.allow_open_on_network:
        return True
    return not forwarded and is_loopback(peer or "")
