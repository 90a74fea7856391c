"""A long-lived MQTT subscription whose messages are acknowledged only once they are stored.

The client speaks MQTT 5 with a persistent session (fixed client id, ``clean_start=False``, a long session
expiry) and acknowledges QoS 1 messages by hand (paho's ``manual_ack``): a message the process never stored is
never acknowledged, so the broker delivers it again after a crash, a reconnect or a broker restart (with broker
persistence on). Its receive maximum lets the broker send many unacknowledged messages at once, so that one
run can store a whole burst.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from dataclasses import dataclass
from urllib.parse import urlparse

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

log = logging.getLogger(__name__)

SESSION_EXPIRY_SECONDS = 7 * 24 * 3600
RECEIVE_MAXIMUM = 65_535


@dataclass(frozen=True)
class Message:
    """One received message, with what is needed to acknowledge it."""

    mid: int
    qos: int
    topic: str
    payload: bytes


class Subscription:
    """Connects in the background, subscribes on every (re)connect and buffers messages until drained."""

    def __init__(self, url: str, topic: str, client_id: str, qos: int = 1, max_buffered: int = 100_000) -> None:
        parsed = urlparse(url)
        if parsed.scheme not in ("mqtt", "tcp"):
            raise ValueError(f"MQTT URL must look like mqtt://host:1883, not {url!r}")
        self.host, self.port = parsed.hostname or "127.0.0.1", parsed.port or 1883
        self.topic, self.qos = topic, qos
        self._buffer: deque[Message] = deque()
        self._pending: list[Message] = []  # drained but not yet acknowledged (their run may have failed)
        self._max_buffered = max_buffered
        self._lock = threading.Lock()
        self.connected = threading.Event()
        self._client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5, manual_ack=True
        )
        if parsed.username:
            self._client.username_pw_set(parsed.username, parsed.password)
        self._client.reconnect_delay_set(min_delay=1, max_delay=30)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_message = self._on_message

    def start(self) -> None:
        """Connect (asynchronously; reconnects by itself) and start the network thread."""
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = SESSION_EXPIRY_SECONDS
        properties.ReceiveMaximum = RECEIVE_MAXIMUM
        self._client.connect_async(self.host, self.port, keepalive=30, clean_start=False, properties=properties)
        self._client.loop_start()

    def stop(self) -> None:
        self._client.loop_stop()
        self._client.disconnect()

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            log.error("MQTT %s:%s refused the connection: %s", self.host, self.port, reason_code)
            return
        client.subscribe(self.topic, qos=self.qos)
        if not self.connected.is_set():
            log.info("MQTT connected to %s:%s, subscribed to %s", self.host, self.port, self.topic)
        self.connected.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        if self.connected.is_set():
            log.warning("MQTT connection to %s:%s lost (%s); reconnecting", self.host, self.port, reason_code)
        self.connected.clear()

    def _on_message(self, client, userdata, message: mqtt.MQTTMessage) -> None:
        with self._lock:
            if len(self._buffer) >= self._max_buffered:
                return  # not acknowledged: the broker keeps it and delivers it again later
            self._buffer.append(Message(message.mid, message.qos, message.topic, message.payload))

    def drain(self, limit: int) -> list[Message]:
        """Messages to store: those of a run that did not commit, then up to ``limit`` new ones.

        They stay unacknowledged until :meth:`ack`.
        """
        with self._lock:
            room = max(limit - len(self._pending), 0)
            self._pending.extend(self._buffer.popleft() for _ in range(min(room, len(self._buffer))))
            return list(self._pending)

    def ack(self, messages: list[Message]) -> None:
        """Acknowledge messages that are now stored (or quarantined)."""
        for message in messages:
            if message.qos > 0:
                self._client.ack(message.mid, message.qos)
        with self._lock:
            done = {id(m) for m in messages}
            self._pending = [m for m in self._pending if id(m) not in done]
