"""A registry KPI card: value against target in its RAG colour, sparkline, period comparison, denominator,
freshness; the whole card links to its domain page with ``?kpi=<id>``."""

from __future__ import annotations

import math

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.kpis.compare import change
from dashboard.kpis.freshness import Freshness
from dashboard.kpis.kpi import Kpi
from layouts.components.change import change_span, compared_text
from layouts.figures.score_breakdown import RAG_COLOURS
from layouts.format import local_time, number
from layouts.i18n import t

SPARK = "▁▂▃▄▅▆▇█"
#: KPIs shown as whole numbers.
WHOLE = {"complaints_received", "complaint_backlog", "complaint_overdue", "air_exceedance_hours", "air_aqi"}


def display(kpi: Kpi, value: float | None, lang: str) -> str:
    """The KPI value as shown: rates in percent, counts whole, the rest with one decimal."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return t("kpi.no_value", lang)
    if kpi.percent:
        return number(value * 100, lang, 1)
    return number(value, lang, 0 if kpi.id in WHOLE else 1)


def sparkline(values: list[float | None]) -> str:
    """Unicode block sparkline of ``values`` (gaps as spaces)."""
    known = [v for v in values if v is not None and not math.isnan(v)]
    if not known:
        return ""
    low, high = min(known), max(known)
    span = (high - low) or 1.0
    return "".join(" " if v is None or math.isnan(v) else SPARK[min(7, int((v - low) / span * 7.999))] for v in values)


def _comparison(kpi: Kpi, value, previous, template: str, lang: str) -> html.Div:
    """The change against the comparison period (``template``: its catalogue text)."""
    moved = change(value, previous, kpi.direction)
    digits = 0 if kpi.id in WHOLE and not kpi.percent else 1
    return html.Div(change_span(template, moved, lang, digits, 100 if kpi.percent else None), className="sc-line")


def _denominator(kpi: Kpi, row: dict, lang: str) -> str:
    template = kpi.denominator_zh if lang == "zh" else kpi.denominator_en
    facts = {}
    for key in ("numerator", "denominator"):
        v = row.get(key)
        facts[key] = t("kpi.no_value", lang) if v is None or math.isnan(v) else number(v, lang, 0 if v == int(v) else 1)
    return template.format(**facts)


def _freshness(freshness: Freshness, lang: str, timezone: str) -> html.Div:
    """The data time; when stale, the "stale since" badge instead (the data time in its tooltip)."""
    if freshness.as_of is None:
        return html.Div(t("fresh.none", lang), className="sc-line")
    as_of = t("fresh.as_of", lang, time=local_time(freshness.as_of, timezone, lang=lang))
    if freshness.stale_since is None:
        return html.Div(as_of, className="sc-line")
    since = t("fresh.stale_since", lang, time=local_time(freshness.stale_since, timezone, lang=lang))
    return html.Div(dbc.Badge(since, color="warning", text_color="dark", className="stale-badge"), title=as_of)


def score_card(
    kpi: Kpi,
    row: dict,
    previous: float | None,
    trend: list,
    freshness: Freshness,
    period: str,
    lang: str,
    timezone: str,
    compare: str = "previous",
) -> dcc.Link:
    """The card of one registry KPI (``row``: its kpi_table row for the period). Few elements, styled by
    ``.score-card`` rules: the overview draws some thirty of them and the renderer's cost grows faster than
    their number. ``previous`` is the value over the comparison period: the previous one (``compare``
    "previous", 环比) or the same part of the period a year earlier ("year", 同比)."""
    value = row.get("value")
    value = None if value is None or (isinstance(value, float) and math.isnan(value)) else value
    rag = row.get("rag") if isinstance(row.get("rag"), str) else None
    unit = kpi.unit_zh if lang == "zh" else kpi.unit_en
    name = kpi.name_zh if lang == "zh" else kpi.name_en
    target = (
        t("score.target", lang, target=display(kpi, kpi.target, lang) + ("%" if kpi.percent else f" {unit}".rstrip()))
        if kpi.target is not None
        else t("score.no_target", lang)
    )
    body = [
        html.Div(
            [html.Span(sparkline(trend), className="sc-spark", style={"color": RAG_COLOURS[rag]}), name],
            className="sc-name",
            title=f"{name} · {t(f'period.so_far.{period}', lang)}",
        ),
        html.Div(
            [
                html.Span(target, className="sc-target"),
                html.Span(display(kpi, value, lang), className="sc-number"),
                unit,
            ],
            className="sc-value",
            title=target,
        ),
        _comparison(kpi, value, previous, compared_text(compare, period), lang),
        html.Div(
            _denominator(kpi, row, lang),
            className="sc-line",
            title=kpi.description_zh if lang == "zh" else kpi.description_en,
        ),
        _freshness(freshness, lang, timezone),
    ]
    return dcc.Link(
        html.Div(
            body,
            className="card h-100 score-card" + (" kpi-stale" if freshness.stale else ""),
            style={"borderLeftColor": RAG_COLOURS[rag]},
        ),
        href=f"{kpi.page}?kpi={kpi.id}&lang={lang}",
        className="text-reset text-decoration-none",
    )
