"""The MQTT collector: each run stores the readings received since the last run, then acknowledges them.

Payload: one JSON object per reading. Field names are configurable (``options.fields``); by default
``{"station_code", "quantity", "observed_at", "value", "unit", "quality"}``. A missing station code may be
taken from a level of the topic (``options.station_topic_level``, e.g. 2 for ``city/noise/N01``).
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from collectors.config import FeedConfig
from collectors.contract import Batch, Collector, Cursor, SourceRecord
from collectors.fields import FieldError, instant, map_items, number, required, text
from collectors.mqtt.subscription import Message, Subscription
from collectors.timeparse import zone

DEFAULT_FIELDS = {
    "station_code": "station_code",
    "quantity": "quantity",
    "observed_at": "observed_at",
    "value": "value",
    "unit": "unit",
    "quality": "quality",
}


class PayloadMapping:
    """How a message becomes a sensor reading: field names and the topic level of the station."""

    def __init__(
        self, fields: dict[str, str], station_topic_level: int | None, timezone: str, max_bytes: int = 1 << 20
    ) -> None:
        self.fields = {**DEFAULT_FIELDS, **fields}
        self.max_bytes = max_bytes
        self.station_level = station_topic_level
        self.tz = zone(timezone)

    def __call__(self, message: Message) -> list[SourceRecord]:
        if len(message.payload) > self.max_bytes:
            raise FieldError("payload", f"{len(message.payload)} bytes, more than {self.max_bytes}")
        try:
            body: Any = json.loads(message.payload)
        except (ValueError, RecursionError) as exc:  # RecursionError: nested too deeply
            raise FieldError("payload", f"not JSON: {exc}") from None
        if not isinstance(body, dict):
            raise FieldError("payload", "expected a JSON object per reading")
        f = self.fields
        station = body.get(f["station_code"])
        if station is None and self.station_level is not None:
            levels = message.topic.split("/")
            station = levels[self.station_level] if len(levels) > self.station_level else None
        station = required(station, f["station_code"])
        quantity = required(body.get(f["quantity"]), f["quantity"])
        observed_at = instant(body.get(f["observed_at"]), f["observed_at"], self.tz, required=True)
        data = {
            "station_code": station,
            "quantity": quantity,
            "observed_at": observed_at,
            "value": number(body.get(f["value"]), f["value"]),
            "unit": text(body.get(f["unit"])),
            "quality": text(body.get(f["quality"])),
        }
        return [SourceRecord(ref=f"{station}:{quantity}:{observed_at.isoformat()}", data=data, raw=body)]


class MqttCollector(Collector):
    """Subscribes once (it lives as long as the collector process) and drains its buffer every run."""

    persistent: ClassVar[bool] = True

    def __init__(self, feed: FeedConfig, http=None) -> None:
        super().__init__(feed, http)
        options = feed.options
        self.mapping = PayloadMapping(
            options.get("fields", {}), options.get("station_topic_level"), feed.timezone, feed.max_response_bytes
        )
        self.subscription = Subscription(
            feed.url or "",
            topic=options.get("topic", "#"),
            client_id=options.get("client_id", f"cityops-{feed.name}"),
            qos=int(options.get("qos", 1)),
        )
        self.subscription.start()

    def close(self) -> None:
        self.subscription.stop()

    def fetch(self, cursor: Cursor) -> Batch:
        messages = self.subscription.drain(self.feed.max_records_per_run)
        records, rejected = map_items(self.feed, messages, self.mapping, lambda m: f"{m.topic}#{m.mid}")
        for reject in rejected:
            reject.raw = _quarantine_payload(reject.raw)
        batch = Batch(records=records, rejected=rejected)
        batch.after_commit.append(lambda: self.subscription.ack(messages))
        return batch


def _quarantine_payload(message: Message | Any) -> Any:
    """What quarantine keeps of a message: topic and payload as text."""
    if isinstance(message, Message):
        return {"topic": message.topic, "payload": message.payload.decode("utf-8", "backslashreplace")}
    return message
