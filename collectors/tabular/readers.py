"""Turn a file or response body (CSV, XLSX, JSON, GeoJSON) into the rows a tabular mapping reads."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from typing import Any

from jsonpath_ng.ext import parse as parse_jsonpath
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from collectors.tabular.files import UnreadableFile, decode
from collectors.tabular.mapping import Row, TabularOptions

#: File extensions and Content-Type fragments -> format.
EXTENSIONS = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx", ".json": "json", ".geojson": "geojson"}
CONTENT_TYPES = {"csv": "csv", "spreadsheetml": "xlsx", "geo+json": "geojson", "json": "json"}

#: Characters trimmed from header names besides whitespace (BOM, ideographic space).
HEADER_JUNK = "\ufeff\u3000"


def header_name(value: Any) -> str:
    """A header cell as a column name: stray spaces, BOM and ideographic spaces removed."""
    return "" if value is None else str(value).strip().strip(HEADER_JUNK).strip()


def _table(header: list[Any], body, options: TabularOptions, required: list[str]) -> list[Row]:
    names = [header_name(h) for h in header]
    missing = [c for c in required if c not in names]
    if missing:
        raise UnreadableFile(f"header row lacks {', '.join(missing)} (found: {', '.join(names)[:300]})")
    rows = []
    for cells in body:
        if not any(c is not None and str(c).strip() for c in cells):
            continue
        columns = {name: cell for name, cell in zip(names, cells, strict=False) if name}
        rows.append(Row(columns, columns, columns))
    return rows


def read_csv(content: bytes, options: TabularOptions, required: list[str]) -> list[Row]:
    encoding = None if options.encoding == "auto" else options.encoding
    try:
        body = decode(content) if encoding is None else content.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise UnreadableFile(f"not decodable as {options.encoding}: {exc}") from None
    try:
        reader = csv.reader(io.StringIO(body, newline=""), delimiter=options.delimiter)
        for _ in range(options.header_row - 1):
            next(reader, None)
        header = next(reader, None)
        if header is None:
            raise UnreadableFile("empty file: no header row")
        return _table(header, reader, options, required)
    except csv.Error as exc:
        raise UnreadableFile(f"not a CSV file: {exc}") from None


def read_xlsx(content: bytes, options: TabularOptions, required: list[str]) -> list[Row]:
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise UnreadableFile(f"not an XLSX workbook: {exc}") from None
    try:
        if isinstance(options.sheet, int):
            if options.sheet >= len(book.worksheets):
                raise UnreadableFile(f"has {len(book.worksheets)} sheet(s), no sheet #{options.sheet}")
            sheet = book.worksheets[options.sheet]
        elif options.sheet in book.sheetnames:
            sheet = book[options.sheet]
        else:
            raise UnreadableFile(f"has no sheet {options.sheet!r} (sheets: {', '.join(book.sheetnames)})")
        cells = sheet.iter_rows(values_only=True)
        for _ in range(options.header_row - 1):
            next(cells, None)
        header = next(cells, None)
        if header is None:
            raise UnreadableFile("empty sheet: no header row")
        return _table(list(header), cells, options, required)
    finally:
        book.close()


def _records(document: Any, path: str | None) -> list[Any]:
    if path is None:
        if isinstance(document, list):
            return document
        raise UnreadableFile("the document is not an array of records; set options.records (a JSONPath)")
    return [match.value for match in parse_jsonpath(path if path.startswith("$") else f"$.{path}").find(document)]


def _point(feature: dict) -> tuple[float, float] | None:
    geometry = feature.get("geometry") or {}
    coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
    if geometry.get("type") == "Point" and isinstance(coordinates, list) and len(coordinates) >= 2:
        return coordinates[0], coordinates[1]
    return None


def read_json(content: bytes, options: TabularOptions, geojson: bool) -> list[Row]:
    try:
        document = json.loads(decode(content) if options.encoding == "auto" else content.decode(options.encoding))
    except (ValueError, LookupError, RecursionError) as exc:  # RecursionError: nested too deeply
        raise UnreadableFile(f"not valid JSON: {exc}") from None
    if geojson:
        if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
            raise UnreadableFile("not a GeoJSON FeatureCollection")
        items = _records(document, options.records or "$.features[*]")
    else:
        items = _records(document, options.records)
    return [row_of(item, geojson) for item in items]


def row_of(item: Any, geojson: bool | None = None) -> Row:
    """The row of one record (a table row's cells, a JSON object or a GeoJSON feature: ``None`` tells a feature
    by its ``type``)."""
    if geojson is None:
        geojson = isinstance(item, dict) and item.get("type") == "Feature"
    if geojson and isinstance(item, dict):
        properties = item.get("properties") if isinstance(item.get("properties"), dict) else {}
        columns = {header_name(k): v for k, v in properties.items()}
        return Row(columns, item, item, _point(item))
    columns = {header_name(k): v for k, v in item.items()} if isinstance(item, dict) else {}
    return Row(columns, item, item)


def read_rows(content: bytes, fmt: str, options: TabularOptions, required: list[str]) -> list[Row]:
    """The rows of a body in ``fmt``; :class:`UnreadableFile` when the whole body cannot be read."""
    if fmt == "csv":
        return read_csv(content, options, required)
    if fmt == "xlsx":
        return read_xlsx(content, options, required)
    return read_json(content, options, geojson=fmt == "geojson")
