"""Responses have the field names and JSON types of real third-party samples (for the fields both have)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest


@pytest.fixture
def real(realdata) -> Path:
    """The real samples' folder (``tests/conftest.py``: beside the checkout or where CITYOPS_REALDATA says)."""
    return realdata


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def _same_types(ours: dict, theirs: dict, *, skip: tuple[str, ...] = ()) -> list[str]:
    common = (set(ours) & set(theirs)) - set(skip)
    assert common, "no common fields"
    return [
        f"{k}: {_kind(ours[k])} vs {_kind(theirs[k])}" for k in sorted(common) if _kind(ours[k]) != _kind(theirs[k])
    ]


def test_open311_json_and_xml(client, real):
    fields = [e.tag for e in ET.parse(real / "open311" / "georeport_v2_spec_requests_example.xml").getroot()[0]]
    ours = client.get("/open311/v2/requests.json", params={"page_size": 5}).json()[0]
    assert list(ours) == fields
    xml_ours = ET.fromstring(client.get("/open311/v2/requests.xml", params={"page_size": 1}).content)[0]
    assert [e.tag for e in xml_ours] == fields
    fiware = json.loads((real / "fiware-sdm" / "Open311ServiceRequest.example-keyvalues.json").read_text())
    assert not _same_types(ours, fiware)
    services = [e.tag for e in ET.parse(real / "open311" / "georeport_v2_spec_services_example.xml").getroot()[0]]
    ours_services = client.get("/open311/v2/services.json").json()[0]
    assert set(services) == set(ours_services)
    bloomington = json.loads((real / "open311" / "bloomington_in_ureport_services.json").read_text())[0]
    assert not _same_types(ours_services, bloomington, skip=("service_code",))  # an integer there, a string here


@pytest.mark.parametrize("entity", ["TrafficFlowObserved", "AirQualityObserved"])
def test_ngsi_key_values_and_normalized(client, real, entity):
    sample_kv = json.loads((real / "fiware-sdm" / f"{entity}.example-keyvalues.json").read_text())
    sample_norm = json.loads((real / "fiware-sdm" / f"{entity}.example-normalized.json").read_text())
    kv = client.get("/ngsi/v2/entities", params={"type": entity, "options": "keyValues", "limit": 1}).json()[0]
    norm = client.get("/ngsi/v2/entities", params={"type": entity, "limit": 1}).json()[0]
    assert not _same_types(kv, sample_kv)
    common = (set(norm) & set(sample_norm)) - {"id", "type"}
    assert len(common) >= 5
    for name in common:
        assert set(sample_norm[name]) - {"metadata"} <= set(norm[name]), name
        assert norm[name]["type"] == sample_norm[name]["type"] or name.startswith("ref"), name
        assert _kind(norm[name]["value"]) == _kind(sample_norm[name]["value"]), name


def test_sensorthings(client, real):
    sample_ds = json.loads((real / "sensorthings" / "bgs_frost_v1.1_datastreams_expanded_foi_sample.json").read_text())
    sample_obs = json.loads((real / "sensorthings" / "bgs_frost_v1.1_observations_sample.json").read_text())
    ds = client.get("/sta/v1.1/Datastreams", params={"$top": 1}).json()["value"][0]
    assert not _same_types(ds, sample_ds[0])
    assert set(ds["unitOfMeasurement"]) == set(sample_ds[0]["unitOfMeasurement"])
    obs = client.get("/sta/v1.1/Observations", params={"$top": 1}).json()["value"][0]
    assert not _same_types(obs, sample_obs[0])
    assert {"@iot.id", "phenomenonTime", "resultTime", "result", "resultQuality", "@iot.selfLink"} <= set(obs)
