"""Reference data registered from what feeds publish about themselves, when the city's reference lacks it:
stations from SensorThings Things and Locations (or Datastreams with their Thing or FeatureOfInterest), and
complaint categories from an Open311 GeoReport v2 services list (JSON or XML; its groups become parents)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pandas as pd
import shapely.geometry


def _items(doc) -> list:
    if isinstance(doc, dict):
        doc = doc.get("value", [doc])
    if not isinstance(doc, list):
        raise ValueError("expected a SensorThings collection (a list, or an object with a value list)")
    return doc


def _location(item: dict):
    """The first GeoJSON location of a Thing (its Locations), else a FeatureOfInterest's, else observedArea."""
    thing = item.get("Thing") or item
    for location in thing.get("Locations") or []:
        if isinstance(location, dict) and isinstance(location.get("location"), dict):
            return shapely.geometry.shape(location["location"])
    feature = (item.get("FeatureOfInterest") or {}).get("feature")
    area = item.get("observedArea")
    return shapely.geometry.shape(feature or area) if (feature or area) else None


def sensorthings_stations(path: Path, station_property: str = "station_code") -> pd.DataFrame:
    """One station per Thing: its code as the SensorThings feed names it (``properties[station_property]``, else
    the Thing's name, else the FeatureOfInterest's name), its name and its location (WGS-84, as the standard says)."""
    rows = {}
    for item in _items(json.loads(Path(path).read_text(encoding="utf-8"))):
        thing = item.get("Thing") or (item if "Locations" in item or "Datastreams" in item else {})
        feature = item.get("FeatureOfInterest") or {}
        code = (thing.get("properties") or {}).get(station_property) or thing.get("name") or feature.get("name")
        if code is None:
            continue
        rows[str(code)] = {"code": str(code), "name_zh": str(thing.get("name") or feature.get("name") or code),
                           "geometry": _location(item)}
    return pd.DataFrame(list(rows.values()), columns=["code", "name_zh", "geometry"])


def _services(path: Path) -> list[dict]:
    body = Path(path).read_bytes()
    if body.lstrip().startswith(b"<"):
        root = ElementTree.fromstring(body)
        if root.tag != "services":
            raise ValueError(f"{path}: expected a <services> document, got <{root.tag}>")
        return [{child.tag: child.text for child in service} for service in root]
    services = json.loads(body)
    if not isinstance(services, list):
        raise ValueError(f"{path}: expected a list of services")
    return services


def open311_categories(path: Path) -> pd.DataFrame:
    """Categories of an Open311 services list: ``service_code`` and ``service_name``, the ``group`` as a parent
    category (registered too, its name as its code)."""
    rows, groups = [], {}
    for service in _services(path):
        if service.get("service_code") is None:
            continue
        group = (service.get("group") or "").strip() or None
        rows.append({"code": str(service["service_code"]).strip(), "name_zh": service.get("service_name"),
                     "name_en": service.get("service_name"), "parent": group})
        if group:
            groups[group] = {"code": group, "name_zh": group, "name_en": group, "parent": None}
    return pd.DataFrame([*groups.values(), *rows], columns=["code", "name_zh", "name_en", "parent"])
