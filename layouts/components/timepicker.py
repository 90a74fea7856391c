"""The time picker every page carries: quick buttons for the calendar periods and rolling windows, a custom range
of dates, an optional as-of moment and a comparison, all kept in the URL's query string (``period``, ``from``,
``to``, ``as_of``, ``compare``: see :mod:`dashboard.kpis.timespan`) so that a link opens the same view.

The buttons and the form are plain links and inputs: ``35-time.js`` sets the chosen parameters on the current
URL, keeping the others (language, theme, district…), and loads it; nothing waits on a callback.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.context import RequestContext
from dashboard.kpis.timespan import (
    CALENDAR,
    CUSTOM,
    ROLLING,
    SelectionError,
    Span,
    TimeSelection,
    on_history,
    resolve,
    selection_from_query,
    selection_to_query,
)
from dashboard.queries.base import DatabaseUnavailable
from layouts.data import snapshot_time
from layouts.format import local_time, span_text
from layouts.i18n import t
from layouts.viewmodels.history import newest_data_time

#: Each page's period when its URL names none (``page_periods`` in the settings overrides these).
PAGE_DEFAULTS = {
    "overview": "today",
    "wall": "today",
    "traffic": "24h",
    "environment": "24h",
    "halls": "24h",
    "feeds": "24h",
}
FALLBACK = "7d"
#: Quick buttons, in order: calendar periods first, then rolling windows.
QUICK = (*CALENDAR, *ROLLING)


def default_period(context: RequestContext, page: str) -> str:
    """The period ``page`` opens on when the request's URL names none."""
    configured = getattr(context.settings, "page_periods", {}) or {}
    return configured.get(page) or PAGE_DEFAULTS.get(page, FALLBACK)


def selection_for(context: RequestContext, page: str) -> tuple[TimeSelection, ValueError | None]:
    """The selection the request's time (its URL's query) names on ``page``, or the page's default and the reason
    when it names a bad one."""
    try:
        return selection_from_query(context.time, default=default_period(context, page)), None
    except ValueError as exc:
        return TimeSelection(default_period(context, page)), exc


def bad_reason(error: ValueError, lang: str) -> str:
    """Why a URL's time parameters were refused, in ``lang`` (the parameter names and values as given)."""
    if isinstance(error, SelectionError):
        return t(f"time.error.{error.key}", lang, **error.params)
    return str(error)


@dataclass(frozen=True)
class Settled:
    """A page's selection as it opens: the request's context with the time it opens on (what its callbacks and
    links read), the selection that names (the URL's, or the default), why a bad URL fell back, and the newest
    fact's time when the page moved to it because the database holds nothing newer."""

    context: RequestContext
    selection: TimeSelection
    error: ValueError | None = None
    newest: datetime | None = None


def settle(page: str, context: RequestContext, follow_data: bool = True) -> Settled:
    """The selection ``page`` opens on for the request ``context`` (its time: the URL's parameters).

    A URL naming no time opens on the default period, or, when the newest fact is older than that and
    ``follow_data``, the same period seen just after the newest fact (the moment is kept in the links, so other
    pages open there too). A page about the system now (feed health) does not follow the data."""
    selection, error = selection_for(context, page)
    if error:
        return Settled(replace(context, time={}), selection, error)
    if context.time or not follow_data:
        return Settled(context, selection)
    try:
        newest = newest_data_time(context)
    except DatabaseUnavailable:  # the page shows the database banner; its default period meanwhile
        return Settled(context, selection)
    moved = on_history(selection, newest, snapshot_time(context), context.timezone)
    if moved is None:
        return Settled(context, selection)
    moment = {"as_of": selection_to_query(moved)["as_of"]}
    return Settled(replace(context, time=moment), moved, newest=newest)


def context_span(context: RequestContext, page: str) -> Span:
    """The span the request's time selects on ``page`` (its default when none), resolved now."""
    selection, _ = selection_for(context, page)
    return resolve(selection, snapshot_time(context), context.timezone)


def _quick(selection: TimeSelection, lang: str) -> html.Div:
    return html.Div(
        [
            html.A(
                t(f"time.period.{name}", lang),
                href=f"?period={name}",
                className="btn btn-sm py-0 px-2 text-nowrap "
                + ("btn-primary active" if selection.period == name else "btn-outline-primary"),
                **{"data-time-period": name},
            )
            for name in QUICK
        ],
        className="time-quick d-flex flex-wrap gap-1",
    )


def _field(label: str, control) -> html.Label:
    return html.Label([html.Span(label, className="filter-label me-1"), control], className="d-flex align-items-center")


def _form(
    page: str,
    selection: TimeSelection,
    span: Span,
    lang: str,
    compares: bool = True,
    default_compare: str | None = None,
) -> html.Form:
    query = selection_to_query(selection)
    custom = selection.period == CUSTOM
    dates = dcc.DatePickerRange(
        id=f"{page}-time-range",
        start_date=query["from"][:10] if custom else None,
        end_date=query["to"][:10] if custom else None,
        start_date_id=f"{page}-time-from",
        end_date_id=f"{page}-time-to",
        display_format="YYYY-MM-DD",
        start_date_placeholder_text=t("time.from", lang),
        end_date_placeholder_text=t("time.to", lang),
        first_day_of_week=1,
        clearable=True,
        minimum_nights=0,
        className="time-range",
    )
    as_of = dcc.Input(
        type="text",
        name="as_of",
        value=_local_moment(span) if selection.as_of is not None else "",
        placeholder="YYYY-MM-DD HH:MM",
        className="form-control form-control-sm time-as-of",
        id=f"{page}-time-as-of",
    )
    chosen = selection.compare or default_compare or ""
    options = [
        html.Option(t(f"time.compare.{value or 'none'}", lang), value=value, selected=chosen == value)
        for value in ("", "previous", "year") if value or default_compare is None
    ]
    compare = html.Select(options, name="compare", className="form-select form-select-sm", id=f"{page}-time-compare")
    return html.Form(
        [
            _field(t("time.period.custom", lang), dates),
            _field(t("time.as_of", lang), as_of),
            *([_field(t("time.compare", lang), compare)] if compares else []),
            html.Button(t("time.apply", lang), type="submit", className="btn btn-sm btn-primary py-0"),
        ],
        className="time-form d-flex flex-wrap align-items-center gap-2",
        id=f"{page}-time-form",
        **{"data-time-form": page},
    )


def _local_moment(span: Span) -> str:
    """The as-of moment as the city's wall-clock time, as the form takes it back."""
    return span.as_of.astimezone(ZoneInfo(span.timezone)).strftime("%Y-%m-%d %H:%M")


def as_of_text(settled: Settled, lang: str) -> str | None:
    """The "city as at …" line in ``lang`` when the selection looks at a past moment (the URL's or an archive's
    ``as_of``), else None."""
    if settled.selection.as_of is None:
        return None
    span = resolve(settled.selection, snapshot_time(settled.context), settled.context.timezone)
    return t("time.as_of_at", lang, moment=local_time(span.as_of, span.timezone, lang=lang))


def time_picker(
    page: str,
    settled: Settled,
    lang: str,
    quick=None,
    resets: tuple[str, ...] = (),
    compares: bool = True,
    default_compare: str | None = None,
) -> html.Div:
    """The picker of ``page`` showing the selection, the dates it covers and, after a bad URL, why it fell back,
    or that the page opened on the newest data. ``quick``: the page's own control of the quick periods instead of
    the buttons (one that redraws without loading the page); ``resets``: URL parameters a new selection drops
    (a step within the old one); ``compares``: whether the page shows comparisons (else no such choice);
    ``default_compare``: the comparison a page always shows when its URL names none (then "none" is no choice)."""
    selection, error = settled.selection, settled.error
    span = resolve(selection, snapshot_time(settled.context), settled.context.timezone)
    described = [
        html.Span(t(f"time.period.{selection.period}", lang), className="fw-semibold me-2", id=f"{page}-time-name"),
        html.Span(span_text(span, lang), id=f"{page}-time-span"),
    ]
    if selection.as_of is not None:
        described.append(html.Span(" · " + as_of_text(settled, lang), className="ms-1"))
    notice = (
        [
            dbc.Alert(
                t("time.bad", lang, reason=bad_reason(error, lang)),
                color="warning",
                className="py-1 px-2 mb-1 small",
                id=f"{page}-time-error",
            )
        ]
        if error
        else []
    )
    if settled.newest is not None:  # on the label's own line, so that a page fitting one screen still does
        moment = local_time(settled.newest, span.timezone, lang=lang)
        described.append(
            html.Span(
                t("time.history", lang, moment=moment, period=span_text(span, lang)),
                className="ms-2 px-2 rounded bg-info-subtle text-info-emphasis",
                id=f"{page}-time-history",
            )
        )
    return html.Div(
        [
            *notice,
            html.Div(
                [
                    _quick(selection, lang) if quick is None else quick,
                    _form(page, selection, span, lang, compares, default_compare),
                    html.Div(described, className="time-label small text-body-secondary", id=f"{page}-time-label"),
                ],
                className="time-row",
            ),
        ],
        className="time-picker d-flex flex-column gap-1 mb-2",
        id=f"{page}-time-picker",
        **({"data-time-resets": ",".join(resets)} if resets else {}),
    )
