"""``python -m dashboard`` — the CityOps command line."""

from dashboard.cli import app

app(prog_name="python -m dashboard")
