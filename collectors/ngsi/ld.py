"""NGSI-LD entity queries (``/ngsi-ld/v1/entities``): the same entity types as NGSI v2, in linked-data form.

An NGSI-LD entity is turned into the normalized NGSI v2 shape the mappers read: a Property's ``value``
(typed literals ``{"@type", "@value"}`` unwrapped) with its ``unitCode`` as metadata, a Relationship's
``object``, a GeoProperty's GeoJSON. When the entity lacks its time attribute, the newest ``observedAt``
of its properties stands in. Names the broker expanded to URIs (no matching ``@context``) are shortened to
their last segment.
"""

from __future__ import annotations

from typing import Any

from collectors.contract import WHOLE_FEED, Batch, Cursor
from collectors.fields import item_ref, map_items
from collectors.http import FatalFetchError
from collectors.ngsi.collector import TIME_ATTRIBUTES, NgsiCollector
from collectors.ngsi.mapping import MAPPERS
from collectors.timeparse import utc_z, whole_second, zone

#: The JSON-LD context link relation (NGSI-LD §6.3.5).
CONTEXT_REL = "http://www.w3.org/ns/json-ld#context"


def short_name(name: str) -> str:
    """``https://smartdatamodels.org/dataModel.Environment/NO2`` -> ``NO2``."""
    return name.rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1] if "/" in name or "#" in name else name


def _literal(value: Any) -> Any:
    if isinstance(value, dict) and "@value" in value:
        return value["@value"]
    return value


def _attribute(attr: Any) -> tuple[Any, dict, str | None]:
    """An attribute's value, its v2-style metadata and its ``observedAt``."""
    if isinstance(attr, list) and attr:  # several instances (datasetId): the default one comes first
        attr = next((a for a in attr if isinstance(a, dict) and "datasetId" not in a), attr[0])
    if not isinstance(attr, dict) or "type" not in attr:
        return attr, {}, None
    kind = attr["type"]
    if kind == "Relationship":
        value = attr.get("object")
    elif kind in ("Property", "GeoProperty", "LanguageProperty"):
        value = _literal(attr.get("value", attr.get("languageMap")))
    else:
        return attr, {}, None
    metadata = {"unitCode": {"value": attr["unitCode"]}} if attr.get("unitCode") else {}
    return value, metadata, attr.get("observedAt")


def to_v2(entity: Any, time_attribute: str) -> Any:
    """The entity in NGSI v2 normalized form (anything that is not an object is left for the mapper to refuse)."""
    if not isinstance(entity, dict):
        return entity
    result: dict[str, Any] = {}
    observed: list[str] = []
    for name, attr in entity.items():
        if name in ("@context", "id", "type"):
            if name != "@context":
                result[name] = short_name(attr) if name == "type" and isinstance(attr, str) else attr
            continue
        value, metadata, observed_at = _attribute(attr)
        result[short_name(name)] = {"type": "Property", "value": value, "metadata": metadata}
        if isinstance(observed_at, str):
            observed.append(observed_at)
    if time_attribute not in result and "dateObservedTo" not in result and observed:
        result[time_attribute] = {"type": "DateTime", "value": max(observed), "metadata": {}}
    return result


class NgsiLdCollector(NgsiCollector):
    """``GET {url}/ngsi-ld/v1/entities?type=…&q=<time>>=<since>;<time><=<run start>&limit&offset&count=true``.

    Options as for NGSI v2 (``entity_type``, ``time_attribute``, ``entity_per_observation``), plus
    ``context``: the URL of the JSON-LD @context sent in the ``Link`` header (default: the core context),
    and ``key_values`` (default false): ask for the simplified form. Paging ends at ``NGSILD-Results-Count``.
    """

    def fetch(self, cursor: Cursor) -> Batch:
        feed, options = self.feed, self.feed.options
        entity_type = options["entity_type"]
        time_attribute = options.get("time_attribute", TIME_ATTRIBUTES[entity_type])
        per_observation = bool(options.get("entity_per_observation", True))
        tz = zone(feed.timezone)
        mapper = MAPPERS[entity_type]
        start, end = whole_second(cursor.since()), whole_second(cursor.run_started_at)
        params = {
            "type": entity_type,
            "q": f"{time_attribute}>={utc_z(start)};{time_attribute}<={utc_z(end)}",
            "limit": feed.page_size,
            "count": "true",
        }
        if options.get("key_values", False):
            params["options"] = "keyValues"
        headers = {"Accept": "application/json"}
        if options.get("context"):
            headers["Link"] = f'<{options["context"]}>; rel="{CONTEXT_REL}"; type="application/ld+json"'
        batch, offset = Batch(), 0
        while True:
            body, response = self.http.get_json(
                f"{feed.url.rstrip('/')}/ngsi-ld/v1/entities", {**params, "offset": offset}, headers
            )
            if not isinstance(body, list):
                raise FatalFetchError(f"feed {feed.name}: response from {response.url} is not a list of entities")
            total = response.headers.get("NGSILD-Results-Count", "")
            total = int(total) if total.isdigit() else None
            records, failures = map_items(
                feed,
                body,
                lambda e: mapper(to_v2(e, time_attribute), time_attribute, tz, per_observation),
                item_ref("id"),
            )
            batch.records.extend(records)
            batch.rejected.extend(failures)
            distinct = len({item_ref("id")(e) for e in body})
            offset += distinct
            if distinct == 0 or (offset >= total if total is not None else len(body) < feed.page_size):
                batch.cursor[WHOLE_FEED] = end
                return batch
            if offset >= feed.max_records_per_run:
                newest = max(
                    (r.data.get("observed_at") or r.data.get("updated_at") for r in batch.records), default=None
                )
                if newest is not None:
                    batch.cursor[WHOLE_FEED] = newest
                return batch
