"""The KPI registry: declarations, RAG status, CityScore per KPI, and a city's TOML overrides."""

import pytest

from dashboard.kpis.definitions import DEFAULT_KPIS, HEADLINE_KPIS
from dashboard.kpis.registry import KpiConfigError, load_registry


def test_every_kpi_is_fully_declared():
    assert len({k.id for k in DEFAULT_KPIS}) == len(DEFAULT_KPIS)
    for kpi in DEFAULT_KPIS:
        assert kpi.name_zh and kpi.name_en and kpi.description_zh and kpi.description_en and kpi.formula
        assert kpi.denominator_zh and kpi.denominator_en and kpi.feeds and kpi.scope
        assert (kpi.target is None) == (kpi.thresholds is None)
        assert not (kpi.scored and kpi.target is None)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_two_kpis_share_a_label(lang):
    """A label names one measure: two KPIs called alike (a ticket's and a hall's handling time) read as one."""
    labels: dict[str, list[str]] = {}
    for kpi in (*DEFAULT_KPIS, *HEADLINE_KPIS):
        labels.setdefault(getattr(kpi, f"name_{lang}").strip().casefold(), []).append(kpi.id)
    shared = {label: ids for label, ids in labels.items() if len(ids) > 1}
    assert not shared, f"KPIs sharing a {lang} label: {shared}"


def test_rag_and_score_both_directions():
    registry = load_registry()
    on_time = registry["complaint_on_time_rate"]  # higher is better, target 0.95, red below 0.85
    assert [on_time.rag(v) for v in (0.95, 0.9, 0.8, None)] == ["green", "amber", "red", None]
    assert on_time.score(0.475) == pytest.approx(0.5)
    assert on_time.score(1.0) == pytest.approx(1.0 / 0.95)
    wait = registry["hall_wait_minutes"]  # lower is better, target 15, red above 30
    assert [wait.rag(v) for v in (15, 20, 31)] == ["green", "amber", "red"]
    assert wait.score(30) == pytest.approx(0.5)
    assert wait.score(6) == 1.25  # 15/6 = 2.5, capped
    assert wait.score(0) == 1.25  # no wait at all: the cap, not a division by zero
    assert registry["complaints_received"].score(10) is None  # no target: shown, not scored


def test_toml_overrides_targets_thresholds_and_weights(tmp_path):
    path = tmp_path / "targets.toml"
    path.write_text(
        "[kpis.complaint_on_time_rate]\ntarget = 0.98\nthresholds = [0.98, 0.9]\n"
        "[kpis.traffic_tti]\nscored = true\n[ranking.weights]\nsatisfaction = 0.6\n",
        encoding="utf-8",
    )
    registry = load_registry(path)
    assert registry["complaint_on_time_rate"].target == 0.98
    assert registry["complaint_on_time_rate"].rag(0.95) == "amber"
    assert registry["traffic_tti"].scored
    assert registry.ranking_weights == {"on_time_rate": 0.5, "satisfaction": 0.6, "return_rate": 0.2}
    assert load_registry()["complaint_on_time_rate"].target == 0.95  # defaults untouched


@pytest.mark.parametrize(
    "text",
    [
        "[kpis.nope]\ntarget = 1\n",
        "[kpis.air_aqi]\ncolour = 1\n",
        "[kpis.air_aqi]\nthresholds = [1]\n",
        "[ranking.weights]\nspeed = 1\n",
    ],
)
def test_bad_overrides_are_named(tmp_path, text):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(KpiConfigError):
        load_registry(path)
