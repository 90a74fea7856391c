"""The 12345 hotline's work-order exports: CSV files with Chinese headers dropped in a folder.

Each file is read once: its cursor partition is the file name and its value the file's SHA-256. Once the
batch is stored the file moves to ``processed/``; a file that cannot be read at all moves to ``rejected/``
with a ``.reason.txt`` and its content goes to quarantine.
"""

from __future__ import annotations

import csv
import io
from datetime import tzinfo

from collectors.contract import Batch, Collector, Cursor, SourceRecord
from collectors.fields import FieldError, coordinates, map_items, rejected, reproject, required, text
from collectors.http import FatalFetchError
from collectors.tabular.files import UnreadableFile, decode, move_to, reject_file, sha256
from collectors.timeparse import parse_local, zone

#: Export header -> field read from it (the declarative mapping a generic tabular adapter generalises).
HEADERS = {
    "工单编号": "ref",
    "受理时间": "requested_at",
    "诉求渠道": "channel",
    "诉求类型": "category_name",
    "诉求内容": "description",
    "所属区县": "district",
    "所属街道": "subdistrict",
    "承办单位": "department",
    "工单状态": "status",
    "办结时限": "due_at",
    "办结时间": "closed_at",
    "满意度": "satisfaction",
    "地址": "address",
    "经度": "lon",
    "纬度": "lat",
}
REQUIRED_HEADERS = ("工单编号", "受理时间")
_STATUS = {
    "受理": "received",
    "派单": "dispatched",
    "签收": "accepted",
    "退回": "returned",
    "延期": "extended",
    "办结": "closed",
    "回访": "revisited",
}
#: 工单状态 as exports write it (with or without the perfective 已) -> lifecycle code.
STATUS = {**_STATUS, **{f"已{name}": code for name, code in _STATUS.items()}}
SATISFACTION = {"满意": "satisfied", "基本满意": "basically_satisfied", "不满意": "unsatisfied"}
TIME_FORMATS = ("%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d", "%Y-%m-%d")
#: Characters trimmed from header names besides whitespace.
HEADER_JUNK = "\ufeff\u3000"


def _time(row: dict, field: str, tz: tzinfo, required_: bool = False):
    value = text(row.get(field))
    if value is None:
        if required_:
            raise FieldError(field, "is missing")
        return None
    try:
        return parse_local(value, TIME_FORMATS, tz)
    except ValueError as exc:
        raise FieldError(field, str(exc)) from None


def _code(value: str | None) -> str | None:
    """An administrative division given as a code (digits); names are left for the locator."""
    return value if value is not None and value.isdigit() else None


def map_row(raw: dict[str, str], tz: tzinfo) -> list[SourceRecord]:
    """One export row (keyed by header name) as a complaint record."""
    row = {HEADERS[name]: value for name, value in raw.items() if name in HEADERS}
    ref = required(row.get("ref"), "ref")
    requested_at = _time(row, "requested_at", tz, required_=True)
    closed_at = _time(row, "closed_at", tz)
    department = text(row.get("department"))
    status, satisfaction = text(row.get("status")), text(row.get("satisfaction"))
    lon, lat = coordinates(row.get("lon"), row.get("lat"), "lon", "lat")
    events = [{"status": "received", "occurred_at": requested_at, "department_code": None, "note": None}]
    if closed_at is not None:
        events.append({"status": "closed", "occurred_at": closed_at, "department_code": department, "note": None})
    data = {
        "category_name": text(row.get("category_name")),
        "channel": text(row.get("channel")),
        "status": STATUS.get(status, status),
        "description": text(row.get("description")),
        "address": text(row.get("address")),
        "department_code": department,
        "district_code": _code(text(row.get("district"))),
        "subdistrict_code": _code(text(row.get("subdistrict"))),
        "lon": lon,
        "lat": lat,
        "requested_at": requested_at,
        "closed_at": closed_at,
        "due_at": _time(row, "due_at", tz),
        # The export has no "last changed" column: the latest event time stands in (the deadline is no event).
        "updated_at": max(t for t in (requested_at, closed_at) if t is not None),
        "satisfaction": SATISFACTION.get(satisfaction, satisfaction),
        "events": events,
    }
    return [SourceRecord(ref, data, raw)]


def _row_ref(row: dict[str, str]) -> str | None:
    return text(row.get("工单编号"))


def read_rows(content: bytes) -> list[dict[str, str]]:
    """The export's non-empty rows as dicts keyed by the (trimmed) header names."""
    try:
        reader = csv.reader(io.StringIO(decode(content), newline=""))
        header = next(reader, None)
        if header is None:
            raise UnreadableFile("empty file: no header row")
        names = [h.strip().strip(HEADER_JUNK).strip() for h in header]
        missing = [h for h in REQUIRED_HEADERS if h not in names]
        if missing:
            raise UnreadableFile(f"header row lacks {', '.join(missing)} (found: {', '.join(names)[:300]})")
        return [dict(zip(names, row, strict=False)) for row in reader if any(cell.strip() for cell in row)]
    except csv.Error as exc:
        raise UnreadableFile(f"not a CSV file: {exc}") from None


class HotlineExportCollector(Collector):
    """Reads ``feed.folder`` (files matching ``options.pattern``, default ``*.csv``) in name order."""

    def fetch(self, cursor: Cursor) -> Batch:
        feed = self.feed
        if feed.folder is None or not feed.folder.is_dir():
            raise FatalFetchError(f"feed {feed.name}: drop folder {feed.folder} does not exist")
        tz = zone(feed.timezone)
        batch = Batch()
        for path in sorted(feed.folder.glob(feed.options.get("pattern", "*.csv"))):
            if not path.is_file():
                continue
            content = path.read_bytes()
            checksum = sha256(content)
            batch.cursor[path.name] = checksum
            if cursor.raw(path.name) == checksum:  # stored before; only the move was left undone
                batch.after_commit.append(lambda p=path, c=checksum: move_to(p, feed.folder / "processed", c))
                continue
            try:
                rows = read_rows(content)
            except UnreadableFile as exc:
                reason = f"feed {feed.name}, file {path.name}: {exc}"
                kept = content.decode("utf-8", "backslashreplace").replace("\x00", "\\x00")  # text columns refuse NUL
                batch.rejected.append(rejected(feed, path.name, None, f"the whole file is unreadable: {exc}", kept))
                batch.after_commit.append(
                    lambda p=path, c=checksum, r=reason: reject_file(p, feed.folder / "rejected", c, r)
                )
                continue
            records, failures = map_items(feed, rows, lambda row: map_row(row, tz), _row_ref)
            reproject(records, feed.crs)
            for item in (*records, *failures):
                item.raw = {"file": path.name, "row": item.raw}
            batch.records.extend(records)
            batch.rejected.extend(failures)
            batch.after_commit.append(lambda p=path, c=checksum: move_to(p, feed.folder / "processed", c))
        return batch
