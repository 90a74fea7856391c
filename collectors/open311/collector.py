"""Pull Open311 GeoReport v2 ``requests`` by ``updated_datetime`` window, page by page."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from collectors.config import FeedConfig
from collectors.contract import WHOLE_FEED, Batch, Collector, Cursor, SourceRecord
from collectors.fields import item_ref, map_items, reproject, text
from collectors.http import FatalFetchError
from collectors.open311.mapping import Open311Options, RequestMapper
from collectors.open311.xml import parse_list, parse_requests
from collectors.timeparse import utc_z, whole_second, zone


class Open311Collector(Collector):
    """``GET {url}/requests.json|.xml?start_date&end_date&page&page_size&extensions=true``.

    Options (:class:`Open311Options`): ``format`` ("json" or "xml"), ``jurisdiction_id``, ``services`` (true
    reads ``GET services`` first and names the category of requests that give only a ``service_code``), and
    the dialect: ``notes``, ``note_kind``, ``note_types``, ``fields``.
    Records seen twice (duplicated pages) are kept once, in their newest version.
    """

    @staticmethod
    def options(feed: FeedConfig) -> Open311Options:
        """The feed's validated options; ValueError naming the option when one is wrong."""
        try:
            return Open311Options.model_validate(feed.options)
        except ValidationError as exc:
            raise ValueError(
                "; ".join(f"options.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            ) from None

    @classmethod
    def check_options(cls, feed: FeedConfig) -> None:
        """Validate the options when the feeds file is loaded."""
        cls.options(feed)

    def mapper(self) -> RequestMapper:
        """A request mapper with this feed's options and time zone."""
        return RequestMapper(self.options(self.feed), zone(self.feed.timezone))

    def remap(self, payloads: list) -> Batch:
        """Map quarantined payloads (requests as received) again with the current options."""
        mapper = self.mapper()
        batch = Batch()
        batch.records, batch.rejected = map_items(self.feed, payloads, mapper.map, item_ref("service_request_id"))
        reproject(batch.records, self.feed.crs)
        batch.unread = mapper.unread
        return batch

    def fetch(self, cursor: Cursor) -> Batch:
        feed = self.feed
        mapper = self.mapper()
        names = self._service_names() if feed.options.get("services") else {}
        start, end = whole_second(cursor.since()), whole_second(cursor.run_started_at)
        latest: dict[str, SourceRecord] = {}
        batch = Batch()
        read, page = 0, 1
        while True:
            items = self._page(start, end, page)
            records, failures = map_items(
                feed, items, mapper.map, item_ref("service_request_id")
            )
            reproject(records, feed.crs)
            for record in records:
                if record.data["category_name"] is None:
                    record.data["category_name"] = names.get(record.data["category"])
            batch.rejected.extend(failures)
            for record in records:
                kept = latest.get(record.ref)
                if kept is None or record.data["updated_at"] > kept.data["updated_at"]:
                    latest[record.ref] = record
            read += len(items)
            if len(items) < feed.page_size:
                batch.cursor[WHOLE_FEED] = end
                break
            if read >= feed.max_records_per_run:
                newest = _newest(latest.values())
                if newest is not None:
                    batch.cursor[WHOLE_FEED] = newest  # re-read from here: the start bound is inclusive
                break
            page += 1
        batch.records = list(latest.values())
        batch.unread = mapper.unread
        return batch

    def _format(self) -> str:
        return self.feed.options.get("format", "json")

    def _service_names(self) -> dict[str, str]:
        """``GET services``: service_code (as text; some servers send integers) -> service_name."""
        feed, fmt = self.feed, self._format()
        url = f"{feed.url.rstrip('/')}/services.{fmt}"
        params = {"jurisdiction_id": feed.options["jurisdiction_id"]} if "jurisdiction_id" in feed.options else None
        if fmt == "xml":
            response = self.http.get(url, params)
            try:
                services = parse_list(response.content, "services")
            except ValueError as exc:
                raise FatalFetchError(f"feed {feed.name}: response from {response.url}: {exc}") from None
        else:
            services, response = self.http.get_json(url, params)
        if not isinstance(services, list):
            raise FatalFetchError(f"feed {feed.name}: response from {response.url} is not a list of services")
        names = {}
        for service in services:
            if isinstance(service, dict) and text(service.get("service_code")) and text(service.get("service_name")):
                names[text(service["service_code"])] = text(service["service_name"])
        return names

    def _page(self, start: datetime, end: datetime, page: int) -> list[Any]:
        feed = self.feed
        fmt = self._format()
        url = f"{feed.url.rstrip('/')}/requests.{fmt}"
        params = {
            "start_date": utc_z(start),
            "end_date": utc_z(end + timedelta(seconds=1)),  # exclusive: the run's start second is included
            "page": page,
            "page_size": feed.page_size,
            "extensions": "true",
        }
        if "jurisdiction_id" in feed.options:
            params["jurisdiction_id"] = feed.options["jurisdiction_id"]
        if fmt == "xml":
            response = self.http.get(url, params)
            try:
                return parse_requests(response.content)
            except ValueError as exc:
                raise FatalFetchError(f"feed {feed.name}: response from {response.url}: {exc}") from None
        body, response = self.http.get_json(url, params)
        if isinstance(body, dict):
            body = body.get("service_requests", body.get("requests"))
        if not isinstance(body, list):
            raise FatalFetchError(f"feed {feed.name}: response from {response.url} is not a list of service requests")
        return body


def _newest(records) -> datetime | None:
    return max((r.data["updated_at"] for r in records), default=None)
