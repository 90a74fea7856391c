"""Property-based fuzzing of the SensorThings, MQTT and generic tabular parsers, as test_fuzz_parsers.py does for
the others: hostile values, missing fields, broken pages, wrong encodings (GBK, UTF-8 with BOM, invalid UTF-8),
oversize and deeply nested payloads, huge numbers and NaN. A collector never crashes; each bad record is
quarantined with a short reason naming the feed, the record and the field; every good record survives."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from hostile import FUZZ, RUN_AT, check_rejects, check_rows, spoiled
from hypothesis import given
from hypothesis import strategies as st

import collectors.mqtt.collector as mqtt_collector
from collectors.config import FeedConfig
from collectors.contract import Cursor
from collectors.http import FeedHttpClient, FetchError
from collectors.mqtt.subscription import Message
from collectors.records import RECORD_MODELS, ComplaintEventRecord
from collectors.registry import create_collector
from collectors.runner import validate
from dashboard.db.models import ComplaintEvent
from dashboard.db.reconcile import FACT_TABLES

EXAMPLES_NOTE = "no crash, every reject named its feed, record and field, every good record survived"


def _cursor() -> Cursor:
    return Cursor(values={}, run_started_at=RUN_AT, lag=timedelta(0), default_start=RUN_AT - timedelta(days=2))


# --- SensorThings (noise and water quality) -------------------------------------------------------------------

STA_FEED = FeedConfig(
    name="fuzz-sensorthings",
    domain="sensors",
    protocol="sensorthings",
    url="http://sta.test/v1.1",
    options={"quantities": {"LAeq": "laeq", "pH": "ph"}},
)
#: Bodies of a whole response that is not a SensorThings collection.
BROKEN_PAGES = [b"", b"null", b'"x"', b'{"value": 5}', b"[" * 50_000, b'{"value": [', b"\xff\xfe{}", b"NaN"]


def _datastream(stream_id, station: str, prop: str, unit: str) -> dict:
    return {
        "@iot.id": stream_id,
        "name": f"{station} {prop}",
        "unitOfMeasurement": {"name": prop, "symbol": unit},
        "Thing": {"name": f"Station {station}", "properties": {"station_code": station}},
        "ObservedProperty": {"name": prop},
    }


STREAMS = [_datastream(1, "N01", "LAeq", "dB(A)"), _datastream("w-2", "W01", "pH", "pH")]


def _observation(i: int) -> dict:
    return {
        "@iot.id": 1000 + i,
        "phenomenonTime": f"{RUN_AT - timedelta(minutes=5 * (i + 1)):%Y-%m-%dT%H:%M:%S}.000Z",
        "result": 50.0 + i,
        "resultQuality": {"quality": "Good", "status": "9"},
    }


def _sta_transport(streams: list, pages: dict[str, bytes]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/Datastreams"):
            body = json.dumps({"value": streams}, allow_nan=True).encode()
        else:
            body = pages.get(path.rsplit("/", 2)[-2], b'{"value": []}')
        return httpx.Response(200, content=body, headers={"Content-Type": "application/json"})

    return httpx.MockTransport(handler)


def _fuzz_sensorthings(streams: list[dict], observations: list[dict], data) -> None:
    """Serve ``streams``, each with a spoiled copy of ``observations``; check what the collector makes of it."""
    pages, good = {}, set()
    extra = data.draw(st.one_of(st.none(), spoiled([_datastream(3, "N03", "LAeq", "dB(A)")])))
    served = streams + (extra[0] if extra else [])
    for stream in served:
        path = f"Datastreams({stream['@iot.id']})" if isinstance(stream.get("@iot.id"), int) else None
        path = path or "Datastreams('{}')".format(str(stream.get("@iot.id")).replace("'", "''"))
        if data.draw(st.integers(0, 9)) == 0:
            pages[path] = data.draw(st.sampled_from(BROKEN_PAGES))
            continue
        records, spoilt = data.draw(spoiled(observations))
        pages[path] = json.dumps({"value": records}, allow_nan=True).encode()
        if stream in streams:
            good |= {f"{stream['@iot.id']}:{r['@iot.id']}" for i, r in enumerate(records) if i not in spoilt}
    http = FeedHttpClient(STA_FEED, transport=_sta_transport(served, pages), initial_backoff=0.001, max_backoff=0.001)
    try:
        batch = create_collector(STA_FEED, http).fetch(_cursor())
    except FetchError as exc:  # a broken page refuses the run as a whole: a clean, named failure
        assert str(exc).startswith(f"feed {STA_FEED.name}: "), exc
        return
    finally:
        http.close()
    valid, rejected = validate(STA_FEED, batch)
    check_rejects(STA_FEED.name, rejected)
    check_rows("sensors", valid)
    assert good <= {row["source_id"] for row in valid}


@pytest.mark.reliability
def test_sensorthings_hostile_observations_and_datastreams_never_crash():
    @FUZZ
    @given(data=st.data())
    def run(data):
        _fuzz_sensorthings(STREAMS, [_observation(i) for i in range(data.draw(st.integers(1, 5)))], data)

    run()
    print(f"\nsensorthings: {FUZZ.max_examples} fuzz examples, {EXAMPLES_NOTE}")


@pytest.mark.reliability
def test_real_bgs_sensorthings_samples_spoiled_never_crash(realdata):
    folder = realdata / "sensorthings"
    streams = json.loads((folder / "bgs_frost_v1.1_datastreams_expanded_foi_sample.json").read_text())
    observations = json.loads((folder / "bgs_frost_v1.1_observations_sample.json").read_text())

    @FUZZ
    @given(data=st.data())
    def run(data):
        _fuzz_sensorthings(streams, observations, data)

    run()
    print(f"\nsensorthings (BGS FROST samples): {FUZZ.max_examples} fuzz examples, {EXAMPLES_NOTE}")


# --- MQTT payloads ---------------------------------------------------------------------------------------------

MQTT_FEED = FeedConfig(
    name="fuzz-mqtt",
    domain="sensors",
    protocol="mqtt",
    url="mqtt://127.0.0.1:1",
    max_response_bytes=4096,
    options={"topic": "city/#", "station_topic_level": 2},
)


class _Subscription:
    """Stands in for the broker: hands out the messages of one example and records what is acknowledged."""

    messages: list[Message] = []

    def __init__(self, url: str, topic: str, client_id: str, qos: int = 1) -> None:
        self.acked: list[Message] = []

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def drain(self, limit: int) -> list[Message]:
        return list(self.messages[:limit])

    def ack(self, messages: list[Message]) -> None:
        self.acked.extend(messages)


def _reading(i: int) -> dict:
    return {
        "station_code": f"N{i:02d}",
        "quantity": "laeq",
        "observed_at": (RUN_AT - timedelta(minutes=i)).isoformat(),
        "value": 50.0 + i,
        "unit": "dB(A)",
        "quality": "ok",
    }


#: Payloads that are not one JSON reading in UTF-8.
RAW_PAYLOADS = st.one_of(
    st.binary(max_size=200),
    st.sampled_from(
        [
            b"",
            b"\xff\xfe\x00{",
            b"[" * 100_000,
            b"[" * 3000,
            b'{"a":' * 700,
            b" " * 5000 + b"{}",
            b'{"station_code": "N1", "value": NaN',
            b'{"station_code": "N1", "quantity": "laeq", "observed_at": "2026-11-21T08:00:00Z", "value": 1e999}',
            b'{"station_code": "N1", "quantity": "laeq", "observed_at": "2026-11-21T08:00:00Z", "value": 1'
            + b"0" * 400
            + b"}",
            json.dumps({"station_code": "站点一", "quantity": "噪声"}, ensure_ascii=False).encode("gbk"),
            json.dumps(_reading(99)).encode("utf-16"),
            b"\xef\xbb\xbf" + json.dumps(_reading(98)).encode(),
        ]
    ),
)


@pytest.mark.reliability
def test_mqtt_payloads_of_any_bytes_never_crash(monkeypatch):
    monkeypatch.setattr(mqtt_collector, "Subscription", _Subscription)

    @FUZZ
    @given(data=st.data())
    def run(data):
        readings, spoilt = data.draw(spoiled([_reading(i) for i in range(data.draw(st.integers(1, 6)))]))
        messages = [
            Message(i, 1, f"city/noise/X{i:02d}", json.dumps(r, allow_nan=True).encode())
            for i, r in enumerate(readings)
        ]
        raw = data.draw(st.lists(RAW_PAYLOADS, max_size=3))
        messages += [Message(100 + i, 1, f"city/noise/R{i}", payload) for i, payload in enumerate(raw)]
        _Subscription.messages = messages
        collector = create_collector(MQTT_FEED, None)
        batch = collector.fetch(_cursor())
        valid, rejected = validate(MQTT_FEED, batch)
        check_rejects(MQTT_FEED.name, rejected)
        check_rows("sensors", valid)
        good = {r["station_code"] for i, r in enumerate(readings) if i not in spoilt}
        assert good <= {row["station_code"] for row in valid}
        for reject in rejected:  # quarantine keeps what arrived as text (a payload it could not read: with its topic)
            assert not isinstance(reject.raw, Message | bytes), reject.raw
        for callback in batch.after_commit:
            callback()
        assert collector.subscription.acked == messages  # nothing is left to be delivered again and again

    run()
    print(f"\nmqtt: {FUZZ.max_examples} fuzz examples, {EXAMPLES_NOTE}; every message acknowledged")


# --- the generic tabular adapter (CSV and JSON drop files) -----------------------------------------------------

HEADERS = ["站点", "时间", "指标", "数值", "单位"]
TABULAR_OPTIONS = {
    "key": ["站点", "指标", "时间"],
    "fields": {
        "station_code": "站点",
        "observed_at": {"column": "时间", "format": "%Y-%m-%d %H:%M:%S"},
        "quantity": "指标",
        "value": "数值",
        "unit": "单位",
    },
}


def _row(i: int) -> dict:
    return {"站点": f"S{i:02d}", "时间": f"2026-11-21 {10 + i}:00:00", "指标": "pm25", "数值": 30 + i, "单位": "µg/m³"}


def _encode(text: str, encoding: str) -> bytes:
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:  # a hostile cell GBK cannot hold: GB18030 (its superset) can
        return text.encode("gb18030")


def _csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for row in rows:
        writer.writerow(["" if row.get(h) is None else row.get(h) for h in HEADERS])
    return out.getvalue()


def _tabular_feed(folder: Path) -> FeedConfig:
    return FeedConfig(name="fuzz-tabular", domain="sensors", protocol="tabular", folder=folder, options=TABULAR_OPTIONS)


@pytest.mark.reliability
def test_tabular_files_with_hostile_cells_and_encodings_never_crash():
    @FUZZ
    @given(
        data=st.data(),
        fmt=st.sampled_from(["csv", "json"]),
        encoding=st.sampled_from(["utf-8", "utf-8-sig", "gbk", "gb18030"]),
    )
    def run(data, fmt, encoding):
        rows, spoilt = data.draw(spoiled([_row(i) for i in range(data.draw(st.integers(1, 6)))]))
        text = _csv(rows) if fmt == "csv" else json.dumps(rows, ensure_ascii=False, allow_nan=True)
        with tempfile.TemporaryDirectory() as folder:
            (Path(folder) / f"export.{fmt}").write_bytes(_encode(text, encoding))
            feed = _tabular_feed(Path(folder))
            batch = create_collector(feed, None).fetch(_cursor())
        valid, rejected = validate(feed, batch)
        check_rejects(feed.name, rejected)
        check_rows("sensors", valid)
        if any(r.ref == f"export.{fmt}" for r in rejected):  # the file as a whole (e.g. a NUL byte): kept whole
            assert len(rejected) == 1 and not valid
            return
        good = {f"S{i:02d}:pm25:2026-11-21 {10 + i}:00:00" for i in range(len(rows)) if i not in spoilt}
        assert good <= {row["source_id"] for row in valid}

    run()
    print(f"\ntabular: {FUZZ.max_examples} fuzz examples (CSV and JSON; UTF-8, BOM, GBK), {EXAMPLES_NOTE}")


@pytest.mark.reliability
@FUZZ
@given(content=st.binary(max_size=2000), suffix=st.sampled_from([".csv", ".json", ".geojson"]))
def test_tabular_files_of_any_bytes_never_crash(content, suffix):
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / f"drop{suffix}").write_bytes(content)
        feed = _tabular_feed(Path(folder))
        batch = create_collector(feed, None).fetch(_cursor())
    valid, rejected = validate(feed, batch)
    check_rejects(feed.name, rejected)
    check_rows("sensors", valid)


def test_record_models_refuse_strings_longer_than_their_columns():
    """A record with a string its column cannot hold is quarantined, not stored: PostgreSQL would refuse the whole
    batch, on every run, and the feed would never move again."""
    pairs = [(model, FACT_TABLES[domain].__table__) for domain, model in RECORD_MODELS.items()]
    pairs.append((ComplaintEventRecord, ComplaintEvent.__table__))
    for model, table in pairs:
        for name, info in model.model_fields.items():
            column = table.columns.get(name)
            length = getattr(column.type, "length", None) if column is not None else None
            if not length or "Literal" in str(info.annotation):
                continue
            limits = [m.max_length for m in info.metadata if getattr(m, "max_length", None) is not None]
            assert limits and limits[0] <= length, f"{model.__name__}.{name}: column holds {length} characters"
