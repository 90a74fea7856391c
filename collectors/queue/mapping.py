"""A queue ticket of the hall system (naive local times) as a hall-ticket record."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from collectors.contract import SourceRecord
from collectors.fields import FieldError, instant, integer, required, text

#: Channel as the vendor writes it -> stored code.
CHANNELS = {
    "online": "online",
    "offline": "offline",
    "线上": "online",
    "网上": "online",
    "线下": "offline",
    "现场": "offline",
}


def map_ticket(item: Any, hall_code: str, tz: tzinfo) -> list[SourceRecord]:
    """One ticket; its times are naive local times of the hall's city, read in ``tz``."""
    if not isinstance(item, dict):
        raise FieldError(None, f"expected a ticket object, got {type(item).__name__}")
    channel = text(item.get("channel"))
    data = {
        "hall_code": text(item.get("hall_id")) or hall_code,
        "service_item": text(item.get("service_item")),
        "channel": CHANNELS.get(channel, channel),
        "status": text(item.get("status")),
        "window": text(item.get("window")),
        "issued_at": instant(item.get("issued_at"), "issued_at", tz, required=True),
        "called_at": instant(item.get("called_at"), "called_at", tz),
        "served_at": instant(item.get("served_at"), "served_at", tz),
        "finished_at": instant(item.get("finished_at"), "finished_at", tz),
        "visits": integer(item.get("visits"), "visits"),
        "rating": integer(item.get("rating"), "rating"),
        "updated_at": instant(item.get("updated_at"), "updated_at", tz, required=True),
    }
    return [SourceRecord(required(item.get("ticket_id"), "ticket_id"), data, item)]
