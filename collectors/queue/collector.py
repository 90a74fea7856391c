"""Pull each hall's tickets changed since its own cursor, following ``next_offset``."""

from __future__ import annotations

from datetime import datetime

from collectors.contract import Batch, Collector, Cursor
from collectors.fields import item_ref, map_items, text
from collectors.http import FatalFetchError
from collectors.queue.mapping import map_ticket
from collectors.timeparse import zone

#: How the vendor writes times: naive, local.
VENDOR_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


class HallQueueCollector(Collector):
    """``GET {url}/halls``, then per hall ``GET {url}/tickets?hall_id&updated_since&limit&offset``.

    The cursor has one partition per hall; ``updated_since`` is sent as the vendor's naive local time.
    """

    def fetch(self, cursor: Cursor) -> Batch:
        feed = self.feed
        tz = zone(feed.timezone)
        base = feed.url.rstrip("/")
        batch, read = Batch(), 0
        for hall in self._halls(base):
            since = cursor.since(hall).astimezone(tz)
            newest, offset = None, 0
            while True:
                params = {
                    "hall_id": hall,
                    "updated_since": since.strftime(VENDOR_TIME_FORMAT),
                    "limit": feed.page_size,
                    "offset": offset,
                }
                body, response = self.http.get_json(f"{base}/tickets", params)
                tickets = body.get("tickets") if isinstance(body, dict) else None
                if not isinstance(tickets, list):
                    raise FatalFetchError(f"feed {feed.name}: response from {response.url} has no list of tickets")
                records, failures = map_items(
                    feed, tickets, lambda t, h=hall: map_ticket(t, h, tz), item_ref("ticket_id")
                )
                batch.records.extend(records)
                batch.rejected.extend(failures)
                read += len(tickets)
                newest = _newest(newest, records)
                next_offset = body.get("next_offset")
                if not tickets or next_offset is None:
                    batch.cursor[hall] = cursor.run_started_at
                    break
                if not isinstance(next_offset, int) or next_offset <= offset:
                    raise FatalFetchError(
                        f"feed {feed.name}: next_offset {next_offset!r} does not advance past {offset}"
                    )
                if read >= feed.max_records_per_run:
                    if newest is not None:
                        batch.cursor[hall] = newest  # re-read from here next run; later halls keep theirs
                    return batch
                offset = next_offset
        return batch

    def _halls(self, base: str) -> list[str]:
        body, response = self.http.get_json(f"{base}/halls")
        halls = body.get("halls") if isinstance(body, dict) else body
        if not isinstance(halls, list):
            raise FatalFetchError(f"feed {self.feed.name}: response from {response.url} has no list of halls")
        codes = [
            text(h.get("code") or h.get("hall_id") or h.get("id")) if isinstance(h, dict) else text(h) for h in halls
        ]
        return [code for code in codes if code]


def _newest(current: datetime | None, records: list) -> datetime | None:
    return max([r.data["updated_at"] for r in records] + ([current] if current else []), default=None)
