"""Simulator administration under ``/_sim``: health, faults and the ledger of what was served."""

from __future__ import annotations

from flask import Blueprint, request

from simulator.protocols.common import json_response
from simulator.state import SimState
from simulator.timefmt import iso_utc


def create_blueprint(state: SimState) -> Blueprint:
    """The ``/_sim`` endpoints (never subject to faults)."""
    bp = Blueprint("admin", __name__, url_prefix="/_sim")

    @bp.get("/health")
    def health():
        world = state.world
        return json_response(
            {
                "status": "ok",
                "seed": world.config.seed,
                "now": iso_utc([world.now()])[0],
                "history_start": iso_utc([world.start])[0],
                "horizon": iso_utc([world.horizon])[0],
                "rows": {name: len(table) for name, table in world.tables.items()},
            }
        )

    @bp.get("/faults")
    def get_faults():
        return json_response(state.injector.config.as_dict())

    @bp.post("/faults")
    def set_faults():
        changes = request.get_json(silent=True)
        if not isinstance(changes, dict):
            return json_response({"error": "send a JSON object of fault settings"}, 400)
        try:
            state.injector.config.update(**changes)
        except ValueError as exc:
            return json_response({"error": str(exc)}, 400)
        return json_response(state.injector.config.as_dict())

    @bp.get("/ledger")
    def ledger():
        return json_response(state.ledger.report())

    @bp.get("/ledger/keys")
    def ledger_keys():
        return json_response(state.ledger.served_keys())

    return bp
