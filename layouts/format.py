"""Locale-aware formatting of numbers, times and durations for the UI, through Babel (CLDR data).

Chinese is CLDR's ``zh_Hans_CN``; English is ``en_001`` (international English: ``12.3K``, ``2 Dec 2026``).
"""

from __future__ import annotations

import math
import unicodedata
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import pandas as pd
from babel import Locale
from babel.dates import format_interval, format_skeleton
from babel.numbers import NumberPattern, format_compact_decimal, parse_pattern
from babel.units import format_unit

from dashboard import clock
from dashboard.kpis.timespan import Span
from layouts.i18n import language, t

#: The CLDR locale of each UI language.
LOCALES = {"zh": "zh_Hans_CN", "en": "en_001"}
#: From this magnitude on, numbers are compact (万/亿, K/M).
COMPACT_FROM = 10_000
#: Duration units: (shown below this many seconds, CLDR unit, seconds per unit); days beyond the last.
DURATION_UNITS = (
    (90, "duration-second", 1),
    (5400, "duration-minute", 60),
    (172_800, "duration-hour", 3600),
)


def _locale(lang: str) -> str:
    return LOCALES[language(lang)]


@lru_cache(maxsize=8)
def _babel_locale(lang: str) -> Locale:
    """The parsed CLDR locale of ``lang`` (parsing it per number cost more than the formatting)."""
    return Locale.parse(_locale(lang))


@lru_cache(maxsize=8)
def _grouped(digits: int) -> NumberPattern:
    """The parsed pattern of a grouped number with ``digits`` decimals (what ``format_decimal`` parses per call)."""
    return parse_pattern("#,##0." + "0" * digits if digits else "#,##0")


def number(value: float | None, lang: str, digits: int = 0) -> str:
    """A number for display: compact from 10,000 on (``1.2万``, ``2.3亿``; ``12.3K``, ``230M``, one decimal at
    most), else grouped with ``digits`` decimals."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return t("kpi.no_value", lang)
    if abs(value) >= COMPACT_FROM:
        return format_compact_decimal(value, locale=_babel_locale(lang), fraction_digits=1)
    return _grouped(digits).apply(value, _babel_locale(lang))


def local_time(value: datetime | None, timezone: str, with_date: bool = True, lang: str | None = None) -> str:
    """An aware time shown in the city's zone; empty for None.

    Without ``lang``: ``MM-DD HH:MM`` (or ``HH:MM``). With ``lang``, the date is the locale's (``12月2日 14:05``,
    ``2 Dec, 14:05``) and carries the year when it is not the current one (``2025年3月7日``, ``7 Mar 2025``).
    """
    if value is None or pd.isna(value):
        return ""
    zone = ZoneInfo(timezone)
    local = value.astimezone(zone)
    if lang is None or not with_date:
        return local.strftime("%m-%d %H:%M" if with_date else "%H:%M")
    locale = _locale(lang)
    skeleton = "MMMd" if local.year == clock.now().astimezone(zone).year else "yMMMd"
    day = format_skeleton(skeleton, local, locale=locale)
    return Locale.parse(locale).datetime_formats["short"].format(local.strftime("%H:%M"), day)


def duration(seconds: float | None, lang: str) -> str:
    """A short duration in whole seconds, minutes, hours or days (CLDR short units: ``45秒``, ``2 min``).

    The unit changes at 90 s, 90 min and 48 h. Babel's ``format_timedelta`` is not used: its one rounding
    threshold cannot keep hours up to 48 h and rounds 36 h to "2 days", a third more than the truth.
    """
    if seconds is None or math.isnan(seconds):
        return t("kpi.no_value", lang)
    unit, scale = next(((u, s) for limit, u, s in DURATION_UNITS if seconds < limit), ("duration-day", 86400))
    return format_unit(seconds / scale, unit, length="short", format="#,##0", locale=_locale(lang))


def columns(text: str) -> int:
    """How many columns ``text`` takes in a proportional font, roughly: a wide (CJK) character counts two."""
    return sum(2 if unicodedata.east_asian_width(character) in "WF" else 1 for character in text)


def text_or_empty(value) -> str:
    """A value as text; missing values (None, NaN) as the empty string."""
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def named(row, field: str, lang: str) -> str:
    """A reference entity's name in ``lang`` (``<field>_zh`` / ``<field>_en`` of the mapping ``row``), else the
    value the row gives (a name or code no reference entity has)."""
    return text_or_empty(row.get(f"{field}_{'en' if lang == 'en' else 'zh'}")) or text_or_empty(row.get(field))


def _this_year(timezone: str | None = None) -> int:
    now = clock.now()
    return (now.astimezone(ZoneInfo(timezone)) if timezone else now).year


def local_date(value: date, lang: str, timezone: str | None = None) -> str:
    """A local date in the locale's format, with the year when it is not the current one (``3月7日``,
    ``2025年3月7日``; ``7 Mar``, ``7 Mar 2025``)."""
    skeleton = "MMMd" if value.year == _this_year(timezone) else "yMMMd"
    return format_skeleton(skeleton, value, locale=_locale(lang))


def local_month(value: date, lang: str, timezone: str | None = None) -> str:
    """A month in the locale's format, with the year when it is not the current one (``3月``, ``2025年3月``;
    ``Mar``, ``Mar 2025``)."""
    skeleton = "MMM" if value.year == _this_year(timezone) else "yMMM"
    return format_skeleton(skeleton, value, locale=_locale(lang))


def date_range(first: date, last: date, lang: str, timezone: str | None = None) -> str:
    """Local dates ``first`` to ``last`` (both included), the year shown unless both are in the current one
    (``2025年3月1日 – 31日``, ``1–31 Mar 2025``)."""
    this_year = _this_year(timezone)
    skeleton = "MMMd" if first.year == last.year == this_year else "yMMMd"
    if first == last:
        return format_skeleton(skeleton, first, locale=_locale(lang))
    return format_interval(first, last, skeleton, locale=_locale(lang))


def span_text(span: Span, lang: str) -> str:
    """The dates (or hours) a span covers, with the year when it is not the current one; a running period
    says up to when."""
    zone = ZoneInfo(span.timezone)
    if span.hours:
        start, end = span.start.astimezone(zone), span.end.astimezone(zone)
        if start.date() == (end - timedelta(microseconds=1)).date():
            return f"{local_date(start.date(), lang, span.timezone)} {start:%H:%M}–{end:%H:%M}"
        return f"{local_time(span.start, span.timezone, lang=lang)} – {local_time(span.end, span.timezone, lang=lang)}"
    text = date_range(span.first_day, span.last_day, lang, span.timezone)
    if span.partial:
        text += " · " + t("time.until", lang, moment=local_time(span.end, span.timezone, lang=lang))
    return text
