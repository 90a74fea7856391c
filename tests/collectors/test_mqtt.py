"""MQTT ingestion: payload mapping, and against a real Mosquitto broker — including a broker restart."""

from __future__ import annotations

import getpass
import json
import os
import shutil
import socket
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from sqlalchemy import func, select

from collectors.config import FeedConfig
from collectors.fields import map_items
from collectors.mqtt.collector import PayloadMapping
from collectors.mqtt.subscription import Message
from collectors.runner import FeedRunner
from dashboard.db.models import Quarantine, SensorReading

MQTT_URL = os.environ.get("CITYOPS_TEST_MQTT_URL")
MOSQUITTO = shutil.which("mosquitto") or ("/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None)
T0 = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)


def _reading(i: int, station: str = "N01") -> bytes:
    return json.dumps({"station_code": station, "quantity": "laeq", "value": 50 + i % 20, "unit": "dB(A)",
                       "observed_at": (T0 + timedelta(minutes=i)).isoformat()}).encode()


def _feed(url: str, topic: str, client_id: str) -> FeedConfig:
    return FeedConfig(name="noise-mqtt", domain="sensors", protocol="mqtt", url=url, interval_seconds=1,
                      options={"topic": topic, "client_id": client_id, "station_topic_level": 2})


def test_payload_mapping_reads_fields_and_station_from_topic():
    mapping = PayloadMapping({"value": "v"}, station_topic_level=2, timezone="Asia/Shanghai")
    payload = b'{"quantity": "laeq", "v": "61.5", "observed_at": "2026-11-21 16:00:00"}'
    message = Message(1, 1, "city/noise/N07", payload)
    (record,) = mapping(message)
    assert record.data["station_code"] == "N07"
    assert record.data["value"] == 61.5
    assert record.data["observed_at"] == datetime(2026, 11, 21, 8, 0, tzinfo=UTC)  # 16:00 in Shanghai


def test_bad_payloads_become_rejects_naming_the_field():
    feed = _feed("mqtt://127.0.0.1:1", "x", "t")
    mapping = PayloadMapping({}, None, "Asia/Shanghai")
    messages = [Message(1, 1, "t", b"not json"), Message(2, 1, "t", b'{"station_code": "N1", "quantity": "laeq"}')]
    records, rejected = map_items(feed, messages, mapping, lambda m: f"{m.topic}#{m.mid}")
    assert records == []
    assert [r.field for r in rejected] == ["payload", "observed_at"]
    assert rejected[0].reason.startswith("feed noise-mqtt, record t#1: payload: not JSON")


def _publisher(host: str, port: int) -> mqtt.Client:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"pub-{os.getpid()}-{time.time_ns()}",
                         clean_session=False)
    client.max_queued_messages_set(0)  # queue everything while the broker is away
    client.reconnect_delay_set(1, 2)
    client.connect(host, port)
    client.loop_start()
    return client


def _stored(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(SensorReading)).scalar_one()


def _collect_until(runner: FeedRunner, feed: FeedConfig, engine, expected: int, timeout: float = 30) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runner.run(feed)
        if _stored(engine) >= expected:
            break
        time.sleep(0.3)
    return _stored(engine)


@pytest.mark.skipif(not MQTT_URL, reason="needs CITYOPS_TEST_MQTT_URL (a Mosquitto broker, e.g. mqtt://127.0.0.1:1883)")
def test_readings_pushed_to_the_broker_are_stored_once_and_bad_ones_quarantined(sqlite_engine):
    topic = f"cityops-test/{time.time_ns()}/+"
    feed = _feed(MQTT_URL, topic, f"cityops-test-{time.time_ns()}")
    runner = FeedRunner(sqlite_engine)
    try:
        runner.run(feed)
        runner._persistent[feed.name].subscription.connected.wait(10)
        host, port = MQTT_URL.removeprefix("mqtt://").split(":")
        publisher = _publisher(host, int(port))
        base = topic.removesuffix("+")
        for i in range(40):
            publisher.publish(f"{base}N0{i % 3}", _reading(i, station=f"N0{i % 3}"), qos=1).wait_for_publish(5)
        publisher.publish(f"{base}N01", b"{broken", qos=1).wait_for_publish(5)
        publisher.publish(f"{base}N01", _reading(0, station="N00"), qos=1).wait_for_publish(5)  # a duplicate
        assert _collect_until(runner, feed, sqlite_engine, 40) == 40
        runner.run(feed)
        with sqlite_engine.connect() as conn:
            reasons = conn.execute(select(Quarantine.reason)).scalars().all()
        assert len(reasons) == 1 and "payload: not JSON" in reasons[0]
        publisher.loop_stop()
    finally:
        runner.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_broker(tmp_path: Path, port: int) -> subprocess.Popen:
    config = tmp_path / "mosquitto.conf"
    config.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence true\nuser {getpass.getuser()}\n"
        f"persistence_location {tmp_path}/\nautosave_interval 1\n",
        encoding="utf-8",
    )
    broker = subprocess.Popen([MOSQUITTO, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return broker
        except OSError:
            time.sleep(0.1)
    broker.kill()
    pytest.fail("mosquitto did not start")


def _publish(port: int, readings: range) -> None:
    publisher = _publisher("127.0.0.1", port)
    for i in readings:
        publisher.publish("city/noise/N01", _reading(i), qos=1).wait_for_publish(5)
    publisher.loop_stop()
    publisher.disconnect()


@pytest.mark.slow
@pytest.mark.skipif(MOSQUITTO is None, reason="needs the mosquitto broker binary (Debian package mosquitto)")
def test_broker_restart_mid_stream_loses_nothing(sqlite_engine, tmp_path):
    port = _free_port()
    broker = _start_broker(tmp_path, port)
    feed = _feed(f"mqtt://127.0.0.1:{port}", "city/noise/+", "cityops-restart-test")
    runner = FeedRunner(sqlite_engine)
    try:
        runner.run(feed)
        assert runner._persistent[feed.name].subscription.connected.wait(10)
        _publish(port, range(0, 30))
        assert _collect_until(runner, feed, sqlite_engine, 30) == 30
        runner.close()  # the collector is away: the broker queues for its persistent session
        _publish(port, range(30, 60))
        broker.terminate()  # ... and restarts with those messages still queued (persistence on)
        broker.wait(10)
        broker = _start_broker(tmp_path, port)
        _publish(port, range(60, 100))
        runner = FeedRunner(sqlite_engine)
        assert _collect_until(runner, feed, sqlite_engine, 100, timeout=40) == 100
    finally:
        runner.close()
        broker.kill()


@pytest.mark.slow
@pytest.mark.skipif(MOSQUITTO is None, reason="needs the mosquitto broker binary (Debian package mosquitto)")
def test_messages_of_a_run_that_never_committed_are_delivered_again(sqlite_engine, tmp_path):
    port = _free_port()
    broker = _start_broker(tmp_path, port)
    feed = _feed(f"mqtt://127.0.0.1:{port}", "city/noise/+", "cityops-crash-test")
    first = FeedRunner(sqlite_engine)
    try:
        first.run(feed)
        collector = first._persistent[feed.name]
        assert collector.subscription.connected.wait(10)
        publisher = _publisher("127.0.0.1", port)
        for i in range(20):
            publisher.publish("city/noise/N01", _reading(i), qos=1).wait_for_publish(5)
        publisher.loop_stop()
        deadline = time.monotonic() + 10
        while len(collector.fetch(None).records) < 20 and time.monotonic() < deadline:  # fetched, never stored
            time.sleep(0.2)
        first.close()  # the process "dies" before its transaction commits: nothing was acknowledged
        second = FeedRunner(sqlite_engine)
        try:
            assert _collect_until(second, feed, sqlite_engine, 20) == 20
        finally:
            second.close()
    finally:
        broker.kill()
