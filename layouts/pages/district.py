"""District (``/district/<code>``): the district's complaint KPIs, its sub-districts on the map, its trend,
categories, service halls and tickets."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html

from dashboard.app import current_engine, current_settings
from dashboard.kpis.freshness import domain_freshness
from dashboard.queries import domains, feeds, mapview, reference
from dashboard.queries.district import area, complaint_summary, open_tickets
from layouts.components.domain import controls, domain_page, period_of
from layouts.components.frame import preferences
from layouts.components.guard import guarded
from layouts.components.kpi_card import freshness_line
from layouts.components.panel import panel, stat_tile, tile_row
from layouts.data import PERIODS, snapshot_time
from layouts.figures.charts import ranked_bars, time_lines
from layouts.figures.explorer_map import ExplorerLayers, explorer_map
from layouts.format import local_time, number
from layouts.i18n import t

dash.register_page(
    __name__, path_template="/district/<code>", name="district", title="CityOps · District", path="/district/339901"
)


def layout(
    code: str | None = None,
    lang: str | None = None,
    theme: str | None = None,
    period: str | None = None,
    kpi: str | None = None,
    **_query,
) -> html.Div:
    prefs = preferences(lang, theme)
    lang = prefs["lang"]
    info = area(current_engine(), code or "")
    name = (info["name_en"] if lang == "en" else info["name_zh"]) if info else (code or "")
    body = [
        dcc.Store(id="district-code", data=code),
        dcc.Store(id="district-kpi", data=kpi),
        dbc.Row(
            [
                dbc.Col(panel("district-map", t("district.map", lang), lang, "420px", fresh=False), lg=6),
                dbc.Col(panel("district-trend", t("complaints.trend", lang), lang, "420px", fresh=False), lg=6),
            ],
            className="g-3 mb-3",
        ),
        dbc.Row(
            [
                dbc.Col(panel("district-subdistricts", t("district.subdistricts", lang), lang, fresh=False), lg=4),
                dbc.Col(panel("district-categories", t("complaints.categories", lang), lang, fresh=False), lg=4),
                dbc.Col(panel("district-halls", t("district.halls", lang), lang, fresh=False), lg=4),
            ],
            className="g-3 mb-3",
        ),
        html.H2(t("district.tickets", lang), className="page-subtitle"),
        html.Div(id="district-tickets"),
    ]
    top = [
        controls("district", lang, period_of(period), None, with_district=False),
        html.Div(id="district-fresh", className="page-fresh mb-2"),
    ]
    title = t("district.title", lang, name=name) if info else t("district.unknown", lang, code=code or "")
    return domain_page("district", prefs, title, top, body, path=f"/district/{code}")


def register_callbacks(app: dash.Dash) -> None:
    @app.callback(
        Output("district-tiles", "children"),
        Output("district-map", "figure"),
        Output("district-trend", "figure"),
        Output("district-subdistricts", "figure"),
        Output("district-categories", "figure"),
        Output("district-halls", "figure"),
        Output("district-tickets", "children"),
        Output("district-fresh", "children"),
        Output("district-banner", "children"),
        Input("district-interval", "n_intervals"),
        Input("district-period", "value"),
        State("district-code", "data"),
        State("district-prefs", "data"),
        State("district-kpi", "data"),
    )
    def refresh(_n, period, code, prefs, highlight):
        lang, theme = prefs["lang"], prefs["theme"]

        def render():
            engine, settings = current_engine(), current_settings()
            tz, now = settings.city_timezone, snapshot_time()
            start = now - PERIODS[period_of(period)]
            sel = mapview.Selection(start, now, code)
            summary = complaint_summary(engine, code, start, now)
            backlog, overdue = open_tickets(engine, now, code)
            subs = mapview.area_kpis(engine, sel, "street")
            districts = reference.districts(engine)
            focus = districts[districts["code"] == code]
            halls = domains.hall_stats(engine, start, now, code)
            categories = domains.by_category(engine, sel, now)
            page, total = domains.tickets_page(engine, sel, 0, 20)
            name = "name_en" if lang == "en" else "name_zh"

            def pct(v):
                return number(v, lang, 1) + "%" if v is not None else t("kpi.no_value", lang)

            tiles = [
                (
                    "received",
                    number(summary.received, lang),
                    t("district.tile.received.detail", lang, rate=number(summary.per_10k, lang, 1)),
                ),
                (
                    "on_time",
                    pct(summary.on_time),
                    t(
                        "complaints.tile.on_time.detail",
                        lang,
                        met=number(summary.due_met, lang),
                        due=number(summary.due, lang),
                    ),
                ),
                (
                    "backlog",
                    number(backlog, lang),
                    t("complaints.tile.backlog.detail", lang, overdue=number(overdue, lang)),
                ),
                (
                    "satisfaction",
                    pct(summary.satisfaction),
                    t(
                        "complaints.tile.satisfaction.detail",
                        lang,
                        satisfied=number(summary.satisfied, lang),
                        rated=number(summary.rated, lang),
                    ),
                ),
            ]
            rows = [
                html.Tr(
                    [
                        html.Td(r.ticket),
                        html.Td(local_time(r.requested_at, tz)),
                        html.Td(r.category or ""),
                        html.Td(t(f"status.{r.status}", lang) if r.status in domains.STATUS_KEYS else r.status),
                    ]
                )
                for r in page.itertuples(index=False)
            ]
            head = html.Thead(
                html.Tr(
                    [html.Th(t(f"tickets.col.{c}", lang)) for c in ("ticket", "requested_at", "category", "status")]
                )
            )
            link = f"/complaints?district={code}&lang={lang}&theme={theme}"
            tickets = html.Div(
                [
                    dbc.Table([head, html.Tbody(rows)], size="sm", hover=True, className="align-middle"),
                    html.A(
                        t("district.all_tickets", lang, count=number(total, lang)), href=link, id="district-all-tickets"
                    ),
                ]
            )
            fresh = domain_freshness(feeds.feed_status(engine), ("complaints",), now, settings.stale_after_intervals)
            ranked = subs.sort_values("per_10k", ascending=False)
            return (
                tile_row([stat_tile(k, t(f"complaints.tile.{k}", lang), v, d, highlight == k) for k, v, d in tiles]),
                explorer_map(
                    ExplorerLayers(outlines=districts, areas=subs, halls=halls, focus=focus),
                    lang,
                    theme,
                    tz,
                    settings.map_style_url,
                    fit_px=(800, 420),
                    show_legend=False,
                ),
                time_lines(
                    domains.complaint_trend(engine, start, now, code),
                    {"received": t("complaints.series.received", lang), "closed": t("complaints.series.closed", lang)},
                    lang,
                    theme,
                    tz,
                    bars=("received",),
                ),
                ranked_bars(list(ranked[name]), list(ranked["per_10k"]), lang, theme, digits=1),
                ranked_bars(list(categories["key"]), list(categories["received"]), lang, theme),
                ranked_bars(
                    list(halls[name]),
                    list(halls["wait_min"]),
                    lang,
                    theme,
                    digits=1,
                    unit=" " + t("unit.minutes", lang),
                ),
                tickets,
                freshness_line(fresh, lang, tz),
            )

        return guarded(render, 8, lang)
