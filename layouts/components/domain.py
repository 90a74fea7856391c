"""The frame of the domain pages: navbar, title, period and district controls, tiles and panels."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.components.frame import page_frame
from layouts.components.navbar import navbar
from layouts.data import PERIODS
from layouts.i18n import t


def period_of(value: str | None, default: str = "7d") -> str:
    """A supported period key from a request value."""
    return value if value in PERIODS else default


def controls(page: str, lang: str, period: str, district: str | None, with_district: bool = True) -> dbc.Row:
    """Period switch and district filter (options filled by the page's callback)."""
    cols = [
        dbc.Col(
            [
                dbc.Label(t("map.period", lang), className="filter-label"),
                dbc.RadioItems(
                    id=f"{page}-period",
                    value=period,
                    inline=True,
                    options=[{"label": t(f"map.period.{p}", lang), "value": p} for p in PERIODS],
                ),
            ],
            md=5,
            lg=4,
        )
    ]
    if with_district:
        cols.append(
            dbc.Col(
                [
                    dbc.Label(t("map.district", lang), className="filter-label"),
                    dcc.Dropdown(
                        id=f"{page}-district", value=district, placeholder=t("map.district.all", lang), clearable=True
                    ),
                ],
                md=4,
                lg=3,
            )
        )
    return dbc.Row(cols, className="g-3 mb-3 page-controls")


def domain_page(page: str, prefs: dict, title: str, top: list, body: list, path: str | None = None) -> html.Div:
    """A domain page: ``top`` (controls) above the ``{page}-tiles`` row, then ``body``."""
    return page_frame(
        page,
        prefs,
        [
            navbar(page, prefs, path),
            dbc.Container(
                [
                    html.Div(id=f"{page}-banner"),
                    html.H1(title, className="page-title"),
                    *top,
                    html.Div(id=f"{page}-tiles"),
                    *body,
                ],
                fluid=True,
            ),
        ],
    )
