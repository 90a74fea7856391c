"""Command line: ``python -m simulator generate-city`` and ``python -m simulator serve``."""

from __future__ import annotations

import argparse
import signal
import threading
import time
from pathlib import Path

from simulator.city import build_city, write_city
from simulator.config import DEFAULT_SEED, SimulatorConfig
from simulator.server import start


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and run the chosen command."""
    parser = argparse.ArgumentParser(prog="python -m simulator", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    generate = commands.add_parser("generate-city", help="write the demo city's reference files")
    generate.add_argument("--out", type=Path, default=Path("data/city"))
    generate.add_argument("--seed", type=int, default=DEFAULT_SEED)
    serve = commands.add_parser("serve", help="serve the simulated upstream systems until interrupted")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8900)
    serve.add_argument("--days", type=float, default=30)
    serve.add_argument("--drop-dir", type=Path, default=Path("var/drop/hotline"))
    serve.add_argument("--data-dir", type=Path, default=Path("data/city"))
    serve.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)

    if args.command == "generate-city":
        for path in write_city(build_city(args.seed), args.out):
            print(path)
        return
    began = time.perf_counter()
    sim = start(
        SimulatorConfig(
            seed=args.seed,
            history_days=args.days,
            host=args.host,
            port=args.port,
            drop_dir=args.drop_dir,
            data_dir=args.data_dir,
        )
    )
    print(
        f"simulated city at {sim.url} ({args.days:g} days generated in {time.perf_counter() - began:.1f} s; "
        f"hotline exports in {args.drop_dir})",
        flush=True,
    )
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()


if __name__ == "__main__":
    main()
