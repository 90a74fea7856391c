"""The users of the load benchmark (:mod:`bench.load`), for ``locust -f bench/locustfile.py``.

Each user replays what its kind of user did in a real Chromium (the requests :mod:`bench.load` recorded into the
file ``CITYOPS_LOAD_SCENARIO`` names): it opens its page (the HTML, then every callback the page posted to
Dash's endpoint) and then repeats its kind's actions. Walls refresh every 5 s (the interval callbacks); leaders
open the overview and drill down to a district, then read for a while; analysts open the map explorer, flip its
filters and now and then export the selection. How many of each run at once: ``CITYOPS_LOAD_WALLS``,
``CITYOPS_LOAD_LEADERS`` and ``CITYOPS_LOAD_ANALYSTS``. Requests are named by user kind and callback output.
"""

from __future__ import annotations

import json
import os
import random

from locust import FastHttpUser, between, constant, task

SCENARIO = json.loads(open(os.environ["CITYOPS_LOAD_SCENARIO"], encoding="utf-8").read())
#: Seconds between a wall's refreshes (the wall's interval under the benchmark's settings).
WALL_REFRESH_SECONDS = 5


class _Replaying(FastHttpUser):
    abstract = True
    kind = ""

    def open(self, step: str) -> None:
        """GET the page of a recorded step, then post the callbacks the browser posted for it."""
        recorded = SCENARIO[self.kind][step]
        self.client.get(recorded["path"], name=f"{self.kind}: GET {recorded['path'].split('?')[0]}")
        self.post(recorded["callbacks"])

    def post(self, callbacks: list[dict]) -> None:
        token = next((c.value for c in self.client.cookiejar if c.name == "_csrf_token"), None)
        headers = {"X-CSRFToken": token} if token else {}
        for callback in callbacks:
            with self.client.post(
                "/_dash-update-component", data=callback["body"], headers={**headers, **callback["headers"]},
                name=f"{self.kind}: {callback['name']}", catch_response=True,
            ) as response:
                if response.status_code not in (200, 204):
                    response.failure(f"HTTP {response.status_code}: {(response.text or '')[:200]}")


class Wall(_Replaying):
    """A wall screen: the page once, then its interval callbacks every 5 s."""

    kind = "wall"
    fixed_count = int(os.environ.get("CITYOPS_LOAD_WALLS", 20))
    wait_time = constant(WALL_REFRESH_SECONDS)

    def on_start(self) -> None:
        self.open("open")

    @task
    def refresh(self) -> None:
        self.post(SCENARIO[self.kind]["refresh"]["callbacks"])


class Leader(_Replaying):
    """A leader: the overview, a drill-down to a district, reading in between."""

    kind = "leader"
    fixed_count = int(os.environ.get("CITYOPS_LOAD_LEADERS", 50))
    wait_time = between(5, 15)

    @task
    def overview_and_drill(self) -> None:
        self.open("open")
        self.post(SCENARIO[self.kind]["period"]["callbacks"])
        self.open("drill")


class Analyst(_Replaying):
    """An analyst: the map explorer, its filters flipped, an export one time in four."""

    kind = "analyst"
    fixed_count = int(os.environ.get("CITYOPS_LOAD_ANALYSTS", 20))
    wait_time = between(3, 10)

    def on_start(self) -> None:
        self.open("open")

    @task
    def filter_and_export(self) -> None:
        self.post(SCENARIO[self.kind]["filters"]["callbacks"])
        if random.random() < 0.25:
            self.post(SCENARIO[self.kind]["export"]["callbacks"])
