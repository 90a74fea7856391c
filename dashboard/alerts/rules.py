"""The alert rules (DESIGN §6): each opens above one threshold and closes only below a lower one (hysteresis).

A rule is data: which observation it watches (see ``dashboard.queries.alerts.observe``), the open and close
thresholds, its severity and its message in both languages. ``transitions`` is the whole decision, pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    """Open when a subject's value ≥ ``open_at``; close an open alert when its value < ``close_below``."""

    id: str
    severity: str
    open_at: float
    close_below: float
    message_zh: str
    message_en: str


RULES: tuple[Rule, ...] = (
    Rule(
        "station_aqi",
        "critical",
        151,
        131,
        "{name} 空气质量指数 {value:.0f}，达到中度污染",
        "{name}: AQI {value:.0f}, moderately polluted or worse",
    ),
    Rule(
        "segment_tpi",
        "warning",
        8.0,
        6.0,
        "{name} 交通指数持续 15 分钟不低于 8（{value:.1f}，严重拥堵）",
        "{name}: traffic index ≥ 8 for 15 minutes ({value:.1f}, heavy congestion)",
    ),
    Rule(
        "hall_wait",
        "warning",
        30.0,
        20.0,
        "{name} 有办事人已等候 {value:.0f} 分钟",
        "{name}: someone has been waiting {value:.0f} minutes",
    ),
    Rule(
        "complaint_spike",
        "warning",
        1.0,
        0.5,
        "{name} 近 24 小时诉求激增（达到其历史阈值的 {value:.1f} 倍）",
        "{name}: complaint spike in the last 24 h ({value:.1f}× the threshold of its own history)",
    ),
    Rule("feed_stale", "critical", 1.0, 1.0, "数据源 {name} 数据过期", "Feed {name} is stale"),
    Rule(
        "published_aqi",
        "warning",
        5.0,
        5.0,
        "{name} 发布的 AQI 与本系统计算值相差 {value:.0f}",
        "{name}: the published AQI differs from ours by {value:.0f}",
    ),
)


def rule(rule_id: str) -> Rule:
    """The rule named ``rule_id``."""
    return next(r for r in RULES if r.id == rule_id)


@dataclass(frozen=True)
class Transitions:
    """Subjects to open (with their value) and open subjects to close."""

    open: dict[str, float]
    close: set[str]


def transitions(rule_: Rule, values: Mapping[str, float], open_subjects: set[str]) -> Transitions:
    """What changes given the subjects' current ``values`` and the subjects with an open alert.

    A subject without a current value keeps its state: no data is not a recovery (feed_stale reports it).
    """
    opening = {s: v for s, v in values.items() if v >= rule_.open_at and s not in open_subjects}
    closing = {s for s in open_subjects if s in values and values[s] < rule_.close_below}
    return Transitions(opening, closing)
