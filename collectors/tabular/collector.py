"""The generic tabular/JSON adapter: a drop folder or an HTTP URL, read through a declarative mapping.

Drop folder: each file is read once; its cursor partition is the file name and its value the file's SHA-256.
Once the batch is stored the file moves to ``processed/``; a file that cannot be read at all moves to
``rejected/`` with a ``.reason.txt`` and its content goes to quarantine.

HTTP: one GET (or pages, with ``page_param``) per run; ``cursor_param`` sends the start of the window.
"""

from __future__ import annotations

from datetime import tzinfo
from pathlib import Path
from typing import Any, ClassVar

from pydantic import ValidationError

from collectors.config import FeedConfig
from collectors.contract import WHOLE_FEED, Batch, Collector, Cursor
from collectors.fields import map_items, rejected, reproject
from collectors.http import FatalFetchError
from collectors.tabular.files import UnreadableFile, move_to, reject_file, sha256
from collectors.tabular.mapping import Mapping, TabularOptions
from collectors.tabular.readers import CONTENT_TYPES, EXTENSIONS, read_rows, row_of
from collectors.timeparse import utc_z, whole_second, zone
from collectors.unread import ReadPaths
from dashboard.geo.crs import normalize_crs, to_wgs84


def options_errors(exc: ValidationError) -> str:
    return "; ".join(f"options.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())


class TabularCollector(Collector):
    """Reads ``feed.folder`` or ``feed.url`` through the mapping in ``feed.options``."""

    #: Options a built-in mapping supplies (a feed's own options override them).
    preset: ClassVar[dict[str, Any]] = {}

    @classmethod
    def mapping(cls, feed: FeedConfig) -> Mapping:
        """The feed's validated mapping; ValueError naming the option when it is wrong."""
        try:
            options = TabularOptions.model_validate({**cls.preset, **feed.options})
        except ValidationError as exc:
            raise ValueError(options_errors(exc)) from None
        return Mapping(options, feed.domain)

    @classmethod
    def check_options(cls, feed: FeedConfig) -> None:
        """Validate the mapping when the feeds file is loaded."""
        cls.mapping(feed)

    def fetch(self, cursor: Cursor) -> Batch:
        feed = self.feed
        try:
            mapping = self.mapping(feed)
        except ValueError as exc:
            raise FatalFetchError(f"feed {feed.name}: {exc}") from None
        if feed.folder is not None:
            return self._folder(mapping, cursor)
        if feed.url is not None:
            return self._http(mapping, cursor)
        raise FatalFetchError(f"feed {feed.name}: give a folder or a url")

    def _map(self, mapping: Mapping, rows: list, tz: tzinfo, batch: Batch, origin: dict[str, str] | None) -> None:
        kept = mapping.kept(rows, lambda lons, lats: _to_wgs84(lons, lats, self.feed.crs))
        batch.filtered += len(rows) - len(kept)
        read = ReadPaths(mapping.read_paths())
        for row in kept:
            unread = read.unread(row.columns)
            if unread:
                batch.unread.update(unread)
        records, failures = map_items(self.feed, kept, lambda row: mapping.records(row, tz), mapping.ref)
        reproject(records, self.feed.crs)
        for item in (*records, *failures):
            raw = item.raw.raw if hasattr(item.raw, "raw") else item.raw
            item.raw = {**origin, "row": raw} if origin else raw
        batch.records.extend(records)
        batch.rejected.extend(failures)

    def remap(self, payloads: list) -> Batch:
        """Map quarantined payloads (rows as received, with the file they came from) again with the current
        mapping; each keeps its file in what it is quarantined with."""
        mapping = self.mapping(self.feed)
        tz, batch = zone(self.feed.timezone), Batch()
        for payload in payloads:
            from_file = isinstance(payload, dict) and set(payload) == {"file", "row"}
            origin = {"file": payload["file"]} if from_file else None
            self._map(mapping, [row_of(payload["row"] if origin else payload)], tz, batch, origin)
        return batch

    # --- drop folder ------------------------------------------------------------------------------------

    def _folder(self, mapping: Mapping, cursor: Cursor) -> Batch:
        feed = self.feed
        folder = feed.folder
        if not folder.is_dir():
            raise FatalFetchError(f"feed {feed.name}: drop folder {folder} does not exist")
        tz = zone(feed.timezone)
        batch, read = Batch(), 0
        for path in sorted(folder.glob(mapping.options.pattern)):
            if not path.is_file() or path.name.endswith(".reason.txt"):
                continue
            if read >= feed.max_records_per_run:
                break  # the rest waits for the next run
            content = path.read_bytes()
            checksum = sha256(content)
            batch.cursor[path.name] = checksum
            if cursor.raw(path.name) == checksum:  # stored before (dropped again, or only the move was left undone)
                batch.notes.append(
                    f"file {path.name} was already processed (same name and SHA-256): not read again; "
                    f"`python -m dashboard feeds reprocess {feed.name} {path.name}` reads it again"
                )
                batch.after_commit.append(lambda p=path, c=checksum: move_to(p, folder / "processed", c))
                continue
            try:
                rows = self._file_rows(path, content, mapping)
            except UnreadableFile as exc:
                reason = f"feed {feed.name}, file {path.name}: {exc}"
                batch.rejected.append(rejected(feed, path.name, None, f"the whole file is unreadable: {exc}", content))
                batch.after_commit.append(
                    lambda p=path, c=checksum, r=reason: reject_file(p, folder / "rejected", c, r)
                )
                continue
            read += len(rows)
            self._map(mapping, rows, tz, batch, {"file": path.name})
            batch.after_commit.append(lambda p=path, c=checksum: move_to(p, folder / "processed", c))
        return batch

    def _file_rows(self, path: Path, content: bytes, mapping: Mapping) -> list:
        feed = self.feed
        if len(content) > feed.max_response_bytes:
            raise UnreadableFile(f"{len(content)} bytes, more than max_response_bytes ({feed.max_response_bytes})")
        fmt = mapping.options.format or EXTENSIONS.get(path.suffix.lower())
        if fmt is None:
            raise UnreadableFile(f"unknown format of {path.suffix or 'a file without extension'}; set options.format")
        rows = read_rows(content, fmt, mapping.options, mapping.required_columns())
        if len(rows) > feed.max_records_per_run:
            raise UnreadableFile(f"{len(rows)} records, more than max_records_per_run ({feed.max_records_per_run})")
        return rows

    # --- HTTP -------------------------------------------------------------------------------------------

    def _http(self, mapping: Mapping, cursor: Cursor) -> Batch:
        feed, options = self.feed, mapping.options
        tz = zone(feed.timezone)
        params: dict[str, Any] = dict(options.params)
        if options.cursor_param:
            since = whole_second(cursor.since())
            params[options.cursor_param] = (
                utc_z(since) if options.cursor_format == "iso" else since.astimezone(tz).strftime(options.cursor_format)
            )
        if options.page_size_param:
            params[options.page_size_param] = feed.page_size
        batch, read, page = Batch(), 0, 1
        while True:
            if options.page_param:
                params[options.page_param] = page
            response = self.http.get(feed.url, params)
            fmt = options.format or _format_of(response.headers.get("Content-Type", ""), feed.url)
            try:
                rows = read_rows(response.content, fmt, options, mapping.required_columns())
            except UnreadableFile as exc:
                raise FatalFetchError(f"feed {feed.name}: response from {response.url}: {exc}") from None
            self._map(mapping, rows[: feed.max_records_per_run - read], tz, batch, None)
            read += len(rows)
            if not options.page_param or len(rows) < feed.page_size or not rows:
                batch.cursor[WHOLE_FEED] = cursor.run_started_at
                return batch
            if read >= feed.max_records_per_run:
                newest = max((_record_time(r) for r in batch.records if _record_time(r)), default=None)
                if newest is not None:
                    batch.cursor[WHOLE_FEED] = newest  # re-read from here: the start bound is inclusive
                return batch
            page += 1


def _to_wgs84(lons: list, lats: list, crs: str) -> tuple[list, list]:
    """Points (None where unknown) converted from ``crs`` to WGS-84."""
    known = [i for i, (x, y) in enumerate(zip(lons, lats, strict=True)) if x is not None and y is not None]
    if not known or normalize_crs(crs) == "WGS84":
        return lons, lats
    xs, ys = to_wgs84([lons[i] for i in known], [lats[i] for i in known], crs)
    lons, lats = list(lons), list(lats)
    for i, x, y in zip(known, xs.tolist(), ys.tolist(), strict=True):
        lons[i], lats[i] = x, y
    return lons, lats


def _record_time(record):
    return record.data.get("updated_at") or record.data.get("observed_at")


def _format_of(content_type: str, url: str) -> str:
    for fragment, fmt in CONTENT_TYPES.items():
        if fragment in content_type:
            return fmt
    for extension, fmt in EXTENSIONS.items():
        if url.split("?")[0].lower().endswith(extension):
            return fmt
    return "json"
