"""The one way complaint free text (descriptions, addresses, notes) reaches a page: inert plain text."""

from __future__ import annotations

from dash import html

from dashboard.auth.policy import sees_personal_data
from dashboard.context import RequestContext
from dashboard.privacy import mask_address, mask_text


def may_see_personal_data(context: RequestContext | None) -> bool:
    """Whether the viewer of the request ``context`` sees names, phone and ID numbers unmasked (no request: no)."""
    return context is not None and sees_personal_data(context.role, context.settings.personal_data_roles)


def ticket_text(
    value: str | None, kind: str = "description", class_name: str = "", context: RequestContext | None = None
) -> html.Span:
    """``value`` as a text node (never HTML); ``kind`` names the field (description, address, note).

    Names, phone and ID numbers are masked unless the viewer of the request ``context`` may see personal data.
    """
    text = "" if value is None else str(value)
    if not may_see_personal_data(context):
        text = mask_address(text) if kind == "address" else mask_text(text)
    return html.Span(text, className=f"ticket-text ticket-{kind} {class_name}".strip())
