"""District (``/district/<code>``): the district's complaint KPIs, its sub-districts on the map, its trend,
categories, service halls and tickets (a click on one opens its detail)."""

from __future__ import annotations

import dash
from dash import html

from dashboard.context import request_context
from dashboard.kpis.periods import WINDOWS
from dashboard.queries import domains, reference
from dashboard.queries import map as map_queries
from dashboard.queries.complaints import ComplaintFilter, complaint_summary
from dashboard.queries.kpis import open_tickets
from dashboard.queries.reference import area
from layouts.components.complaints import complaint_tiles, register_ticket_table, ticket_table
from layouts.components.domain import DomainSpec, Drawn, Slot, View, domain_layout, period_of, register_domain
from layouts.components.frame import preferences
from layouts.data import snapshot_time
from layouts.figures.charts import ranked_bars, time_lines
from layouts.figures.explorer_map import ExplorerLayers, explorer_map
from layouts.i18n import t

#: The page's registered path is its template: no district of one city stands for all (callbacks map to it).
PATH_TEMPLATE = "/district/<code>"
dash.register_page(
    __name__, path_template=PATH_TEMPLATE, path=PATH_TEMPLATE, name="district", title="CityOps · District"
)

SPEC = DomainSpec(
    "district",
    rows=(
        (Slot("map", 6, "district.map", "420px"), Slot("trend", 6, "complaints.trend", "420px")),
        (
            Slot("subdistricts", 4, "district.subdistricts"),
            Slot("categories", 4, "complaints.categories"),
            Slot("halls", 4, "district.halls"),
        ),
    ),
    domains=("complaints",),
    district="data",
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
    info = area(request_context().engine, code or "")
    if info:
        title = t("district.title", lang, name=info["name_en"] if lang == "en" else info["name_zh"])
    else:
        title = t("district.unknown", lang, code=code or "")
    tickets = ticket_table("district", lang, t("district.tickets", lang))
    return domain_layout(SPEC, prefs, title, period, code, kpi, tuple(tickets), path=f"/district/{code}")


def draw(view: View) -> Drawn:
    engine, lang, theme, code = view.engine, view.lang, view.theme, view.district
    sel = ComplaintFilter(view.start, view.now, code)
    backlog, overdue = open_tickets(engine, view.now, code)
    subs = map_queries.area_kpis(engine, sel, view.settings.city_timezone, "street")
    districts = reference.districts(engine)
    halls = domains.hall_stats(engine, view.start, view.now, code)
    categories = domains.by_category(engine, sel, view.now)
    ranked = subs.sort_values("per_10k", ascending=False)
    return Drawn(
        complaint_tiles(
            complaint_summary(engine, code, view.start, view.now),
            backlog,
            overdue,
            lang,
            keys=("received", "on_time", "backlog", "satisfaction"),
            received_detail="district.tile.received.detail",
        ),
        {
            "map": lambda: explorer_map(
                ExplorerLayers(outlines=districts, areas=subs, halls=halls, focus=districts[districts["code"] == code]),
                lang,
                theme,
                view.tz,
                view.settings.map_style_url,
                fit_px=(800, 420),
                show_legend=False,
            ),
            "trend": time_lines(
                domains.complaint_trend(engine, view.start, view.now, code),
                {"received": t("complaints.series.received", lang), "closed": t("complaints.series.closed", lang)},
                lang,
                theme,
                view.tz,
                bars=("received",),
            ),
            "subdistricts": ranked_bars(list(ranked[view.name]), list(ranked["per_10k"]), lang, theme, digits=1),
            "categories": ranked_bars(list(categories["key"]), list(categories["received"]), lang, theme),
            "halls": ranked_bars(
                list(halls[view.name]),
                list(halls["wait_min"]),
                lang,
                theme,
                digits=1,
                unit=" " + t("unit.minutes", lang),
            ),
        },
    )


def _selection(period: str | None, code: str | None) -> ComplaintFilter:
    now = snapshot_time()
    return ComplaintFilter(now - WINDOWS[period_of(period)], now, code)


def register_callbacks(app: dash.Dash) -> None:
    register_domain(app, SPEC, draw)
    register_ticket_table(app, "district", [("district-period", "value"), ("district-district", "data")], _selection)
