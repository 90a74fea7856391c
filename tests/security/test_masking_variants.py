"""Masking against the ways people really write phone numbers, ID numbers and names in hotline texts.

Each expected value is written by hand: a mobile keeps its first three and last four digits (GB/T 35273 style
de-identification used by the 12345 hotlines), a landline its area code and last four, an ID number its six-digit
region code and last four, a name its first character; separators and full-width digits do not matter.
"""

from __future__ import annotations

import json

import pytest

from dashboard.privacy import mask_text
from tests.security.conftest import make_city, signed_in

VARIANTS = [
    # mobiles
    ("电话13812345678", "电话138****5678"),
    ("电话 138 1234 5678", "电话 138****5678"),
    ("电话138-1234-5678", "电话138****5678"),
    ("电话138.1234.5678", "电话138****5678"),
    ("电话１３８１２３４５６７８", "电话138****5678"),
    ("电话１３８－１２３４－５６７８", "电话138****5678"),
    ("电话138\u30001234\u30005678", "电话138****5678"),
    ("电话+86 138 1234 5678", "电话+86 138****5678"),
    ("电话+8613812345678", "电话+86138****5678"),
    ("电话(+86)13812345678", "电话(+86)138****5678"),
    ("手机：13812345678。", "手机：138****5678。"),
    ("tel:13812345678", "tel:138****5678"),
    # landlines
    ("座机0571-87654321", "座机0571-****4321"),
    ("座机(0571)87654321", "座机0571-****4321"),
    ("座机（0571）87654321", "座机0571-****4321"),
    ("座机0571 8765 4321", "座机0571-****4321"),
    ("座机0571-8765-4321", "座机0571-****4321"),
    ("座机(010) 1234 5678", "座机010-****5678"),
    ("座机０５７１－８７６５４３２１", "座机0571-****4321"),
    ("电话：87654321", "电话：****4321"),
    ("联系电话 8765-4321", "联系电话 ****4321"),
    # ID-card numbers
    ("身份证11010119900307881X", "身份证110101********881X"),
    ("身份证11010119900307881x", "身份证110101********881x"),
    ("身份证110101 19900307 881X", "身份证110101********881X"),
    ("身份证110101-19900307-881X", "身份证110101********881X"),
    ("身份证110101 1990 0307 881X", "身份证110101********881X"),
    ("身份证１１０１０１１９９００３０７８８１Ｘ", "身份证110101********881X"),
    ("证号110101900307881", "证号110101******881"),
    # names
    ("我叫王小明，住幸福路", "我叫王**，住幸福路"),
    ("我是李四，楼上漏水", "我是李*，楼上漏水"),
    ("本人张三反映噪音", "本人张*反映噪音"),
    ("我姓赵，电话打不通", "我姓赵，电话打不通"),
    ("姓名：王小明", "姓名：王**"),
    ("联系人 王小明", "联系人 王**"),
    ("投诉人:王小明", "投诉人:王**"),
    ("王小明先生反映", "王**先生反映"),
    ("欧阳女士来电", "欧*女士来电"),
    ("Name: Zhang San", "Name: Z********"),
]

#: Texts with numbers and words that are not personal data: left alone.
UNTOUCHED = [
    "订单号 2026112100001",
    "2026-11-21 08:30 起停水",
    "金额 1234.56 元",
    "我是业主，楼道灯坏了3天",
    "我是第3次反映",
    "G60 高速 K123+456",
    "编号 A-1234-5678",
]


@pytest.mark.parametrize(("text", "expected"), VARIANTS)
def test_variants_are_masked(text, expected):
    assert mask_text(text) == expected


@pytest.mark.parametrize("text", UNTOUCHED)
def test_other_numbers_stay(text):
    assert mask_text(text) == text


def test_leader_api_and_export_show_no_variant(tmp_path):
    from datetime import UTC, datetime

    from sqlalchemy import insert

    from dashboard.db.models import Complaint

    city = make_city(tmp_path)
    now = datetime.now(UTC)
    with city.engine.begin() as conn:
        conn.execute(
            insert(Complaint),
            [
                {"source": "var", "source_id": f"V{i}", "status": "received", "description": text, "address": "幸福路",
                 "category": "noise", "district_code": None, "requested_at": now, "updated_at": now,
                 "ingested_at": now, "returned_count": 0, "extended_count": 0}
                for i, (text, _) in enumerate(VARIANTS)
            ],
        )
    client = signed_in(city, "lea")
    shown = json.dumps(client.get("/api/v1/complaints?limit=500").json, ensure_ascii=False)
    shown += client.get("/api/v1/complaints.csv?limit=500").get_data(as_text=True)
    for raw in ("13812345678", "87654321", "19900307", "小明", "１３８"):
        assert raw not in shown, raw
