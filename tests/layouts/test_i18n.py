"""Translations: both languages have every key, placeholders agree, and every key used in code exists."""

import re
import string
from pathlib import Path

from layouts.format import number
from layouts.i18n import TRANSLATIONS, t

LAYOUTS = Path(__file__).resolve().parents[2] / "layouts"


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_key_in_both_languages():
    zh, en = set(TRANSLATIONS["zh"]), set(TRANSLATIONS["en"])
    assert zh - en == set(), "missing in English"
    assert en - zh == set(), "missing in Chinese"


def test_placeholders_match():
    for key, text in TRANSLATIONS["zh"].items():
        assert _fields(text) == _fields(TRANSLATIONS["en"][key]), key


def test_literal_keys_used_in_code_exist():
    pattern = re.compile(r"""\bt\(\s*["']([a-z0-9_.]+)["']""")
    used = {key for path in LAYOUTS.rglob("*.py") for key in pattern.findall(path.read_text(encoding="utf-8"))}
    assert used, "no t() calls found"
    assert used - set(TRANSLATIONS["zh"]) == set()


def test_generated_keys_exist():
    from dashboard.kpis.aqi import LEVELS, POLLUTANTS
    from dashboard.kpis.traffic import TPI_LEVELS
    from layouts.figures.map_base import STATUS_COLOURS
    from layouts.viewmodels.overview import KPI_DOMAINS

    keys = [f"aqi.{lv.key}" for lv in LEVELS] + [f"tpi.{lv.key}" for lv in TPI_LEVELS]
    keys += [f"pollutant.{p}" for p in POLLUTANTS] + [f"status.{s}" for s in STATUS_COLOURS]
    keys += [f"kpi.{k}.{part}" for k in KPI_DOMAINS for part in ("title", "unit", "detail")]
    for lang in ("zh", "en"):
        assert [k for k in keys if k not in TRANSLATIONS[lang]] == []


def test_numbers_per_locale():
    assert number(12_345, "zh") == "1.2万"
    assert number(10_000, "zh") == "1万"
    assert number(9_999, "zh") == "9,999"
    assert number(230_000_000, "zh") == "2.3亿"
    assert number(12_345, "en") == "12,345"
    assert number(None, "en") == "—"
    assert number(4.25, "en", 1) == "4.2"
    assert t("fresh.as_of", "en", time="12:00") == "Data as of 12:00"
