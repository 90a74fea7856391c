"""The legacy 12345 district system: CSV exports with Chinese headers dropped into a folder."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import numpy as np

from simulator.dynamics.complaints import (
    CHANNELS,
    EVENTS,
    EXTENDED,
    REOPENED,
    REVISITED,
    SATISFACTION,
    SATISFACTION_ZH,
    closed_time,
    is_closed,
    latest_event,
)
from simulator.ledger import Ledger
from simulator.timefmt import DAY_S, LOCAL_OFFSET_S, day_start, local_day_number, slash_local
from simulator.world import World

HEADERS = [
    "工单编号",
    "受理时间",
    "诉求渠道",
    "诉求类型",
    "诉求内容",
    "所属区县",
    "所属街道",
    "承办单位",
    "工单状态",
    "办结时限",
    "办结时间",
    "满意度",
    "重办次数",
    "地址",
    "经度",
    "纬度",
]
CHANNEL_ZH = {"phone": "电话", "app": "APP", "wechat": "微信", "web": "网站"}
STATUS_ZH = {
    "received": "已受理",
    "dispatched": "已派单",
    "accepted": "已签收",
    "returned": "已退回",
    "extended": "已延期",
    "closed": "已办结",
    "revisited": "已回访",
    "reopened": "重办",
}


def export_name(boundary: int) -> str:
    """File name of the export written at ``boundary`` (local time in the name)."""
    stamp = slash_local(np.array([boundary]))[0].replace("/", "").replace(" ", "_").replace(":", "")
    return f"12345_export_{stamp}.csv"


class HotlineExporter:
    """Writes one export per period: the tickets changed in it, in their state at its end."""

    def __init__(self, world: World, ledger: Ledger, drop_dir: Path, minutes: int, encoding: str) -> None:
        self.world = world
        self.ledger = ledger
        self.drop_dir = drop_dir
        self.step = minutes * 60
        self.encoding = encoding
        city = world.city
        self.subdistricts = [s.properties for s in city.subdistricts]
        self.districts = {d.properties["code"]: d.properties["name_zh"] for d in city.districts}
        self.last: int | None = None

    def _boundary(self, moment: int) -> int:
        return (moment + LOCAL_OFFSET_S) // self.step * self.step - LOCAL_OFFSET_S

    def catch_up(self, now: int) -> list[Path]:
        """Write every export due by ``now``: first one file per past day, then one per period."""
        written = []
        if self.last is None:
            today = day_start(local_day_number(now))
            for day in range(self.world.first_day, local_day_number(now)):
                written.append(self.write(day_start(day), day_start(day) + DAY_S))
            self.last = today
        while self.last + self.step <= self._boundary(now):
            written.append(self.write(self.last, self.last + self.step))
            self.last += self.step
        return written

    def rows(self, begin: int, end: int) -> tuple[list[list[str]], np.ndarray, np.ndarray]:
        """CSV rows of the tickets with an event in [begin, end), as they stand at ``end``; with rows and versions."""
        table = self.world.tables["hotline"]
        events = table["events"]
        changed = np.flatnonzero(((events >= begin) & (events < end)).any(axis=1))
        latest = latest_event(events[changed], end - 1)
        out = []
        city = self.world.city
        for row, last in zip(changed.tolist(), latest.tolist(), strict=True):
            ev = events[row]
            kind = city.service_types[int(table["category"][row])]
            dept = city.departments[int(table["dept"][row][last])]
            sub = self.subdistricts[int(table["sub"][row])]
            deadline = (
                table["final_deadline"][row] if last >= EXTENDED and ev[EXTENDED] < end else table["deadline"][row]
            )
            closed_now = bool(is_closed(np.array(last)))
            received, due, closed = slash_local(np.array([ev[0], deadline, closed_time(ev, last) if closed_now else 0]))
            satisfaction = int(table["satisfaction"][row])
            out.append(
                [
                    str(table["id"][row]),
                    received,
                    CHANNEL_ZH[CHANNELS[int(table["channel"][row])]],
                    kind["name_zh"],
                    str(table["description"][row]),
                    self.districts[sub["parent_code"]],
                    sub["name_zh"],
                    dept["name_zh"],
                    STATUS_ZH[EVENTS[last]],
                    due,
                    closed if closed_now else "",
                    SATISFACTION_ZH[SATISFACTION[satisfaction]] if last >= REVISITED and satisfaction >= 0 else "",
                    str(int(last >= REOPENED)),
                    str(table["address"][row]),
                    f"{table['lon'][row]:.6f}",
                    f"{table['lat'][row]:.6f}",
                ]
            )
        return out, changed, latest

    def write(self, begin: int, end: int) -> Path:
        """Write the export of [begin, end) atomically (temporary file, then rename)."""
        self.drop_dir.mkdir(parents=True, exist_ok=True)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(HEADERS)
        rows, changed, latest = self.rows(begin, end)
        writer.writerows(rows)
        target = self.drop_dir / export_name(end)
        temporary = self.drop_dir / f".{target.name}.tmp"
        temporary.write_bytes(buffer.getvalue().encode(self.encoding))
        os.replace(temporary, target)
        self.ledger.mark("hotline:files", changed, latest, width=len(EVENTS), files=1)
        return target
