"""Citizen complaints and their Chinese lifecycle: 受理 → 派单 → 签收 → (退回/延期) → 办结 → 回访 → (重办 → 办结)."""

from __future__ import annotations

import numpy as np

from simulator.city.names import CITY_ZH
from simulator.dynamics import texts
from simulator.dynamics.context import CityContext
from simulator.dynamics.table import Table, rng_for
from simulator.timefmt import DAY_S, MISSING, day_start, local_day, local_hours, local_weekday

# Event columns of the lifecycle matrix, in order; a ticket may skip returned/redispatch/reaccept/extended, and
# one found unsatisfactory at its revisit may be reopened (重办) and closed again.
EVENTS = [
    "received", "dispatched", "accepted", "returned", "dispatched", "accepted", "extended", "closed", "revisited",
    "reopened", "closed",
]
RETURNED, REDISPATCHED, REACCEPTED, EXTENDED, CLOSED, REVISITED, REOPENED, RECLOSED = 3, 4, 5, 6, 7, 8, 9, 10
#: Share of the tickets rated unsatisfied at their revisit that are reopened.
REOPEN_SHARE = 0.4
STATUS_ZH = {
    "received": "受理",
    "dispatched": "派单",
    "accepted": "签收",
    "returned": "退回",
    "extended": "延期",
    "closed": "办结",
    "revisited": "回访",
    "reopened": "重办",
}
CHANNELS = ["phone", "app", "wechat", "web"]
CHANNEL_SHARE = [0.6, 0.17, 0.15, 0.08]
SATISFACTION = ["satisfied", "basically_satisfied", "unsatisfied"]
SATISFACTION_ZH = {"satisfied": "满意", "basically_satisfied": "基本满意", "unsatisfied": "不满意"}
HOURLY = np.array(
    [
        0.8,
        0.5,
        0.3,
        0.25,
        0.3,
        0.5,
        1.2,
        2.8,
        5.5,
        7.8,
        8.2,
        7.4,
        5.0,
        4.6,
        7.0,
        7.6,
        7.3,
        6.2,
        4.6,
        4.0,
        3.6,
        3.0,
        2.2,
        1.4,
    ]
)


def _next_morning(times: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Move acceptance times falling at night (22:00-08:00 local) to the next morning."""
    hour = local_hours(times)
    night = (hour >= 22) | (hour < 8)
    wait_h = np.where(hour >= 22, 24 - hour + 8, 8 - hour)
    return np.where(night, times + (wait_h * 3600).astype(np.int64) + rng.integers(0, 5400, len(times)), times)


def complaints_day(ctx: CityContext, stream: int, per_day: float, day: int, id_prefix: str) -> Table:
    """Tickets received on one local day with their whole lifecycle (future events included)."""
    rng = rng_for(ctx.seed, stream, day)
    start = day_start(day)
    weekend = local_weekday(np.array([start]))[0] >= 5
    n = int(rng.poisson(per_day * (0.8 if weekend else 1.08)))
    hours = rng.choice(24, size=n, p=HOURLY / HOURLY.sum())
    received = np.sort(start + hours * 3600 + rng.integers(0, 3600, n)).astype(np.int64)
    category = rng.choice(len(ctx.category_share), size=n, p=ctx.category_share)
    sub = rng.choice(len(ctx.sub_population), size=n, p=ctx.sub_population / ctx.sub_population.sum())
    point = ctx.sub_points[sub, rng.integers(0, ctx.sub_points.shape[1], n)]
    channel = rng.choice(len(CHANNELS), size=n, p=CHANNEL_SHARE)
    n_departments = len(ctx.city.departments)

    ev = np.full((n, len(EVENTS)), MISSING, dtype=np.int64)
    dept = np.repeat(ctx.category_department[category][:, None], len(EVENTS), axis=1).astype(np.int16)
    ev[:, 0] = received
    ev[:, 1] = received + np.clip(rng.lognormal(np.log(12 * 60), 0.7, n), 120, 4 * 3600).astype(np.int64)
    ev[:, 2] = _next_morning(
        ev[:, 1] + np.clip(rng.lognormal(np.log(1.5 * 3600), 0.8, n), 300, 20 * 3600).astype(np.int64), rng
    )
    returned = rng.random(n) < 0.08
    ev[returned, RETURNED] = ev[returned, 2] + rng.integers(1800, 24 * 3600, returned.sum())
    ev[returned, REDISPATCHED] = ev[returned, RETURNED] + rng.integers(600, 3600, returned.sum())
    ev[returned, REACCEPTED] = _next_morning(
        ev[returned, REDISPATCHED] + rng.integers(1200, 4 * 3600, returned.sum()), rng
    )
    other = (dept[returned, 0] + rng.integers(1, n_departments, returned.sum())) % n_departments
    dept[returned, REDISPATCHED:] = other[:, None]
    last_accept = np.where(returned, ev[:, REACCEPTED], ev[:, 2])

    deadline_days = ctx.category_deadline[category]
    deadline = received + deadline_days.astype(np.int64) * DAY_S
    extended = rng.random(n) < 0.05
    span = np.maximum(deadline - last_accept, 3600)
    ev[extended, EXTENDED] = last_accept[extended] + (span[extended] * rng.uniform(0.3, 0.8, extended.sum())).astype(
        np.int64
    )
    final_deadline = np.where(extended, deadline + np.maximum(deadline_days, 2).astype(np.int64) * DAY_S, deadline)

    kind = rng.random(n)
    fraction = np.where(
        kind < 0.92,
        0.04 + 0.92 * rng.beta(1.6, 2.6, n),
        np.where(kind < 0.985, rng.uniform(1.03, 1.8, n), rng.uniform(2.5, 5.0, n)),
    )
    closed = received + ((final_deadline - received) * fraction).astype(np.int64)
    floor = np.maximum(last_accept, np.where(extended, ev[:, EXTENDED], 0)) + 600
    ev[:, CLOSED] = np.maximum(closed, floor)
    rated = rng.random(n) < 0.8
    ev[rated, REVISITED] = ev[rated, CLOSED] + rng.integers(DAY_S, 3 * DAY_S, rated.sum())
    late = ev[:, CLOSED] > final_deadline
    p_sat = np.where(late[:, None], [0.35, 0.3, 0.35], [0.74, 0.18, 0.08])
    satisfaction = np.where(rated, (rng.random(n)[:, None] > np.cumsum(p_sat, axis=1)).sum(axis=1), -1).astype(np.int8)

    city = ctx.city
    day_text = local_day(start).strftime("%Y%m%d")
    ids, addresses, descriptions = [], [], []
    for i in range(n):
        s = city.subdistricts[int(sub[i])].properties
        d = city.districts[int(ctx.district_of_sub[sub[i]])].properties
        roads = ctx.sub_roads[int(sub[i])]
        place = texts.address(rng, CITY_ZH, str(d["name_zh"]), str(s["name_zh"]), roads[int(rng.integers(len(roads)))])
        ids.append(f"{id_prefix}{day_text}{i + 1:05d}")
        addresses.append(place)
        descriptions.append(
            texts.description(
                rng, str(city.service_types[int(category[i])]["service_code"]), place.removeprefix(CITY_ZH)
            )
        )
    result = rng.integers(0, len(texts.RESULTS), n).astype(np.int8)
    reason = rng.integers(0, len(texts.RETURN_REASONS), n).astype(np.int8)
    _reopen(ev, satisfaction, rng)
    return Table(
        {
            "id": np.array(ids, dtype=object),
            "events": ev,
            "dept": dept,
            "category": category.astype(np.int16),
            "channel": channel.astype(np.int8),
            "sub": sub.astype(np.int16),
            "lon": point[:, 0],
            "lat": point[:, 1],
            "deadline": deadline,
            "final_deadline": final_deadline,
            "satisfaction": satisfaction,
            "result": result,
            "reason": reason,
            "address": np.array(addresses, dtype=object),
            "description": np.array(descriptions, dtype=object),
        }
    )


def _reopen(ev: np.ndarray, satisfaction: np.ndarray, rng: np.random.Generator) -> None:
    """Reopen (重办) a share of the tickets rated unsatisfied: hours after the revisit, closed again days later."""
    unsatisfied = np.flatnonzero(satisfaction == SATISFACTION.index("unsatisfied"))
    chosen = unsatisfied[rng.random(len(unsatisfied)) < REOPEN_SHARE]
    ev[chosen, REOPENED] = ev[chosen, REVISITED] + rng.integers(3600, 8 * 3600, len(chosen))
    ev[chosen, RECLOSED] = ev[chosen, REOPENED] + rng.integers(DAY_S, 5 * DAY_S, len(chosen))


def is_closed(latest: np.ndarray) -> np.ndarray:
    """Whether a ticket whose latest event is ``latest`` is closed (a reopened one is open again)."""
    return (latest >= CLOSED) & (latest != REOPENED)


def closed_time(events: np.ndarray, latest: np.ndarray) -> np.ndarray:
    """When each closed ticket was (last) closed, at its ``latest`` event."""
    return np.where(latest == RECLOSED, events[..., RECLOSED], events[..., CLOSED])


def latest_event(events: np.ndarray, now: int) -> np.ndarray:
    """Index of each ticket's latest event at ``now`` (-1 if not yet received); event times rise along columns."""
    visible = events <= now
    last = events.shape[1] - 1 - np.argmax(visible[:, ::-1], axis=1)
    return np.where(visible[:, 0], last, -1)
