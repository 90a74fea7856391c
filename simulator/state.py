"""What the HTTP handlers share: the world, the fault injector and the ledger."""

from __future__ import annotations

from dataclasses import dataclass

from simulator.faults import FaultInjector
from simulator.ledger import Ledger
from simulator.world import World


@dataclass
class SimState:
    """The running simulator's shared state."""

    world: World
    injector: FaultInjector
    ledger: Ledger
