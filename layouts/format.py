"""Locale-aware formatting of numbers, times and durations for the UI."""

from __future__ import annotations

import math
from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd

from layouts.i18n import t


def number(value: float | None, lang: str, digits: int = 0) -> str:
    """A number for display: Chinese uses 万/亿 from 10,000 on; English uses thousands separators."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return t("kpi.no_value", lang)
    if lang == "zh" and abs(value) >= 10_000:
        unit, scale = ("亿", 1e8) if abs(value) >= 1e8 else ("万", 1e4)
        return f"{value / scale:,.1f}".rstrip("0").rstrip(".") + unit
    return f"{value:,.{digits}f}"


def local_time(value: datetime | None, timezone: str, with_date: bool = True) -> str:
    """An aware time shown in the city's zone (``MM-DD HH:MM`` or ``HH:MM``); empty for None."""
    if value is None or pd.isna(value):
        return ""
    local = value.astimezone(ZoneInfo(timezone))
    return local.strftime("%m-%d %H:%M" if with_date else "%H:%M")


def duration(seconds: float | None, lang: str) -> str:
    """A short duration: seconds, minutes, hours or days."""
    if seconds is None or math.isnan(seconds):
        return t("kpi.no_value", lang)
    for limit, key, scale in ((90, "seconds", 1), (5400, "minutes", 60), (172_800, "hours", 3600)):
        if seconds < limit:
            return t(f"duration.{key}", lang, value=number(seconds / scale, lang))
    return t("duration.days", lang, value=number(seconds / 86400, lang))


def text_or_empty(value) -> str:
    """A value as text; missing values (None, NaN) as the empty string."""
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def named(row, field: str, lang: str) -> str:
    """A reference entity's name in ``lang`` (``<field>_zh`` / ``<field>_en`` of the mapping ``row``), else the
    value the row gives (a name or code no reference entity has)."""
    return text_or_empty(row.get(f"{field}_{'en' if lang == 'en' else 'zh'}")) or text_or_empty(row.get(field))
