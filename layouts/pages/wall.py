"""Wall (``/wall``): the 16:9 dark command-centre screen. Scenes rotate as a playlist set by the URL
(``?scenes=city,traffic&rotate=60&lang=zh&theme=dark``); every panel shows its data time and turns stale;
one refresh at a time, figures drawn with the page (for its screen: ``?scale=``) and then updated by
``dash.Patch``, alarms in the ticker. Only the first scene's figures are drawn at load (software WebGL takes a few
hundred milliseconds a map): the others wait in the browser (``wall-deferred``) and are drawn when their
scene is next, laid out but hidden, a few seconds after the page for the second scene, a turn before it shows
for the others."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import dash
from dash import ALL, ClientsideFunction, Input, Output, Patch, State, dcc, html

from dashboard.context import RequestContext
from dashboard.queries.base import DatabaseUnavailable
from layouts.components.banner import problem_banner
from layouts.components.frame import page_context, page_frame, page_request
from layouts.components.guard import guarded
from layouts.components.kpi_card import freshness_line, kpi_row
from layouts.components.panel_error import panel_block, panel_figure
from layouts.components.timepicker import as_of_text, settle
from layouts.components.wall_panels import PANELS, SCENES, playlist
from layouts.data import drawn_once
from layouts.i18n import t
from layouts.viewmodels.wall import alarms, panel_body, wall_view

dash.register_page(__name__, path="/wall", name="wall", title="CityOps · Wall")

GRAPH_CONFIG = {"displayModeBar": False, "responsive": True, "staticPlot": False}
#: Seconds per scene unless ``?rotate=`` says otherwise (at least 3).
DEFAULT_ROTATE = 60
#: Milliseconds after the page is drawn until the second scene is laid out and drawn (at most half a turn).
PREPARE_MS = 3_000


def _panel(name: str, lang: str, drawn: WallContent, deferred: bool) -> html.Section:
    spec = PANELS[name]
    body = (
        dcc.Graph(
            id={"type": "wall-graph", "panel": name},
            className="wall-graph",
            style={"height": "100%"},
            config=GRAPH_CONFIG | {"locale": "zh-CN" if lang == "zh" else "en"},
            **({} if deferred or drawn.bodies[name] is None else {"figure": drawn.bodies[name]}),  # None: not drawn
        )
        if spec.graph
        else html.Div(drawn.bodies[name], id={"type": "wall-html", "panel": name}, className="wall-graph wall-html")
    )
    return html.Section(
        [
            html.Div(
                [
                    html.H2(t(spec.title, lang), className="wall-panel-title"),
                    html.Div(drawn.fresh[name], id={"type": "wall-fresh", "panel": name}, className="wall-fresh"),
                ],
                className="wall-panel-head",
            ),
            body,
        ],
        id={"type": "wall-panel", "panel": name},
        className=drawn.classes[name],
    )


def screen_scale(value: str | None) -> float:
    """The ``?scale=`` the page is drawn for (its screen's width / 1920 px; 1 to 4, else 1)."""
    try:
        return min(4.0, max(1.0, float(value))) if value else 1.0
    except ValueError:
        return 1.0


def _seconds(rotate: str | None) -> float:
    try:
        return max(3.0, float(rotate)) if rotate else DEFAULT_ROTATE
    except ValueError:
        return DEFAULT_ROTATE


def _header(lang: str, chosen: list[str], banner, settings, as_of: str | None) -> html.Header:
    """Title, scene, banner and the live clock; a wall showing a past moment says which beside the clock."""
    city = settings.city_name_zh if lang == "zh" else settings.city_name_en
    clock = html.Div(
        className="cityops-clock wall-clock", **{"data-timezone": settings.city_timezone, "data-lang": lang}
    )
    return html.Header(
        [
            html.H1([html.Span(city, className="me-3"), t("wall.title", lang)], className="wall-title"),
            html.Div(t(f"wall.scene.{chosen[0]}", lang), id="wall-scene-name", className="wall-scene-name"),
            html.Div(banner, id="wall-banner", className="wall-banner"),
            *([html.Div(as_of, id="wall-as-of", className="wall-as-of")] if as_of else []),
            clock,
        ],
        className="wall-header",
    )


def _stage(lang: str, chosen: list[str], drawn: WallContent, deferred: dict) -> html.Div:
    scenes = [
        html.Div(
            [_panel(p, lang, drawn, p in deferred) for p in SCENES[s]],
            id={"type": "wall-scene", "scene": s},
            className="wall-scene" + (" active" if i == 0 else ""),
        )
        for i, s in enumerate(chosen)
    ]
    return html.Div(scenes, className="wall-stage", id="wall-stage")


def _footer(lang: str, drawn: WallContent) -> html.Footer:
    return html.Footer(
        [
            html.Span(t("wall.ticker", lang), className="wall-ticker-label"),
            html.Div(drawn.ticker, id="wall-ticker", className="wall-ticker"),
        ],
        className="wall-footer",
    )


def _stores(lang: str, chosen: list[str], deferred: dict, scale: float, drawn: bool, seconds: float) -> list:
    playlist_data = [{"scene": s, "name": t(f"wall.scene.{s}", lang), "panels": list(SCENES[s])} for s in chosen]
    return [
        dcc.Store(id="wall-playlist", data=playlist_data),
        dcc.Store(id="wall-deferred", data=deferred),
        dcc.Store(id="wall-scale", data=scale),
        dcc.Store(id="wall-drawn", data=drawn),
        dcc.Location(id="wall-rescale", refresh=True),
        dcc.Interval(id="wall-rotate", interval=int(seconds * 1000), disabled=len(chosen) < 2),
        dcc.Interval(
            id="wall-prepare", interval=min(PREPARE_MS, int(seconds * 500)), max_intervals=1, disabled=not deferred
        ),
    ]


def layout(
    lang: str | None = None,
    theme: str | None = None,
    scenes: str | None = None,
    rotate: str | None = None,
    scale: str | None = None,
    **_query,
) -> html.Div:
    asked = page_request(lang, theme, default_theme="dark", query=_query, scale=screen_scale(scale))
    settled = settle("wall", asked)  # an archive's wall shows its newest data's moment (the URL's as_of otherwise)
    context = settled.context
    lang, settings = context.language, context.settings
    chosen, seconds = playlist(scenes), _seconds(rotate)
    panels = [p for s in chosen for p in SCENES[s]]
    try:
        drawn, banner = content(context, panels), None
    except DatabaseUnavailable:  # the frame, clock and banner; the first refresh that reaches it draws the rest
        drawn, banner = WallContent.blank(panels), problem_banner("database", lang)
    # figures of the later scenes wait in the browser (not when the page could not draw them: the first
    # refresh sends every figure whole)
    deferred = {p: drawn.bodies[p] for s in chosen[1:] for p in SCENES[s] if PANELS[p].graph} if banner is None else {}
    return page_frame(
        "wall",
        context,
        [
            _header(lang, chosen, banner, settings, as_of_text(settled, lang)),
            html.Div(drawn.kpis, id="wall-kpis", className="wall-kpis"),
            _stage(lang, chosen, drawn, deferred),
            _footer(lang, drawn),
            *_stores(lang, chosen, deferred, context.scale, banner is None, seconds),
        ],
        class_name="wall",
        **{"data-reload-ms": int(settings.wall_reload_hours * 3_600_000)},
    )


@dataclass(frozen=True)
class WallContent:
    """What the data decides on the wall: the KPI strip, each panel's figure or list (``bodies``), each figure's
    data as a patch for a wall that has drawn it (``patches``), each panel's data time and class (stale or not),
    and the ticker."""

    kpis: object
    bodies: dict[str, object]
    patches: dict[str, object]
    fresh: dict[str, list]
    classes: dict[str, str]
    ticker: list

    @classmethod
    def blank(cls, panels: list[str]) -> WallContent:
        """Nothing drawn yet (the database could not be read)."""
        classes = {p: f"wall-panel wall-panel-{p}" for p in panels}
        return cls(None, dict.fromkeys(panels), {}, {p: [] for p in panels}, classes, [])


def content(context: RequestContext, panels: list[str]) -> WallContent:
    """The wall's data-driven parts for ``panels`` in the request ``context``, figures sized for its screen
    (``scale`` × 1920 px wide): drawn with the page itself (nothing waits for a round trip at load) and again by
    each refresh; the KPI strip compared with the day before or a year before when the URL says so
    (``?compare=previous|year``). Drawn once a refresh interval for every wall that asks alike
    (``layouts.data.drawn_once``)."""
    return drawn_once(context, "wall", lambda: _drawn(context, panels), tuple(panels))


def _drawn(context: RequestContext, panels: list[str]) -> WallContent:
    view = wall_view(context, panels)
    lang, fresh, tz = context.language, view.freshness, context.timezone
    ticker = [html.Span(text, className=f"ticker-item ticker-{level}") for level, text in alarms(context, view.now)]
    bodies = {p: _body(p, context, view.now) for p in panels}
    return WallContent(
        kpis=kpi_row(view.kpis, lang, tz, view.changes, view.compare),
        bodies=bodies,
        patches={p: data_patch(body) for p, body in bodies.items() if PANELS[p].graph and body is not None},
        fresh={p: freshness_line(fresh[p], lang, tz) if PANELS[p].domains else [] for p in panels},
        classes={
            p: f"wall-panel wall-panel-{p}" + (" wall-panel-stale" if PANELS[p].domains and fresh[p].stale else "")
            for p in panels
        },
        ticker=ticker or [html.Span(t("wall.ticker.none", lang), className="ticker-item ticker-ok")],
    )


def _body(panel: str, ctx: RequestContext, now: datetime) -> object:
    """The panel's figure or list at the wall's moment ``now``; one that fails says so in its place, and the rest
    of the wall draws."""
    spec, lang = PANELS[panel], ctx.language
    if spec.graph:
        return panel_figure(lambda: panel_body(panel, ctx, now), lang, ctx.theme, t(spec.title, lang))
    return panel_block(lambda: panel_body(panel, ctx, now), lang, t(spec.title, lang))


def data_patch(figure) -> Patch:
    """A patch that replaces only the figure's traces, annotations and shapes (its layout stays)."""
    patch = Patch()
    patch["data"] = figure.to_plotly_json()["data"]
    patch["layout"]["annotations"] = list(figure.layout.annotations or [])
    patch["layout"]["shapes"] = list(figure.layout.shapes or [])
    return patch


def _register_clientside(app: dash.Dash) -> None:
    """Scene rotation, deferred figures and rescaling run in the browser (assets/50-wall.js)."""
    app.clientside_callback(
        ClientsideFunction("cityopsWall", "rotate"),
        Output({"type": "wall-scene", "scene": ALL}, "className"),
        Output("wall-scene-name", "children"),
        Input("wall-rotate", "n_intervals"),
        Input("wall-prepare", "n_intervals"),
        State("wall-playlist", "data"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ClientsideFunction("cityopsWall", "reveal"),
        Output({"type": "wall-graph", "panel": ALL}, "figure", allow_duplicate=True),
        Output("wall-deferred", "data", allow_duplicate=True),
        Input({"type": "wall-scene", "scene": ALL}, "className"),
        State("wall-playlist", "data"),
        State("wall-deferred", "data"),
        State({"type": "wall-graph", "panel": ALL}, "id"),
        State({"type": "wall-graph", "panel": ALL}, "figure"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ClientsideFunction("cityopsWall", "rescale"),
        Output("wall-rescale", "href"),
        Input("wall-scale", "data"),
    )


def _refreshed(drawn: WallContent, graphs, blocks, panels, drawn_before: bool, deferred) -> tuple:
    """The refresh's outputs from the drawn content (see ``_register_refresh``)."""
    waiting = {p: drawn.bodies[p] for p in deferred or {}}
    return (
        drawn.kpis,
        [
            dash.no_update if p in waiting else drawn.patches[p] if drawn_before else drawn.bodies[p]
            for p in graphs
        ],
        [drawn.bodies[p] for p in blocks],
        [drawn.fresh[p] for p in panels],
        [drawn.classes[p] for p in panels],
        drawn.ticker,
        waiting,
        True,
    )


def _register_refresh(app: dash.Dash) -> None:
    @app.callback(
        Output("wall-kpis", "children"),
        Output({"type": "wall-graph", "panel": ALL}, "figure"),
        Output({"type": "wall-html", "panel": ALL}, "children"),
        Output({"type": "wall-fresh", "panel": ALL}, "children"),
        Output({"type": "wall-panel", "panel": ALL}, "className"),
        Output("wall-ticker", "children"),
        Output("wall-deferred", "data"),
        Output("wall-drawn", "data"),
        Output("wall-banner", "children"),
        Input("wall-interval", "n_intervals"),
        State("wall-scale", "data"),
        State("wall-prefs", "data"),
        State("wall-drawn", "data"),
        State("wall-deferred", "data"),
        running=[(Output("wall-interval", "disabled"), True, False)],
        prevent_initial_call=True,
    )
    def refresh(_n, scale, stored, drawn_before, deferred):
        """Patches of the figures' data (their layout, sized once for the screen, stays); whole figures when
        the page could not draw them; figures not drawn yet, or drawn since the last scene change, are replaced
        where they wait (``wall-deferred``)."""
        context = page_context(stored, scale)
        outputs = dash.ctx.outputs_list
        graphs, blocks, panels = ([o["id"]["panel"] for o in outputs[i]] for i in (1, 2, 4))
        return guarded(
            lambda: _refreshed(content(context, panels), graphs, blocks, panels, drawn_before, deferred),
            8,
            context.language,
        )


def register_callbacks(app: dash.Dash) -> None:
    _register_clientside(app)
    _register_refresh(app)
