"""The explorer's H3 cells as sent: each hexagon within rounding of H3's own boundary, neighbours still meeting
on a shared edge, and the hover reading as the catalogue's label."""

from __future__ import annotations

import math

import h3
import pandas as pd
import pytest
from shapely.geometry import Polygon, box

from layouts.figures.explorer_map import ExplorerLayers, explorer_map

CENTRE = h3.latlng_to_cell(30.9, 120.6, 7)
#: A coordinate sent to 5 decimals is off by at most half a unit of the 5th decimal on each axis.
ROUNDING = math.sqrt(2) / 2 * 1e-5


def _figure(cells: list[str], counts: list[int], lang: str):
    outlines = pd.DataFrame(
        [{"code": "D1", "name_zh": "一区", "name_en": "One", "geometry": box(120.4, 30.7, 120.8, 31.1)}]
    )
    lat_lng = [h3.cell_to_latlng(c) for c in cells]
    frame = pd.DataFrame(
        {"h3": cells, "count": counts, "lat": [p[0] for p in lat_lng], "lon": [p[1] for p in lat_lng]}
    )
    return explorer_map(ExplorerLayers(outlines=outlines, cells=frame), lang, "dark", "Asia/Shanghai")


def _cell_trace(figure):
    return next(trace for trace in figure.data if trace.type == "choroplethmap" and trace.uid == "cells")


def test_cells_stay_on_their_boundary_and_neighbours_meet():
    ring = sorted(h3.grid_disk(CENTRE, 1))
    geojson = _cell_trace(_figure(ring, [1] * 7, "en")).geojson
    features = {f["id"]: f["geometry"]["coordinates"][0] for f in geojson["features"]}
    assert sorted(features) == ring
    for cell, sent in features.items():
        truth = Polygon([(lng, lat) for lat, lng in h3.cell_to_boundary(cell)])
        assert tuple(sent[0]) == tuple(sent[-1])
        assert Polygon(sent).hausdorff_distance(truth) <= ROUNDING
    centre = {tuple(v) for v in features[CENTRE]}
    for neighbour in ring:
        if neighbour != CENTRE:
            assert len(centre & {tuple(v) for v in features[neighbour]}) == 2, neighbour


@pytest.mark.parametrize(
    ("lang", "labels"),
    [
        ("zh", ["该六边形内 7 件诉求", "该六边形内 1,948 件诉求"]),
        ("en", ["7 complaints in this cell", "1,948 complaints in this cell"]),
    ],
)
def test_cell_hover_reads_as_its_label(lang, labels):
    cells = [CENTRE, next(c for c in sorted(h3.grid_disk(CENTRE, 1)) if c != CENTRE)]
    trace = _cell_trace(_figure(cells, [7, 1948], lang))
    shown = [trace.hovertemplate.replace("%{text}", text).replace("<extra></extra>", "") for text in trace.text]
    assert shown == labels
