"""A simulated demo city (澄江市) serving its departmental systems over the real protocols, with fault injection.

It imports nothing from the project's other packages.
"""

from simulator.config import FaultConfig, SimulatorConfig
from simulator.server import Simulator, start

__all__ = ["FaultConfig", "Simulator", "SimulatorConfig", "start"]
