"""Start and stop the simulated city: one HTTP server on loopback plus a background clock loop."""

from __future__ import annotations

import logging
import random
import threading
from datetime import datetime

from flask import Flask, g, request
from werkzeug.serving import WSGIRequestHandler, make_server

from simulator.city import City, build_city, read_city
from simulator.config import DEFAULT_SEED, FaultConfig, SimulatorConfig
from simulator.faults import FaultInjector, RequestFaults
from simulator.hotline import HotlineExporter
from simulator.ledger import Ledger
from simulator.protocols import admin, halls, ngsi, ngsi_ld, open311, sensorthings
from simulator.protocols.common import json_response
from simulator.state import SimState
from simulator.timefmt import DAY_S, from_epoch
from simulator.world import World

log = logging.getLogger(__name__)
TICK_SECONDS = 1.0


class _QuietHandler(WSGIRequestHandler):
    """Request handler that does not log every request and keeps connections open (HTTP/1.1), as upstream
    systems do: a backfill of a thousand pages then costs no thousand TCP handshakes."""

    protocol_version = "HTTP/1.1"

    def log_request(self, *args, **kwargs) -> None:
        return None


def create_app(state: SimState) -> Flask:
    """The Flask app serving every protocol, with faults applied per request."""
    app = Flask("simulator")

    @app.before_request
    def draw_faults():
        if request.path.startswith("/_sim"):
            g.faults = RequestFaults(0, random.Random(0), FaultConfig())
            return None
        g.faults = state.injector.next_request()
        failure = state.injector.transport_fault(g.faults)
        if failure is None:
            return None
        status, message = failure
        headers = {"Retry-After": str(g.faults.config.retry_after_seconds)} if status in (429, 503) else None
        return json_response({"error": message}, status, headers)

    for module in (open311, ngsi, ngsi_ld, sensorthings, halls, admin):
        app.register_blueprint(module.create_blueprint(state))
    return app


def load_city(config: SimulatorConfig) -> City:
    """The committed city files when present, else the city generated from the default seed."""
    if (config.data_dir / "districts.geojson").exists():
        return read_city(config.data_dir)
    return build_city(DEFAULT_SEED)


class Simulator:
    """A running simulated city (see :func:`start`)."""

    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.state = SimState(World(config, load_city(config)), FaultInjector(config.seed, config.faults), Ledger())
        self.hotline = HotlineExporter(
            self.state.world, self.state.ledger, config.drop_dir, config.hotline_export_minutes, config.hotline_encoding
        )
        self.hotline.catch_up(self.state.world.now())
        self._server = make_server(
            config.host, config.port, create_app(self.state), threaded=True, request_handler=_QuietHandler
        )
        self._stopped = threading.Event()
        self._ticking = threading.Lock()  # the clock loop and a caller's own tick never write an export at once
        self._threads = [
            threading.Thread(target=self._server.serve_forever, name="simulator-http", daemon=True),
            threading.Thread(target=self._tick, name="simulator-clock", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321``."""
        return f"http://{self.config.host}:{self._server.server_port}"

    @property
    def faults(self) -> FaultConfig:
        """The live fault configuration."""
        return self.state.injector.config

    def set_faults(self, **changes: object) -> FaultConfig:
        """Change faults (e.g. ``error_rate=0.1``); unknown names raise ``ValueError``."""
        self.faults.update(**changes)
        return self.faults

    def now(self) -> datetime:
        """The simulator's current time (aware UTC)."""
        return from_epoch(self.state.world.now())

    def tick(self) -> None:
        """Extend the generated horizon and write due hotline exports (the clock loop does this every second)."""
        with self._ticking:
            now = self.state.world.now()
            self.state.world.extend_to(now + DAY_S)
            self.hotline.catch_up(now)

    def _tick(self) -> None:
        while not self._stopped.wait(TICK_SECONDS):
            try:
                self.tick()
            except Exception:
                log.exception("simulator clock loop failed")

    def stop(self) -> None:
        """Stop the HTTP server and the clock loop."""
        self._stopped.set()
        self._server.shutdown()
        self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)


def start(config: SimulatorConfig) -> Simulator:
    """Generate the history and start serving it."""
    return Simulator(config)
