"""Masked personal data: roles × surfaces (page component, CSV export, API), and never in logs."""

from __future__ import annotations

import io
import json
import logging

import pytest
from flask import g

from dashboard.auth.store import Principal
from dashboard.logs import configure_logging
from dashboard.privacy import mask_address, mask_record, mask_text, mask_value
from layouts.components.frame import page_request
from layouts.components.ticket_text import ticket_text
from tests.security.conftest import ADDRESS, ID_CARD, PERSONAL, PHONE, make_city, signed_in

MASKED_PHONE, MASKED_ID = "138****5678", "110101********881X"
UNMASKED = {"analyst", "admin"}


def _client(city, role: str):
    if role == "public":
        return city.client()
    if role == "wall":
        client = city.client()
        client.get(f"/wall?token={city.wall_token}")
        return client
    return signed_in(city, {"leader": "lea", "analyst": "ana", "admin": "adm"}[role])


def _assert_shown(text: str, role: str) -> None:
    if role in UNMASKED:
        assert PHONE in text and ID_CARD in text and ADDRESS in text
    else:
        # The room number with its unit: a bare "502" also turns up in timestamps' microseconds.
        assert PHONE not in text and ID_CARD not in text and "张三" not in text and "502室" not in text
        assert MASKED_PHONE in text and MASKED_ID in text


@pytest.fixture(scope="module")
def cities(tmp_path_factory):
    return {
        "private": make_city(tmp_path_factory.mktemp("private")),
        "public": make_city(
            tmp_path_factory.mktemp("public"), public_paths=["/api/v1/complaints", "/api/v1/complaints.csv", "/wall"]
        ),
    }


@pytest.mark.parametrize("role", ["public", "wall", "leader", "analyst", "admin"])
def test_api_and_export(cities, role):
    city = cities["private"]
    client = _client(city, role)
    api, export = client.get("/api/v1/complaints?limit=50"), client.get("/api/v1/complaints.csv?limit=50")
    if role in ("public", "wall"):
        assert api.status_code == export.status_code == (401 if role == "public" else 403)
        return
    assert api.status_code == export.status_code == 200
    record = next(r for r in api.json["complaints"] if r["source_id"] == "S0")
    assert api.json["masked"] is (role not in UNMASKED)
    _assert_shown(record["description"] + record["address"], role)
    _assert_shown(export.get_data(as_text=True), role)


def test_public_api_path_is_masked(cities):
    client = cities["public"].client()
    api, export = client.get("/api/v1/complaints"), client.get("/api/v1/complaints.csv")
    assert api.status_code == export.status_code == 200
    record = next(r for r in api.json["complaints"] if r["source_id"] == "S0")
    _assert_shown(record["description"] + record["address"], "public")
    _assert_shown(export.get_data(as_text=True), "public")


@pytest.mark.parametrize("role", ["public", "wall", "leader", "analyst", "admin"])
def test_page_component(cities, role):
    """``ticket_text`` is the one way complaint text reaches a page; it masks by the viewer's role."""
    with cities["private"].app.server.test_request_context("/complaints"):
        g.cityops_principal = Principal(role, role, "user")
        context = page_request(None, None)
        shown = "".join(ticket_text(text, kind, context=context).children
                        for text, kind in ((PERSONAL, "description"), (ADDRESS, "address")))
    _assert_shown(shown, role)


def test_outside_a_request_text_is_masked():
    assert PHONE not in ticket_text(PERSONAL).children


def test_personal_data_never_reaches_the_logs():
    configure_logging("INFO", "json")
    buffer = io.StringIO()
    logging.getLogger().handlers[0].setStream(buffer)
    logging.getLogger("dashboard.test").warning("quarantined: %s", PERSONAL)
    line = buffer.getvalue()
    assert MASKED_PHONE in line and PHONE not in line and ID_CARD not in line
    assert json.loads(line)["level"] == "WARNING"


def test_masking_patterns():
    assert mask_text("电话 138 1234 5678") == "电话 138****5678"
    assert mask_text("+86-13912345678") == "+86-139****5678"
    assert mask_text("座机 0871-65123456") == "座机 0871-****3456"
    assert mask_text("证号 110101900307881") == "证号 110101******881"
    assert mask_text("王小明先生反映") == "王**先生反映"
    assert mask_text("订单号 2026112100001") == "订单号 2026112100001"


def test_every_number_and_address_in_a_text_is_masked():
    assert mask_text("甲13812345678，乙13987654321") == "甲138****5678，乙139****4321"
    emails = "邮箱 zhangsan@example.com 或 li.si@mail.example.cn"
    assert mask_text(emails) == "邮箱 z***@example.com 或 l***@mail.example.cn"


def test_an_address_keeps_its_street_and_loses_house_building_and_room_numbers():
    assert mask_address("幸福路12号3栋502室") == "幸福路**号*栋***室"
    assert mask_address("") == "" and mask_address(None) is None


def test_each_field_is_masked_as_what_it_holds():
    assert mask_value("address", "幸福路12号 电话13812345678") == "幸福路**号 电话138****5678"
    assert mask_value("description", "幸福路12号 电话13812345678") == "幸福路12号 电话138****5678"
    assert mask_value("category", "电话13812345678") == "电话13812345678"  # not free text
    assert mask_value("description", 13812345678) == 13812345678


def test_a_record_is_masked_field_by_field_unless_the_role_may_see_it():
    record = {"id": 7, "category": "噪音", "description": "王小明先生 电话13812345678", "address": "幸福路12号"}
    assert mask_record(record, unmasked=True) is record
    assert mask_record(record, unmasked=False) == {
        "id": 7, "category": "噪音", "description": "王**先生 电话138****5678", "address": "幸福路**号",
    }
