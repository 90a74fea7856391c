"""The 12345 hotline's work-order exports (CSV with Chinese headers): a built-in mapping of the tabular adapter."""

from __future__ import annotations

from typing import Any, ClassVar

from collectors.tabular.collector import TabularCollector

_STATUS = {
    "受理": "received",
    "派单": "dispatched",
    "签收": "accepted",
    "退回": "returned",
    "延期": "extended",
    "办结": "closed",
    "回访": "revisited",
    "重办": "reopened",
}
#: 工单状态 as exports write it (with or without the perfective 已) -> lifecycle code.
STATUS = {**_STATUS, **{f"已{name}": code for name, code in _STATUS.items()}}
SATISFACTION = {"满意": "satisfied", "基本满意": "basically_satisfied", "不满意": "unsatisfied"}
TIME_FORMATS = ["%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d", "%Y-%m-%d"]
#: An administrative division given as a code; names are left for the district locator.
DIVISION_CODE = r"\d+"

#: The export's mapping, exactly as a feeds.toml ``options`` table would spell it.
HOTLINE_MAPPING: dict[str, Any] = {
    "format": "csv",
    "pattern": "*.csv",
    "key": ["工单编号"],
    "fields": {
        "requested_at": {"column": "受理时间", "format": TIME_FORMATS},
        "channel": "诉求渠道",
        "category_name": "诉求类型",
        "description": "诉求内容",
        "district_code": {"column": "所属区县", "match": DIVISION_CODE},
        "subdistrict_code": {"column": "所属街道", "match": DIVISION_CODE},
        "department_code": "承办单位",
        "status": {"column": "工单状态", "values": STATUS},
        "due_at": {"column": "办结时限", "format": TIME_FORMATS},
        "closed_at": {"column": "办结时间", "format": TIME_FORMATS},
        "satisfaction": {"column": "满意度", "values": SATISFACTION},
        "reopened_count": "重办次数",
        "address": "地址",
        "lon": "经度",
        "lat": "纬度",
    },
}


class HotlineExportCollector(TabularCollector):
    """``protocol = "hotline-csv"``: the tabular adapter with :data:`HOTLINE_MAPPING` (options may override it)."""

    preset: ClassVar[dict[str, Any]] = HOTLINE_MAPPING
