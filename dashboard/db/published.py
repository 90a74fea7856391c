"""Figures a source publishes for something CityOps computes, stored beside the readings at ingest.

A sensor feed maps such a figure to a reading of a ``*_published`` quantity (the CNEMC preset: ``aqi`` →
``aqi_published``, with the primary pollutant as its label); the sink stores it in ``published_figure``
instead of ``sensor_reading``.
"""

from __future__ import annotations

from sqlalchemy import Connection

from dashboard.db.models import PublishedFigure
from dashboard.db.upsert import UpsertCounts, upsert

#: Suffix of the quantities that carry a source's published figure.
SUFFIX = "_published"
KEY = ("source", "station_code", "quantity", "observed_at")


def divert(conn: Connection, rows: list[dict]) -> tuple[list[dict], UpsertCounts]:
    """Store the published figures among sensor ``rows``; returns the readings (without labels) and what storing
    the figures did (counted in the feed's run like its readings: fetched = new + updated + unchanged +
    rejected)."""
    figures, readings = [], []
    for row in rows:
        label = row.pop("label", None)
        if row["quantity"].endswith(SUFFIX):
            figures.append({**{k: row[k] for k in KEY}, "value": row["value"], "label": label})
        else:
            readings.append(row)
    stored = upsert(conn, PublishedFigure.__table__, figures, key=KEY) if figures else UpsertCounts()
    return readings, stored
