"""Load: how many walls, leaders and analysts one deployment serves, measured with locust on loopback.

Two layouts run the same scenario, one after the other:

- production: gunicorn with 4 workers (``deploy/gunicorn.conf.py``), PostgreSQL (a fresh database on the
  server of ``--postgres``), Redis (``--redis``, keys under a prefix of this run, so every run starts with an
  empty cache), and the collector process (``python -m dashboard collect``) ingesting the simulated city live;
- single: one ``python -m dashboard serve`` process on SQLite, with the same collector process beside it.

Each starts from an empty database: the collector backfills ``--days`` of the demo city, then keeps ingesting
while the users run. The web app runs with ``CITYOPS_AUTH_MODE=open`` (set explicitly: the default may be
``login``) and pages refreshing every 5 s. What the users do is recorded first in a real Chromium against that
deployment — every request each page posts to Dash's callback endpoint (:mod:`bench.locustfile` replays them):
walls (the page, then its interval callbacks every 5 s), leaders (the overview, a period switched, a drill-down
to a district), analysts (the map explorer, its period flipped, an export one time in four).

Then locust (headless, bounded in users and time) runs the target mix (20 walls + 50 leaders + 20 analysts) for
``--seconds`` and prints p50/p95/p99 per callback, errors and throughput; with ``--knee``, the mix is stepped up
(×2, ×4, ×8 …, ``--step-seconds`` each) until the p95 of all requests passes 1 s — or down (×½, ×¼ …) until it
falls under 1 s when the target mix is already past it — and the knee (users at p95 = 1 s) is interpolated.
locust runs on the same machine as the deployment and takes CPU from it.

Run: ``python -m bench.load`` (``make load``; ``LOAD_SECONDS=60 make load`` for a shorter run).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.browser import CHROMIUM, CHROMIUM_ARGS, RENDERED
from bench.coldstart import PROJECT_ROOT, _free_port, behind
from bench.report import Result, publish
from dashboard.demo import DEMO_SEED, prepare_database, start_simulator
from dashboard.settings import Settings

MIX = {"walls": 20, "leaders": 50, "analysts": 20}
TARGET_P95_MS = 300.0
KNEE_P95_MS = 1000.0
WEB_WORKERS = 4
REFRESH_SECONDS = 5
DATABASE = "cityops_bench_load"
LOCUSTFILE = Path(__file__).with_name("locustfile.py")
#: Seconds the collector gets to backfill 30 days (proportionally more for longer) before the benchmark gives up.
CATCH_UP_SECONDS = 900


# --- the deployments ----------------------------------------------------------------------------------------


def _fresh_postgres(server_url: str) -> str:
    """The URL of an empty database ``DATABASE`` on the server of ``server_url`` (dropped and made anew)."""
    url = make_url(server_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {DATABASE}"))
    admin.dispose()
    return url.set(database=DATABASE).render_as_string(hide_password=False)


def _process(stack: ExitStack, command: list[str], env: dict, log: Path) -> subprocess.Popen:
    """Start ``command`` with its output in ``log``; it is stopped (TERM, then KILL) when ``stack`` closes."""
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)

    def stop() -> None:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    stack.callback(stop)
    return process


def _wait(what: str, ready, processes: list[subprocess.Popen], timeout: float) -> None:
    started = time.monotonic()
    while not ready():
        if any(p.poll() is not None for p in processes):
            raise RuntimeError(f"a process of the deployment exited while waiting for {what}")
        if time.monotonic() - started > timeout:
            raise RuntimeError(f"{what}: not ready after {timeout:.0f} s")
        time.sleep(1)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


@dataclass(frozen=True)
class Deployment:
    """A running layout: its base URL, a district to drill down to, its database and how long the collector
    took to backfill it."""

    base: str
    district: str
    database: str
    backfill_seconds: float


@contextmanager
def deployment(layout: str, days: float, postgres: str | None, redis: str | None) -> Iterator[Deployment]:
    """The running ``layout`` ("production" or "single"), caught up on ``days`` of the demo city."""
    with tempfile.TemporaryDirectory(prefix=f"cityops-load-{layout}-") as folder, ExitStack() as stack:
        var = Path(folder)
        if layout == "production":
            if not (postgres and redis):
                raise RuntimeError("the production layout needs --postgres and --redis")
            database = _fresh_postgres(postgres)
        else:
            database = f"sqlite:///{var / 'cityops.db'}"
        settings = Settings(var_dir=var, database_url=database)
        engine = prepare_database(settings)
        with engine.connect() as conn:
            district = conn.execute(text("SELECT code FROM district WHERE level = 'district' ORDER BY code")).scalar()
        engine.dispose()
        drop = var / "drop" / "hotline"
        drop.mkdir(parents=True)
        simulator = start_simulator(days, DEMO_SEED, drop, settings.city_data_dir)
        stack.callback(simulator.stop)
        port = _free_port()
        env = {
            **os.environ,
            "CITYOPS_VAR_DIR": str(var),
            "CITYOPS_DATABASE_URL": database,
            "CITYOPS_SIMULATOR_URL": simulator.url,
            "CITYOPS_HOTLINE_DROP_DIR": str(drop),
            "CITYOPS_BACKFILL_DAYS": f"{days:g}",
            "CITYOPS_AUTH_MODE": "open",
            "CITYOPS_REFRESH_SECONDS": str(REFRESH_SECONDS),
            "CITYOPS_LOG_LEVEL": "WARNING",
        }
        if layout == "production":
            env |= {"CITYOPS_REDIS_URL": redis, "CITYOPS_CACHE_KEY_PREFIX": f"cityops-load-{os.getpid()}-{port}:",
                    "CITYOPS_BIND": f"127.0.0.1:{port}", "CITYOPS_WEB_WORKERS": str(WEB_WORKERS)}
            web_command = [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "dashboard.wsgi:server"]
        else:
            env.pop("CITYOPS_REDIS_URL", None)
            web_command = [sys.executable, "-m", "dashboard", "serve", "--host", "127.0.0.1", "--port", str(port)]
        started = time.monotonic()
        collector = _process(stack, [sys.executable, "-m", "dashboard", "collect"], env, var / "collect.log")
        patience = CATCH_UP_SECONDS * max(1.0, days / 30)
        _wait("the collector's backfill", lambda: not behind(database), [collector], patience)
        backfill = time.monotonic() - started
        web = _process(stack, web_command, env, var / "web.log")
        base = f"http://127.0.0.1:{port}"
        _wait("the web app", lambda: _answers(f"{base}/health"), [collector, web], 120)
        try:
            yield Deployment(base, district, database, backfill)
        finally:
            for log in ("collect.log", "web.log"):
                tail = (var / log).read_text(errors="replace").strip().splitlines()[-3:]
                if tail:
                    print(f"load: {layout} {log}, last lines:", *tail, sep="\n  ", file=sys.stderr)


# --- what the users do, recorded in Chromium ----------------------------------------------------------------


def _callback_name(body: dict) -> str:
    """A short name of a callback: its first output's component id (and property)."""
    outputs = body["outputs"] if isinstance(body["outputs"], list) else [body["outputs"]]
    first = outputs[0][0] if isinstance(outputs[0], list) else outputs[0]
    component = first["id"] if isinstance(first["id"], str) else json.dumps(first["id"], sort_keys=True)
    more = f" +{len(outputs) - 1}" if len(outputs) > 1 else ""
    return f"{component}.{first['property']}{more}"


class _Recorder:
    """The callback requests a page posts, as (name, body, headers), between ``start`` and ``stop``."""

    def __init__(self, page) -> None:
        self.requests: list[dict] = []
        page.on("request", self._seen)

    def _seen(self, request) -> None:
        if request.method == "POST" and "_dash-update-component" in request.url:
            body = request.post_data
            self.requests.append({
                "name": _callback_name(json.loads(body)), "body": body,
                "headers": {"Content-Type": "application/json"},
            })

    def take(self, keep=lambda _body: True) -> list[dict]:
        taken = [r for r in self.requests if keep(json.loads(r["body"]))]
        self.requests = []
        return taken


def _settled(page, idle_ms: int = 1500) -> None:
    """Wait until the page is drawn and has posted no callback for ``idle_ms``."""
    page.wait_for_function(f"() => document.querySelector('.problem-banner') || ({RENDERED})()", timeout=60_000)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(idle_ms)


#: What each figure of a page shows, for the message of a page that did not settle.
_FIGURES = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(g => ({
  panel: (g.closest('[id]') || {}).id, visible: g.offsetParent !== null, drawn: !!g.querySelector('.main-svg'),
  traces: (g.data || []).length, map_loaded: !(g._fullLayout && g._fullLayout.map)
    || g._fullLayout.map._subplot.map.loaded()})).concat([
  {loading: document.querySelectorAll('[data-dash-is-loading]').length}])"""


def _opened(page, url: str, recorder: _Recorder) -> None:
    """Open ``url`` and wait until it settles; a page that has not settled within a minute is opened once more,
    its first opening's callbacks forgotten (what it showed is printed: now and then a wall does not settle,
    cause not yet found)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.goto(url, wait_until="commit")
    try:
        _settled(page)
    except PlaywrightTimeout:
        print(f"load: {url} did not settle within a minute; opened again. Its figures: "
              f"{json.dumps(page.evaluate(_FIGURES))}", file=sys.stderr, flush=True)
        recorder.take()
        page.goto(url, wait_until="commit")
        _settled(page)


def _by_interval(body: dict) -> bool:
    return any(p.endswith("interval.n_intervals") for p in body.get("changedPropIds", []))


def record(base: str, district: str) -> dict:
    """Each kind of user's steps: the page path and the callbacks the browser posted for each step."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        raise RuntimeError(f"recording the users needs {CHROMIUM}")
    scenario: dict[str, dict] = {"wall": {}, "leader": {}, "analyst": {}}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
        recorder = _Recorder(page)

        def step(kind: str, name: str, path: str, action=None, keep=lambda _body: True) -> None:
            if action is None:
                _opened(page, base + path, recorder)
            else:
                action()
                _settled(page)
            callbacks = recorder.take(keep)
            if not callbacks:
                raise RuntimeError(f"{kind} {name}: the browser posted no callback on {path}")
            scenario[kind][name] = {"path": path, "callbacks": callbacks}

        step("wall", "open", "/wall?lang=zh&rotate=600")
        step("wall", "refresh", "/wall?lang=zh&rotate=600",
             lambda: page.wait_for_timeout(REFRESH_SECONDS * 2000 + 500), _by_interval)
        refresh = {c["name"]: c for c in scenario["wall"]["refresh"]["callbacks"]}
        scenario["wall"]["refresh"]["callbacks"] = list(refresh.values())  # one of each per refresh
        step("leader", "open", "/?lang=zh")
        step("leader", "period", "/?lang=zh&period=this_week",
             lambda: page.locator(".time-quick a[data-time-period='this_week']").click())
        step("leader", "drill", f"/district/{district}?lang=zh")
        step("analyst", "open", "/map?lang=zh&period=7d&layers=areas,complaints")
        filters = []
        for label in (0, 1):
            step("analyst", "filters", "/map", lambda i=label: page.locator("#map-period label").nth(i).click())
            filters += scenario["analyst"]["filters"]["callbacks"]
        scenario["analyst"]["filters"]["callbacks"] = filters
        step("analyst", "export", "/map", lambda: page.locator("#map-export-csv").click())
        browser.close()
    return scenario


# --- locust runs --------------------------------------------------------------------------------------------


def _locust(base: str, scenario: Path, counts: dict[str, int], seconds: int, folder: Path) -> dict[str, dict]:
    """Run the users of ``counts`` for ``seconds``; locust's stats per request name (and "Aggregated")."""
    users = sum(counts.values())
    prefix = folder / f"locust-{users}"
    env = {
        **os.environ, "CITYOPS_LOAD_SCENARIO": str(scenario), "CITYOPS_LOAD_WALLS": str(counts["walls"]),
        "CITYOPS_LOAD_LEADERS": str(counts["leaders"]), "CITYOPS_LOAD_ANALYSTS": str(counts["analysts"]),
    }
    command = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", base, "--users", str(users),
        "--spawn-rate", str(max(10, users // 10)), "--run-time", f"{seconds}s", "--stop-timeout", "10",
        "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0",
    ]
    subprocess.run(command, cwd=PROJECT_ROOT, env=env, check=True, stdout=subprocess.DEVNULL,
                   timeout=seconds + 120)
    with open(f"{prefix}_stats.csv", encoding="utf-8") as stats:
        return {row["Name"]: row for row in csv.DictReader(stats)}


def _ms(row: dict, percentile: str) -> float:
    """A percentile of locust's stats row (infinite when no request of the row completed)."""
    value = row.get(percentile, "N/A")
    return float(value) if value not in ("N/A", "") else float("inf")


def _table(stats: dict[str, dict]) -> str:
    """p50/p95/p99 (ms) and requests of each request name, slowest p95 first."""
    rows = sorted((r for name, r in stats.items() if name != "Aggregated"), key=lambda r: -_ms(r, "95%"))
    return "; ".join(
        f"{r['Name']} {_ms(r, '50%'):.0f}/{_ms(r, '95%'):.0f}/{_ms(r, '99%'):.0f} ({r['Request Count']}"
        + (f", {r['Failure Count']} failed" if int(r["Failure Count"]) else "") + ")"
        for r in rows
    )


def _scaled(factor: float) -> dict[str, int]:
    return {kind: max(1, round(count * factor)) for kind, count in MIX.items()}


def _knee(steps: list[tuple[int, float]]) -> tuple[float, str]:
    """Users at p95 = 1 s, interpolated between the steps around it, and how it reads (or the bound the steps
    give)."""
    steps = sorted(steps)
    for (users_a, p95_a), (users_b, p95_b) in zip(steps, steps[1:], strict=False):
        if p95_a < KNEE_P95_MS <= p95_b:
            users = users_a + (users_b - users_a) * (KNEE_P95_MS - p95_a) / (p95_b - p95_a)
            return users, f"≈ {users:.0f} users"
    if steps[0][1] >= KNEE_P95_MS:
        return steps[0][0], f"< {steps[0][0]} users"
    return steps[-1][0], f"> {steps[-1][0]} users"


def run(layout: str, days: float, seconds: int, knee: bool, step_seconds: int, postgres: str | None,
        redis: str | None) -> list[Result]:
    """The target mix (and with ``knee`` the steps up) against ``layout``; results with their tables."""
    name = {"production": f"gunicorn × {WEB_WORKERS}, PostgreSQL, Redis, collector live",
            "single": "one serve process on SQLite, collector live"}[layout]
    with deployment(layout, days, postgres, redis) as running, tempfile.TemporaryDirectory() as folder:
        base = running.base
        scenario = Path(folder) / "scenario.json"
        scenario.write_text(json.dumps(record(base, running.district)), encoding="utf-8")
        stats = _locust(base, scenario, MIX, seconds, Path(folder))
        steps = [(sum(MIX.values()), _ms(stats["Aggregated"], "95%"))]
        # up from the target mix while under 1 s, or down from it while over
        below = steps[0][1] < KNEE_P95_MS
        factor = 2.0 if below else 0.5
        while knee and (steps[-1][1] < KNEE_P95_MS) == below and 1 / 16 <= factor <= 16:
            stepped = _locust(base, scenario, _scaled(factor), step_seconds, Path(folder))
            steps.append((sum(_scaled(factor).values()), _ms(stepped["Aggregated"], "95%")))
            print(f"load: {layout}, {steps[-1][0]} users: p95 {steps[-1][1]:.0f} ms, "
                  f"{float(stepped['Aggregated']['Requests/s']):.0f} requests/s", file=sys.stderr, flush=True)
            factor = factor * 2 if below else factor / 2
    total = stats["Aggregated"]
    p95, errors = _ms(total, "95%"), int(total["Failure Count"])
    mix = " + ".join(f"{count} {kind}" for kind, count in MIX.items())
    results = [
        Result(
            name=f"Load, {name}: {mix}, {seconds} s",
            ratio=TARGET_P95_MS / p95,
            target=f"p95 ≤ {TARGET_P95_MS:.0f} ms, 0 errors",
            met=p95 <= TARGET_P95_MS and errors == 0,
            detail=f"p50/p95/p99 {_ms(total, '50%'):.0f}/{p95:.0f}/{_ms(total, '99%'):.0f} ms over "
            f"{total['Request Count']} requests, {errors} errors, {float(total['Requests/s']):.1f} requests/s; "
            f"{days:g} days backfilled (in {running.backfill_seconds:.0f} s); per request p50/p95/p99 ms (count): "
            f"{_table(stats)}",
        )
    ]
    if knee:
        results.append(
            Result(
                name=f"Load, {name}: the knee (users of the same mix at p95 = 1 s)",
                ratio=_knee(steps)[0] / sum(MIX.values()),
                target="reported (ratio = knee / target mix)",
                met=None,
                detail=f"{_knee(steps)[1]}; p95 by users ({step_seconds} s a step): "
                + ", ".join(f"{users} → {p95_:.0f} ms" for users, p95_ in sorted(steps)),
            )
        )
    return results


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stopped: the deployment's processes stop too
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--layouts", default="production,single", help="production, single or both")
    parser.add_argument("--days", type=float, default=7, help="days of the demo city backfilled first")
    parser.add_argument("--seconds", type=int, default=600, help="duration of the target mix")
    parser.add_argument("--knee", action=argparse.BooleanOptionalAction, default=True, help="step the users up")
    parser.add_argument("--step-seconds", type=int, default=60, help="duration of each step up")
    parser.add_argument("--postgres", default=os.environ.get("CITYOPS_TEST_DATABASE_URL"), help="PostgreSQL server")
    parser.add_argument("--redis", default=os.environ.get("CITYOPS_TEST_REDIS_URL"), help="Redis server")
    args = parser.parse_args()
    results: list[Result] = []
    for layout in args.layouts.split(","):
        results += run(layout, args.days, args.seconds, args.knee, args.step_seconds, args.postgres, args.redis)
    publish(results)


if __name__ == "__main__":
    main()
