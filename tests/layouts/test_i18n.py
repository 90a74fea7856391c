"""Translations: every catalogue has every key in both languages, placeholders agree, and every key used in
code exists."""

import json
import re
import string
from pathlib import Path

import pytest

from dashboard import i18n
from dashboard.alerts.rules import RULES
from dashboard.kpis.definitions import DEFAULT_KPIS, HEADLINE_KPIS, TEXT_PARTS
from dashboard.kpis.registry import load_registry
from layouts.format import number
from layouts.i18n import TRANSLATIONS, t

ROOT = Path(__file__).resolve().parents[2]
LAYOUTS = ROOT / "layouts"


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_key_in_both_languages():
    zh, en = set(TRANSLATIONS["zh"]), set(TRANSLATIONS["en"])
    assert zh - en == set(), "missing in English"
    assert en - zh == set(), "missing in Chinese"


def test_placeholders_match():
    for key, text in TRANSLATIONS["zh"].items():
        assert _fields(text) == _fields(TRANSLATIONS["en"][key]), key


@pytest.mark.parametrize("area", i18n.AREAS)
def test_every_catalogue_has_both_languages_and_the_same_placeholders(area):
    zh, en = (i18n.load(area, lang) for lang in ("zh", "en"))
    assert sorted(zh) == sorted(en), area
    assert zh, area
    assert [k for k, text in zh.items() if _fields(text) != _fields(en[k])] == []


def test_catalogue_files_are_exactly_areas_times_languages():
    names = sorted(p.name for p in i18n.CATALOGUE_DIR.glob("*.json"))
    assert names == sorted(f"{area}.{lang}.json" for area in i18n.AREAS for lang in i18n.LANGUAGES)


def test_a_key_in_two_areas_is_an_error(tmp_path, monkeypatch):
    for area in i18n.AREAS:
        (tmp_path / f"{area}.zh.json").write_text(json.dumps({"same.key": area}), encoding="utf-8")
    monkeypatch.setattr(i18n, "CATALOGUE_DIR", tmp_path)
    with pytest.raises(ValueError, match=r"kpis\.zh\.json.*same\.key"):
        i18n._merged("zh")


def test_kpi_and_alert_texts_come_from_the_catalogues():
    kpis = {f"indicator.{k.id}.{part}" for k in (*DEFAULT_KPIS, *HEADLINE_KPIS) for part in TEXT_PARTS}
    assert set(i18n.load("kpis", "en")) == kpis
    assert set(i18n.load("alerts", "en")) == {f"alert_rule.{r.id}" for r in RULES}
    on_time = next(k for k in DEFAULT_KPIS if k.id == "complaint_on_time_rate")
    assert (on_time.name_zh, on_time.name_en, on_time.unit_en) == ("按期办结率", "On-time closure", "%")
    received = next(k for k in DEFAULT_KPIS if k.id == "complaints_received")
    assert (received.name_en, received.unit_zh, received.denominator_en) == (
        "Complaints received",
        "件",
        "since the period's local start",
    )
    feed_stale = next(r for r in RULES if r.id == "feed_stale")
    assert feed_stale.message_en.format(name="sensors", value=1) == "Feed sensors is stale"
    assert feed_stale.message("zh").format(name="sensors", value=1) == "数据源 sensors 数据过期"
    station = next(r for r in RULES if r.id == "station_aqi")
    assert station.message_en.format(name="A", value=160.4) == "A: AQI 160, moderately polluted or worse"


def test_literal_keys_used_in_code_exist():
    pattern = re.compile(r"""\bt\(\s*["']([a-z0-9_.]+)["']""")
    files = [*LAYOUTS.rglob("*.py"), *(ROOT / "dashboard").rglob("*.py")]
    used = {key for path in files for key in pattern.findall(path.read_text(encoding="utf-8"))}
    assert used, "no t() calls found"
    assert used - set(TRANSLATIONS["zh"]) == set()


def test_generated_keys_exist():
    from dashboard.kpis.aqi import LEVELS, POLLUTANTS
    from dashboard.kpis.traffic import TPI_LEVELS
    from layouts.figures.map_base import STATUS_COLOURS

    keys = [f"aqi.{lv.key}" for lv in LEVELS] + [f"tpi.{lv.key}" for lv in TPI_LEVELS]
    keys += [f"pollutant.{p}" for p in POLLUTANTS] + [f"status.{s}" for s in STATUS_COLOURS]
    keys += [f"kpi.{k.id}.{part}" for k in load_registry().headline for part in ("title", "unit", "detail")]
    for lang in ("zh", "en"):
        assert [k for k in keys if k not in TRANSLATIONS[lang]] == []


def test_numbers_per_locale():
    assert number(12_345, "zh") == "1.2万"
    assert number(10_000, "zh") == "1万"
    assert number(9_999, "zh") == "9,999"
    assert number(230_000_000, "zh") == "2.3亿"
    assert number(12_345, "en") == "12.3K"
    assert number(None, "en") == "—"
    assert number(4.25, "en", 1) == "4.2"
    assert t("fresh.as_of", "en", time="12:00") == "Data as of 12:00"
