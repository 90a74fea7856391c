"""Pull SensorThings Observations per Datastream, each with its own cursor, following ``@iot.nextLink``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin

from collectors.contract import Batch, Collector, Cursor
from collectors.fields import FieldError, item_ref, map_items, rejected
from collectors.http import FatalFetchError
from collectors.sensorthings.mapping import describe, map_observation
from collectors.timeparse import utc_z, whole_second, zone


class SensorThingsCollector(Collector):
    """``GET {url}/Datastreams?$expand=Thing/Locations,ObservedProperty``, then per datastream
    ``GET {url}/Datastreams(id)/Observations?$filter=phenomenonTime ge <since> and phenomenonTime le <run start>``.

    Options: ``station_property`` (default "station_code"), ``quantities`` (ObservedProperty name -> quantity),
    ``observed_properties`` (read only datastreams of these ObservedProperty names; default all).
    The cursor has one partition per datastream id.
    """

    def fetch(self, cursor: Cursor) -> Batch:
        feed = self.feed
        tz = zone(feed.timezone)
        station_property = feed.options.get("station_property", "station_code")
        quantities = feed.options.get("quantities", {})
        wanted = set(feed.options.get("observed_properties", ()))
        end = whole_second(cursor.run_started_at)
        base = feed.url.rstrip("/")
        batch, read = Batch(), 0
        for datastream in self._collection(f"{base}/Datastreams", {"$expand": "Thing/Locations,ObservedProperty"}):
            try:
                stream = describe(datastream, station_property, quantities)
            except (FieldError, TypeError, AttributeError) as exc:
                ref = f"Datastream({item_ref('@iot.id')(datastream)})"
                field, message = getattr(exc, "field", None), getattr(exc, "message", f"malformed Datastream: {exc}")
                batch.rejected.append(rejected(feed, ref, field, message, datastream))
                continue
            if wanted and stream.observed_property not in wanted:
                continue
            start = whole_second(cursor.since(stream.id))
            params = {
                "$filter": f"phenomenonTime ge {utc_z(start)} and phenomenonTime le {utc_z(end)}",
                "$orderby": "phenomenonTime asc",
                "$top": feed.page_size,
            }
            newest = None
            for observations in self._pages(f"{base}/{stream.path}/Observations", params):
                records, failures = map_items(
                    feed,
                    observations,
                    lambda o, s=stream: map_observation(o, s, tz),
                    lambda o, s=stream: f"{s.id}:{item_ref('@iot.id')(o)}",
                )
                batch.records.extend(records)
                batch.rejected.extend(failures)
                read += len(observations)
                for record in records:
                    if newest is None or record.data["observed_at"] > newest:
                        newest = record.data["observed_at"]
                if read >= feed.max_records_per_run:
                    if newest is not None:
                        batch.cursor[stream.id] = newest  # re-read from here next run; others keep theirs
                    return batch
            batch.cursor[stream.id] = end
        return batch

    def _pages(self, url: str, params: dict[str, Any] | None) -> Iterator[list[Any]]:
        """The entities of a collection page by page (``{"value": [...]}`` or a bare array)."""
        seen = set()
        while url:
            body, response = self.http.get_json(url, params)
            if isinstance(body, list):
                yield body
                return
            if not isinstance(body, dict) or not isinstance(body.get("value"), list):
                raise FatalFetchError(f"feed {self.feed.name}: response from {response.url} is not a collection")
            yield body["value"]
            link = body.get("@iot.nextLink")
            if not link:
                return
            url, params = urljoin(str(response.url), link), None
            if url in seen:
                raise FatalFetchError(f"feed {self.feed.name}: @iot.nextLink loops back to {url}")
            seen.add(url)

    def _collection(self, url: str, params: dict[str, Any]) -> Iterator[Any]:
        for page in self._pages(url, params):
            yield from page
