"""District (``/district/<code>``): the district's complaint KPIs, its sub-districts on the map, its trend,
categories, service halls and tickets (a click on one opens its detail)."""

from __future__ import annotations

import dash
from dash import html

from dashboard.app import current_engine
from dashboard.queries import domains, mapview, reference
from dashboard.queries.district import area, complaint_summary, open_tickets
from layouts.components.complaints import complaint_tiles, register_ticket_table, ticket_table
from layouts.components.domain import DomainSpec, Drawn, Slot, View, domain_layout, period_of, register_domain
from layouts.components.frame import preferences
from layouts.data import PERIODS, snapshot_time
from layouts.figures.charts import ranked_bars, time_lines
from layouts.figures.explorer_map import ExplorerLayers, explorer_map
from layouts.i18n import t

dash.register_page(
    __name__, path_template="/district/<code>", name="district", title="CityOps · District", path="/district/339901"
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
    info = area(current_engine(), code or "")
    if info:
        title = t("district.title", lang, name=info["name_en"] if lang == "en" else info["name_zh"])
    else:
        title = t("district.unknown", lang, code=code or "")
    tickets = ticket_table("district", lang, t("district.tickets", lang))
    return domain_layout(SPEC, prefs, title, period, code, kpi, tuple(tickets), path=f"/district/{code}")


def draw(view: View) -> Drawn:
    engine, lang, theme, code = view.engine, view.lang, view.theme, view.district
    sel = mapview.Selection(view.start, view.now, code)
    backlog, overdue = open_tickets(engine, view.now, code)
    subs = mapview.area_kpis(engine, sel, view.settings.city_timezone, "street")
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


def _selection(period: str | None, code: str | None) -> mapview.Selection:
    now = snapshot_time()
    return mapview.Selection(now - PERIODS[period_of(period)], now, code)


def register_callbacks(app: dash.Dash) -> None:
    register_domain(app, SPEC, draw)
    register_ticket_table(app, "district", [("district-period", "value"), ("district-district", "data")], _selection)
