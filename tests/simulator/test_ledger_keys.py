"""The ledger names every record served by its upstream id, with the time of the newest version served."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

CITY_TZ = ZoneInfo("Asia/Shanghai")


def _epoch(text: str, tz=None) -> int:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return int((moment if moment.tzinfo else moment.replace(tzinfo=tz)).timestamp())


def test_served_records_are_named_with_their_newest_version(sim, client):
    requests = client.get("/open311/v2/requests.json", params={"page_size": 50}).json()
    tickets = client.get("/halls/api/v1/tickets", params={"limit": 40}).json()["tickets"]
    traffic = client.get(
        "/ngsi/v2/entities", params={"type": "TrafficFlowObserved", "options": "keyValues", "limit": 30}
    ).json()
    air = client.get("/ngsi/v2/entities", params={"type": "AirQualityObserved", "limit": 20}).json()
    observations = client.get("/sta/v1.1/Observations", params={"$top": 25}).json()["value"]

    keys = client.get("/_sim/ledger/keys").json()

    assert keys["open311"] == {r["service_request_id"]: _epoch(r["updated_datetime"]) for r in requests}
    assert keys["halls:tickets"] == {t["ticket_id"]: _epoch(t["updated_at"], CITY_TZ) for t in tickets}
    assert keys["ngsi:TrafficFlowObserved"] == {e["id"]: None for e in traffic}
    assert keys["ngsi:AirQualityObserved"] == {e["id"]: None for e in air}
    assert keys["sta:Observations"] == {str(o["@iot.id"]): None for o in observations}
    assert len(keys["open311"]) == 50 and len(keys["halls:tickets"]) == 40
