"""MQTT: sensor readings pushed live by a broker (JSON per reading), QoS 1 on a persistent session."""

from collectors.mqtt.collector import MqttCollector

__all__ = ["MqttCollector"]
