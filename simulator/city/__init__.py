"""The demo city 澄江市 (Chengjiang): its generation from a seed and its committed files."""

from simulator.city.build import build_city
from simulator.city.files import read_city, write_city
from simulator.city.model import City, Feature

__all__ = ["City", "Feature", "build_city", "read_city", "write_city"]
