"""Faults do what they say, per request, and the ledger accounts for what was served."""

from __future__ import annotations

OPEN311 = "/open311/v2/requests.json"


def test_transport_faults(sim, client, monkeypatch):
    slept: list[float] = []  # the waits the injector makes, recorded instead of slept
    monkeypatch.setattr(sim.state.injector, "sleep", slept.append)
    sim.set_faults(outage=True)
    response = client.get(OPEN311)
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert client.get("/_sim/health").status_code == 200
    sim.set_faults(outage=False, error_rate=1.0)
    assert client.get(OPEN311).status_code == 500
    sim.set_faults(error_rate=0.0, rate_limit=3)
    codes = [client.get("/open311/v2/services.json").status_code for _ in range(6)]
    assert codes.count(429) == 2
    sim.set_faults(rate_limit=0, latency_ms=300)
    assert slept == []  # no latency configured yet: no request waited
    client.get("/open311/v2/services.json")
    assert slept == [0.3]
    sim.set_faults(latency_ms=0, timeout_rate=1.0, timeout_seconds=0.4)
    assert client.get("/open311/v2/services.json").status_code == 200
    assert slept == [0.3, 0.4]  # a timeout fault holds the answer back, then serves it


def test_faults_over_http(client):
    response = client.post("/_sim/faults", json={"error_rate": 0.5})
    assert response.status_code == 200 and response.json()["error_rate"] == 0.5
    assert client.post("/_sim/faults", json={"nonsense": 1}).status_code == 400
    assert client.post("/_sim/faults", json={"error_rate": "high"}).status_code == 400
    client.post("/_sim/faults", json={"error_rate": 0.0})


def test_record_faults_and_ledger(sim, client):
    params = {"type": "AirQualityObserved", "options": "keyValues", "limit": 200}
    clean = client.get("/ngsi/v2/entities", params=params).json()
    sim.set_faults(malformed_rate=0.2)
    dirty = client.get("/ngsi/v2/entities", params=params).json()
    changed = [a["id"] for a, b in zip(clean, dirty, strict=True) if a != b]
    assert 10 < len(changed) < 80
    ledger = client.get("/_sim/ledger").json()["ngsi:AirQualityObserved"]
    assert set(changed) <= set(ledger["malformed_ids"])
    assert ledger["ids"] >= 200
    sim.set_faults(malformed_rate=0.0, duplicate_rate=0.1)
    duplicated = client.get("/ngsi/v2/entities", params=params).json()
    assert len(duplicated) > 200 and {r["id"] for r in duplicated} == {r["id"] for r in clean}
    sim.set_faults(duplicate_rate=0.0, shuffle=True)
    shuffled = client.get("/ngsi/v2/entities", params=params).json()
    assert shuffled != clean and sorted(r["id"] for r in shuffled) == sorted(r["id"] for r in clean)
    sim.set_faults(shuffle=False, clock_skew_seconds=3600)
    skewed = client.get("/ngsi/v2/entities", params=params).json()
    assert skewed[0]["dateObserved"] != clean[0]["dateObserved"] and skewed[0]["id"] == clean[0]["id"]


def test_faults_are_deterministic_per_request_number(sim, client):
    sim.set_faults(error_rate=0.5)
    first = [client.get("/open311/v2/services.json").status_code for _ in range(20)]
    assert 500 in first and 200 in first
