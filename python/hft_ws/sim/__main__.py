"""``python -m hft_ws.sim``: run the simulator, print its URLs as JSON lines, stop on Ctrl-C or ``--seconds``."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from collections.abc import Sequence

from .server import DEFAULT_API_KEY, DEFAULT_API_SECRET, FAULTS, Simulator


def _fault(text: str) -> tuple[float, str, str, str, float]:
    # AT:EXCHANGE:MARKET:KIND[:SECONDS]
    parts = text.split(":")
    if len(parts) not in (4, 5) or parts[3] not in FAULTS:
        raise argparse.ArgumentTypeError(f"expected AT:EXCHANGE:MARKET:KIND[:SECONDS] with KIND in {FAULTS}")
    try:
        at = float(parts[0])
        seconds = float(parts[4]) if len(parts) == 5 else 0.0
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return at, parts[1], parts[2], parts[3], seconds


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m hft_ws.sim", description=__doc__)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--symbols", default="BTC_USDT,ETH_USDT", help="comma-separated BASE_QUOTE names")
    p.add_argument("--rate-hz", type=float, default=10.0, help="book publications per second per stream")
    p.add_argument("--private-rate-hz", type=float, default=1.0)
    p.add_argument("--replay", action="append", default=[], help="a shared/vectors/*/replay_* file (repeatable)")
    p.add_argument("--replay-hz", type=float, default=500.0)
    p.add_argument("--listen-key-ttl", type=float, default=3600.0, help="listenKey validity in seconds")
    p.add_argument("--seconds", type=float, default=None, help="stop after this many seconds")
    p.add_argument(
        "--fault",
        action="append",
        type=_fault,
        default=[],
        help="AT:EXCHANGE:MARKET:KIND[:SECONDS], e.g. 5:gateio:spot:drop (repeatable)",
    )
    p.add_argument("--rest-429", type=int, default=0, help="answer the first N REST requests with 429")
    return p.parse_args(argv)


async def run(args: argparse.Namespace) -> None:
    sim = Simulator(
        seed=args.seed,
        symbols=[s for s in args.symbols.split(",") if s],
        rate_hz=args.rate_hz,
        private_rate_hz=args.private_rate_hz,
        replay=args.replay,
        replay_hz=args.replay_hz,
        listen_key_ttl=args.listen_key_ttl,
        # The simulated account's (fake) credentials may be overridden from the environment; never printed.
        api_key=os.environ.get("HFT_WS_SIM_API_KEY", DEFAULT_API_KEY),
        api_secret=os.environ.get("HFT_WS_SIM_API_SECRET", DEFAULT_API_SECRET),
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except NotImplementedError:  # pragma: no cover - non-Unix
            pass
    async with sim:
        for (exchange, market), urls in sim.urls.items():
            print(json.dumps({"exchange": exchange, "market": market, **urls}), flush=True)
        print(json.dumps({"control": sim.control_url, "gate_user_id": sim.gate_user_id}), flush=True)
        if args.rest_429:
            sim.rest_429(args.rest_429)

        async def fault(at: float, exchange: str, market: str, kind: str, seconds: float) -> None:
            await asyncio.sleep(at)
            await sim.inject(exchange, market, kind, seconds)
            print(json.dumps({"fault": kind, "exchange": exchange, "market": market, "at": at}), flush=True)

        tasks = [asyncio.create_task(fault(*f)) for f in args.fault]
        try:
            if args.seconds is not None:
                try:
                    await asyncio.wait_for(stop.wait(), args.seconds)
                except TimeoutError:
                    pass
            else:
                await stop.wait()
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        asyncio.run(run(args))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
