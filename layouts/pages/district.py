"""District (``/district/<code>``): the district's complaint KPIs, its sub-districts on the map, its trend,
categories, service halls and tickets (a click on one opens its detail)."""

from __future__ import annotations

import dash
from dash import html

from layouts.components.complaints import (
    category_bars,
    compared_complaints,
    complaint_lines,
    complaint_tiles,
    register_ticket_table,
    ticket_table,
    with_complaint_changes,
)
from layouts.components.domain import DomainSpec, Drawn, Slot, View, domain_layout, register_domain
from layouts.components.frame import page_request
from layouts.figures.charts import ranked_bars
from layouts.figures.explorer_map import explorer_map
from layouts.i18n import t
from layouts.viewmodels.complaints import complaint_kpis, complaint_trend
from layouts.viewmodels.district import district_area, district_view, ticket_selection

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
    context = page_request(lang, theme, query={"period": period, **_query})
    lang = context.language
    info = district_area(context, code or "")
    if info:
        title = t("district.title", lang, name=info["name_en"] if lang == "en" else info["name_zh"])
    else:
        title = t("district.unknown", lang, code=code or "")
    tickets = ticket_table("district", lang, t("district.tickets", lang))
    return domain_layout(SPEC, context, title, code, kpi, tuple(tickets), path=f"/district/{code}")


#: The complaint tiles of a district.
TILES = ("received", "on_time", "backlog", "satisfaction")


def draw(view: View) -> Drawn:
    lang, theme, tz = view.context.language, view.context.theme, view.context.timezone
    data, base = district_view(view), compared_complaints(view, complaint_kpis, complaint_trend)
    kpis, ranked, halls = data.kpis, data.ranked, data.halls
    tiles = complaint_tiles(kpis.summary, kpis.backlog, kpis.overdue, lang, TILES, "district.tile.received.detail")
    return Drawn(
        with_complaint_changes(tiles, view, kpis, base),
        {
            "map": lambda: explorer_map(
                data.map_layers,
                lang,
                theme,
                tz,
                view.context.settings.map_style_url,
                fit_px=SPEC.fit_px("map"),
                show_legend=False,
            ),
            "trend": lambda: complaint_lines(data.trend(), view, base),
            "subdistricts": lambda: ranked_bars(
                list(ranked[view.name]), list(ranked["per_10k"]), lang, theme, digits=1
            ),
            "categories": lambda: category_bars(data.categories(), view),
            "halls": lambda: ranked_bars(
                list(halls[view.name]),
                list(halls["wait_min"]),
                lang,
                theme,
                digits=1,
                unit=" " + t("unit.minutes", lang),
            ),
        },
    )


def register_callbacks(app: dash.Dash) -> None:
    register_domain(app, SPEC, draw)
    register_ticket_table(
        app, "district", [("district-district", "data")], ticket_selection
    )
