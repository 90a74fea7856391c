"""The report's sentences: templates of the ``report`` catalogue filled with the report's numbers (no language
model); every number is formatted here, once, in the report's language."""

from __future__ import annotations

from dashboard.i18n import t
from dashboard.kpis.compare import change
from dashboard.kpis.traffic import tpi_level
from dashboard.report.model import SECTIONS, Report


def number(value: float | None, digits: int = 0) -> str:
    """``1,817`` / ``3.2``; a dash without a value."""
    if value is None or value != value:
        return "—"
    return f"{value:,.{digits}f}"


def percent(value: float | None, digits: int = 1) -> str:
    """A share (0–1) as ``92.5%``."""
    return "—" if value is None or value != value else f"{value * 100:.{digits}f}%"


def _signed(value: float, unit: str) -> str:
    """``value`` at one decimal with its sign (true minus; ``±`` when it shows as 0) and ``unit``."""
    shown = f"{abs(value):.1f}"
    sign = "±" if float(shown) == 0 else "+" if value > 0 else "−"
    return f"{sign}{shown}{unit}"


def signed(current: float | None, base: float | None, lang: str) -> str:
    """The relative change of ``current`` against ``base`` (:func:`dashboard.kpis.compare.change`) as ``+6.2%`` /
    ``−3.1%`` (true minus sign); a dash when there is nothing to compare or the base is 0."""
    percent = change(current, base).percent
    if percent is None:
        return t("report.change.none", lang)
    return _signed(percent, "%")


def points(current: float | None, base: float | None, lang: str) -> str:
    """The change of a share (0–1) in percentage points, as the dashboard shows a rate's change: ``+8.0 pt`` /
    ``+8.0 个百分点``; a dash when either side has no value."""
    absolute = change(current, base).absolute
    if absolute is None:
        return t("report.change.none", lang)
    return _signed(absolute * 100, t("score.pt", lang))


def kpi_change(current: float | None, base: float | None, percent_kpi: bool, lang: str) -> str:
    """A KPI's change as the dashboard states it: a rate's in percentage points, any other value's relative."""
    return points(current, base, lang) if percent_kpi else signed(current, base, lang)


def kpi_value(value: float | None, percent_kpi: bool, lang: str) -> str:
    """A KPI value: rates as percentages, other values with one decimal (counts without)."""
    if percent_kpi:
        return percent(value)
    if value is not None and float(value).is_integer():
        return number(value)
    return number(value, 1)


def name(row, lang: str) -> str:
    """A row's name in ``lang`` (its Chinese name or code when it has no other)."""
    return (row.name_zh if lang == "zh" else row.name_en) or row.code


def _joined(items: list[str], lang: str) -> str:
    return ("、" if lang == "zh" else ", ").join(items) if items else t("report.none", lang)


def score_sentence(report: Report, lang: str) -> str:
    if report.score is None:
        return t("report.sentence.score_none", lang)
    return t(
        "report.sentence.score",
        lang,
        score=number(report.score, 2),  # as the overview shows it
        previous_label=t(f"report.compare.previous.{report.period.kind}", lang),
        previous=signed(report.score, report.score_previous, lang),
        year=signed(report.score, report.score_year_before, lang),
    )


def movers_sentence(report: Report, names: dict[str, str], lang: str) -> str:
    return t(
        "report.sentence.movers",
        lang,
        best=_joined([names[r.id] for r in report.best], lang),
        worst=_joined([names[r.id] for r in report.worst], lang),
    )


def complaints_sentence(report: Report, lang: str) -> str:
    growth = ""
    if report.rising_categories and report.rising_districts:
        growth = t(
            "report.sentence.growth",
            lang,
            category=name(report.rising_categories[0], lang),
            district=name(report.rising_districts[0], lang),
        )
    return t(
        "report.sentence.complaints",
        lang,
        received=number(report.received),
        previous=signed(report.received, report.received_previous, lang),
        year=signed(report.received, report.received_year_before, lang),
        growth=growth,
        on_time=percent(report.kpi("complaint_on_time_rate").value),
        backlog=number(report.backlog),
        overdue=number(report.overdue),
    )


def peak_hour(report: Report) -> tuple[float, str, str] | None:
    """The hour of the highest network TPI: (TPI, its local hour — with its date in a weekly report —, level
    key); None without traffic data."""
    frame = report.tpi_by_hour.dropna(subset=["tpi"])
    if frame.empty:
        return None
    row = frame.sort_values(["tpi", "hour"], ascending=[False, True]).iloc[0]
    local = row["hour"].tz_convert(report.period.timezone)
    hour = f"{local:%m-%d} {local.hour}" if report.period.kind == "weekly" else str(local.hour)
    return float(row["tpi"]), hour, tpi_level(float(row["tpi"])).key


def traffic_sentence(report: Report, lang: str) -> str:
    peak = peak_hour(report)
    if peak is None:
        return t("report.sentence.traffic_none", lang)
    tpi, hour, level = peak
    segments = [f"{name(s, lang)} {number(s.value, 1)}" for s in report.congested_segments]
    return t(
        "report.sentence.traffic",
        lang,
        tpi=number(tpi, 1),
        hour=hour,
        level=t(f"report.tpi.{level}", lang),
        mean=number(report.kpi("traffic_tpi").value, 1),
        segments=_joined(segments, lang),
    )


def pollutant(code: str, lang: str) -> str:
    return t(f"report.pollutant.{code}", lang)


def environment_sentence(report: Report, lang: str) -> str:
    if report.aqi_by_hour.empty:
        return t("report.sentence.environment_none", lang)
    primary = ""
    if report.primary_pollutants:
        top = max(report.primary_pollutants.items(), key=lambda p: (p[1], p[0]))[0]
        primary = t("report.sentence.primary", lang, pollutant=pollutant(top, lang))
    return t(
        "report.sentence.environment",
        lang,
        aqi=number(report.kpi("air_aqi").value),
        over=number(report.kpi("air_exceedance_hours").value),
        episodes=len(report.episodes),
        primary=primary,
        noise=number(report.noise_exceedances),
        noise_hours=number(report.noise_hours),
    )


def halls_sentence(report: Report, lang: str) -> str:
    wait = report.kpi("hall_wait_minutes").value
    if wait is None:
        return t("report.sentence.halls_none", lang)
    return t(
        "report.sentence.halls",
        lang,
        wait=number(wait, 1),
        long=percent(report.kpi("hall_long_wait_share").value),
        one_visit=percent(report.kpi("hall_one_visit_rate").value),
    )


def alerts_sentence(report: Report, lang: str) -> str:
    return t("report.sentence.alerts", lang, **{k: number(v) for k, v in report.alerts.items()})


def health_sentences(report: Report, lang: str) -> list[str]:
    """What the reader must know about the data: which sections are incomplete, feeds down, failed runs,
    quarantined records, agreement with published figures."""
    lines = []
    if report.incomplete:
        sections = [t(f"report.part.{section}", lang) for section in report.incomplete]
        lines.append(t("report.sentence.health_incomplete", lang, sections=_joined(sections, lang)))
    elif report.feeds and not any(f.runs for f in report.feeds):
        lines.append(t("report.sentence.health_backfilled", lang))
    else:
        lines.append(t("report.sentence.health_ok", lang))
    if down := [f.name for f in report.feeds if f.down]:
        lines.append(t("report.sentence.health_down", lang, feeds=_joined(down, lang)))
    if failed := sum(f.failed for f in report.feeds):
        lines.append(t("report.sentence.failed_runs", lang, failed=number(failed)))
    if quarantined := sum(f.quarantined for f in report.feeds):
        lines.append(t("report.sentence.quarantine", lang, quarantined=number(quarantined)))
    agreement = report.published_agreement
    if not agreement.empty:
        checked, agree = int(agreement["compared"].sum()), int(agreement["agreeing"].sum())
        rate = percent(agree / checked if checked else None)
        lines.append(t("report.sentence.published", lang, agree=agree, checked=checked, rate=rate))
    return lines


def incomplete_notes(report: Report, lang: str) -> dict[str, list[str]]:
    """Per incomplete section, why: its feeds that are down, and hours without data."""
    notes: dict[str, list[str]] = {section: [] for section in report.incomplete}
    for section in report.incomplete:
        down = [f.name for f in report.feeds if f.down and SECTIONS.get(f.domain) == section]
        if down:
            notes[section].append(t("report.incomplete.down", lang, feeds=_joined(down, lang)))
        if missing := report.gaps.get(section):
            hours = round((report.period.end - report.period.start).total_seconds() / 3600)
            notes[section].append(t("report.incomplete.hours", lang, missing=missing, hours=hours))
    return notes
