"""A ticket's detail: facts, its free text (through ``ticket_text``) and its lifecycle timeline."""

from __future__ import annotations

from dash import html

from dashboard.context import RequestContext
from dashboard.kpis.complaints import STATUS_KEYS
from layouts.components.ticket_text import ticket_text
from layouts.format import local_time, named, text_or_empty
from layouts.i18n import t


def _status(value: str, lang: str) -> str:
    return t(f"status.{value}", lang) if value in STATUS_KEYS else text_or_empty(value)


def ticket_detail(row, events, context: RequestContext) -> html.Div:
    """A ticket's facts, its text (through ``ticket_text``, as the request ``context``'s viewer may see it) and
    its event timeline, in the request's language and the city's time."""
    lang, tz = context.language, context.timezone
    facts = [
        (t("tickets.col.requested_at", lang), local_time(row["requested_at"], tz, lang=lang)),
        (t("tickets.col.category", lang), named(row, "category", lang)),
        (t("tickets.col.status", lang), _status(row["status"], lang)),
        (t("tickets.col.department", lang), named(row, "department", lang)),
        (t("tickets.col.due_at", lang), local_time(row["due_at"], tz, lang=lang)),
    ]
    timeline = [
        html.Li(
            [
                html.Span(local_time(e.occurred_at, tz, lang=lang), className="timeline-time"),
                html.Span(_status(e.status, lang), className="timeline-status"),
                html.Span(text_or_empty(e.department), className="timeline-dept"),
                ticket_text(e.note, "note", context=context) if text_or_empty(e.note) else None,
            ],
            className="timeline-item",
        )
        for e in events.itertuples(index=False)
    ]
    return html.Div(
        [
            html.Dl([part for k, v in facts for part in (html.Dt(k), html.Dd(v))], className="ticket-facts"),
            html.H3(t("ticket.description", lang), className="ticket-heading"),
            html.P(ticket_text(row["description"], "description", context=context)),
            html.H3(t("ticket.address", lang), className="ticket-heading"),
            html.P(ticket_text(row["address"], "address", context=context)),
            html.H3(t("ticket.timeline", lang), className="ticket-heading"),
            html.Ol(timeline or [html.Li(t("ticket.no_events", lang))], className="ticket-timeline"),
        ]
    )
