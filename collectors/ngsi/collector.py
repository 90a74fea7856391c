"""Pull NGSI v2 ``/entities`` of one type by observation time, with ``limit``/``offset`` paging."""

from __future__ import annotations

from typing import Any

from collectors.contract import WHOLE_FEED, Batch, Collector, Cursor
from collectors.fields import item_ref, map_items
from collectors.http import FatalFetchError
from collectors.ngsi.mapping import DOMAINS, MAPPERS
from collectors.timeparse import utc_z, whole_second, zone

#: Default time attribute to filter and order on, per entity type.
TIME_ATTRIBUTES = {
    "TrafficFlowObserved": "dateObservedTo",
    "AirQualityObserved": "dateObserved",
    "NoiseLevelObserved": "dateObservedTo",
    "QueueMonitor": "dateModified",
    "Open311ServiceRequest": "updated_datetime",
}


class NgsiCollector(Collector):
    """``GET {url}/entities?type=…&q=<time>>=<since>;<time><=<run start>&limit&offset&orderBy=<time>&options=count``.

    Paging ends at ``Fiware-Total-Count`` (or, without it, at a short page).

    Options: ``entity_type`` (a key of :data:`~collectors.ngsi.mapping.MAPPERS`), ``key_values`` (default true),
    ``time_attribute`` (default: :data:`TIME_ATTRIBUTES`),
    ``entity_per_observation`` (default true; false for entities updated in place, whose records then
    get the observation time appended to their id), ``attrs`` (NGSI's ``attrs=``: ask only for these
    attributes, a list or comma-separated names — e.g. without a segment's LineString ``location``; default all).
    """

    @classmethod
    def check_options(cls, feed) -> None:
        """The entity type must be known and belong to the feed's domain."""
        entity_type = feed.options.get("entity_type")
        if entity_type not in MAPPERS:
            raise ValueError(f"options.entity_type: must be one of {', '.join(MAPPERS)}, not {entity_type!r}")
        if DOMAINS[entity_type] != feed.domain:
            domain = DOMAINS[entity_type]
            raise ValueError(f"options.entity_type: {entity_type} records are {domain}, not {feed.domain}")

    def fetch(self, cursor: Cursor) -> Batch:
        feed, options = self.feed, self.feed.options
        entity_type = options.get("entity_type")
        if entity_type not in MAPPERS:
            raise FatalFetchError(f"feed {feed.name}: options.entity_type must be one of {', '.join(MAPPERS)}")
        time_attribute = options.get("time_attribute", TIME_ATTRIBUTES[entity_type])
        per_observation = bool(options.get("entity_per_observation", True))
        tz = zone(feed.timezone)
        mapper = MAPPERS[entity_type]
        start, end = whole_second(cursor.since()), whole_second(cursor.run_started_at)
        params = {
            "type": entity_type,
            "q": f"{time_attribute}>={utc_z(start)};{time_attribute}<={utc_z(end)}",
            "limit": feed.page_size,
            "orderBy": time_attribute,
        }
        params["options"] = "keyValues,count" if options.get("key_values", True) else "count"
        attrs = options.get("attrs")
        if attrs:
            params["attrs"] = attrs if isinstance(attrs, str) else ",".join(attrs)
        batch, offset, ref_of = Batch(), 0, item_ref("id")
        while True:
            entities, total = self._page({**params, "offset": offset})
            records, failures = map_items(
                feed, entities, lambda e: mapper(e, time_attribute, tz, per_observation), ref_of
            )
            batch.records.extend(records)
            batch.rejected.extend(failures)
            # Advance by distinct entities: a page served with duplicates must not make us skip any.
            distinct = len({ref_of(e) for e in entities})
            offset += distinct
            if distinct == 0 or (offset >= total if total is not None else len(entities) < feed.page_size):
                batch.cursor[WHOLE_FEED] = end
                break
            if offset >= feed.max_records_per_run:
                newest = max((r.data["observed_at"] for r in batch.records), default=None)
                if newest is not None:
                    batch.cursor[WHOLE_FEED] = newest
                break
        return batch

    def _page(self, params: dict[str, Any]) -> tuple[list[Any], int | None]:
        """One page of entities and the total count (``Fiware-Total-Count``) when the server gives it."""
        body, response = self.http.get_json(f"{self.feed.url.rstrip('/')}/entities", params)
        if not isinstance(body, list):
            raise FatalFetchError(f"feed {self.feed.name}: response from {response.url} is not a list of entities")
        total = response.headers.get("Fiware-Total-Count", "")
        return body, int(total) if total.isdigit() else None
