"""A KPI card: title, value with unit, the explanation line (its denominator) and the data time."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from dashboard.kpis.compare import Change
from layouts.components.change import change_span, compared_text
from layouts.format import local_time, number
from layouts.i18n import t
from layouts.viewmodels.overview import KpiValue

#: Decimal places of each KPI's value.
DIGITS = {"complaints_today": 0, "on_time_closure": 1, "hall_wait": 1, "network_tpi": 1, "city_aqi": 0}
#: KPIs whose value is a percentage (their change is in percentage points).
PERCENT = {"on_time_closure"}
#: KPIs of a latest reading: their change line names the reading compared with (the same 15 minutes, the same
#: hour), not the day so far.
LATEST = {"network_tpi", "city_aqi"}


def _pollutants(codes: tuple[str, ...], lang: str) -> str:
    return "、".join(t(f"pollutant.{c}", lang) for c in codes) if codes else t("pollutant.none", lang)


def _detail(kpi: KpiValue, lang: str) -> str:
    if kpi.value is None:
        return t("fresh.none", lang)
    facts = dict(kpi.facts)
    if kpi.id == "network_tpi":
        facts |= {
            "level": t(f"tpi.{kpi.level}", lang),
            "tti": number(facts["tti"], lang, 2),
            "length_km": number(facts["length_km"], lang, 1),
        }
    elif kpi.id == "city_aqi":
        facts |= {"level": t(f"aqi.{kpi.level}", lang), "primary": _pollutants(facts["primary"], lang)}
    facts = {k: number(v, lang) if isinstance(v, int) else v for k, v in facts.items()}
    return t(f"kpi.{kpi.id}.detail", lang, **facts)


def freshness_line(freshness, lang: str, timezone: str) -> list:
    """The "data as of" text and, when stale, a "stale since" badge."""
    if freshness.as_of is None:
        return [dbc.Badge(t("fresh.none", lang), color="secondary", className="stale-badge")]
    parts: list = [html.Span(t("fresh.as_of", lang, time=local_time(freshness.as_of, timezone, lang=lang)))]
    if freshness.stale_since is not None:
        parts.append(
            dbc.Badge(
                t("fresh.stale_since", lang, time=local_time(freshness.stale_since, timezone, lang=lang)),
                color="warning",
                text_color="dark",
                className="stale-badge ms-2",
            )
        )
    return parts


def _period(kpi: KpiValue, lang: str) -> str:
    """The period the card's value covers, in words ("今日累计", "当前 15 分钟", …)."""
    return f"· {t(f'kpi.{kpi.id}.period', lang, days=kpi.facts.get('days', ''))}"


def _change(kpi: KpiValue, moved: Change | None, compare: str | None, lang: str) -> list:
    """The change beside the value (none without a comparison)."""
    if moved is None or compare is None:
        return []
    points = 1 if kpi.id in PERCENT else None
    template = f"kpi.{kpi.id}.vs.{compare}" if kpi.id in LATEST else compared_text(compare, "today")
    span = change_span(template, moved, lang, DIGITS.get(kpi.id, 0), points)
    return [html.Span(span, className="kpi-change")]


def kpi_card(
    kpi: KpiValue, lang: str, timezone: str, moved: Change | None = None, compare: str | None = None
) -> dbc.Card:
    """The card of one KPI; muted with a badge when its data is stale; with its change against the same moment
    of the day before or a year before (``compare``: "previous" or "year") when ``moved`` is given."""
    unit = t(f"kpi.{kpi.id}.unit", lang)
    value = number(kpi.value, lang, DIGITS.get(kpi.id, 0))
    swatch = [html.Span(className="level-swatch", style={"backgroundColor": kpi.color})] if kpi.color else []
    return dbc.Card(
        dbc.CardBody(
            [
                html.Div(
                    [t(f"kpi.{kpi.id}.title", lang), " ", html.Span(_period(kpi, lang), className="kpi-period")],
                    className="kpi-title",
                ),
                html.Div(
                    [
                        *swatch,
                        html.Span(value, className="kpi-number"),
                        html.Span(unit, className="kpi-unit"),
                        *_change(kpi, moved, compare, lang),
                    ],
                    className="kpi-value",
                ),
                html.Div(_detail(kpi, lang), className="kpi-detail"),
                html.Div(freshness_line(kpi.freshness, lang, timezone), className="kpi-freshness"),
            ]
        ),
        className="kpi-card h-100" + (" kpi-stale" if kpi.freshness.stale else ""),
        id={"type": "kpi-card", "kpi": kpi.id},
    )


def kpi_row(
    kpis: list[KpiValue],
    lang: str,
    timezone: str,
    changes: dict[str, Change] | None = None,
    compare: str | None = None,
) -> dbc.Row:
    """All KPI cards in one responsive row, each with its change when ``changes`` has it."""
    changes = changes or {}
    cards = [dbc.Col(kpi_card(k, lang, timezone, changes.get(k.id), compare), className="kpi-col") for k in kpis]
    return dbc.Row(cards, className="g-3 kpi-row")
