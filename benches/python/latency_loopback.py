"""Loopback latency: server send -> handler return, hft_ws transport + Rust parser vs websockets + json.

A `websockets` server on 127.0.0.1 pushes Gate spot trade frames (``spot.trades`` update); each frame's
trade ``id`` is the server's ``time.time_ns()`` taken just before the send, so both clients measure
``time.time_ns() - id`` after their handler returned:

(a) `hft_ws.transport.connect` + `GateSpotParser.parse` (Rust codec and parser),
(b) a plain `websockets` client + `json.loads`,
(c) ``hft_ws_mgr``: the full library path, `WebSocketManager` + `GateSpotPublic` (transport callback ->
    ``Exchange._on_message`` -> ``_handle_message`` -> dispatch -> ``Handler.on_trade``), with acks, heartbeat
    deadlines and the watchdog off (the bench server only pushes).

Server and clients share one process and event loop (same clock). The clients alternate in rounds so
that drift of the machine's load hits both alike. Run::

    .venv/bin/python benches/python/latency_loopback.py [--frames 2000] [--rounds 6] [--loop auto|uvloop|asyncio]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from array import array
from collections.abc import Callable
from typing import Any

import websockets
from websockets.asyncio.server import ServerConnection, serve

import hft_ws
from hft_ws._core import GateSpotParser
from hft_ws.exchanges.gateio import GateSpotPublic
from hft_ws.transport import connect

_TEMPLATE = (
    '{{"time":{s},"time_ms":{ms},"channel":"spot.trades","event":"update","result":'
    '{{"id":{ns},"id_market":{i},"create_time":{s},"create_time_ms":"{ms}.0","side":"buy",'
    '"currency_pair":"BTC_USDT","amount":"0.110318","price":"60000.1","range":"{i}-{i}"}}}}'
)


def _frame(i: int) -> str:
    ns = time.time_ns()
    return _TEMPLATE.format(s=ns // 1_000_000_000, ms=ns // 1_000_000, ns=ns, i=i)


class Server:
    """Pushes ``frames`` trade frames to each client, one every ``gap`` seconds."""

    def __init__(self, frames: int, gap: float) -> None:
        self.frames = frames
        self.gap = gap

    async def handler(self, ws: ServerConnection) -> None:
        for i in range(self.frames):
            await ws.send(_frame(i))
            await asyncio.sleep(self.gap)
        await ws.wait_closed()


def _consume(event: Any) -> None:
    """The user's handler: touches the fields a strategy would read."""
    event.price + event.qty  # noqa: B018 - the work a trivial strategy does


async def run_hft_ws(url: str, frames: int) -> array[int]:
    parser = GateSpotParser()
    lat: array[int] = array("q")
    done = asyncio.get_running_loop().create_future()

    def on_message(payload: str | bytes, recv_ts_ns: int) -> None:
        for ev in parser.parse(payload, recv_ts_ns):
            _consume(ev)
            lat.append(time.time_ns() - int(ev.trade_id))
        if len(lat) >= frames and not done.done():
            done.set_result(None)

    conn = await connect(url, on_message)
    await asyncio.wait_for(done, 30.0)
    await conn.close(timeout=1.0)
    return lat


async def run_manager(url: str, frames: int) -> array[int]:
    lat: array[int] = array("q")
    done = asyncio.get_running_loop().create_future()

    class Bench(hft_ws.Handler):
        def on_trade(self, t: Any) -> None:
            _consume(t)
            lat.append(time.time_ns() - int(t.trade_id))
            if len(lat) >= frames and not done.done():
                done.set_result(None)

    mgr = hft_ws.WebSocketManager(Bench(), ping_interval=3600.0, idle_timeout=None, pong_timeout=None,
                                  ack_timeout=None)
    async with mgr:
        mgr.add(GateSpotPublic(["BTC_USDT"], ["trades"], ws_url=url, rest_url="http://127.0.0.1:9"))
        await asyncio.wait_for(done, 30.0)
    return lat


class _Dict:
    """Same field access as the parsed `Trade` (strings to float, as the parser does)."""

    __slots__ = ("price", "qty")

    def __init__(self, r: dict[str, Any]) -> None:
        self.price = float(r["price"])
        self.qty = float(r["amount"])


async def run_websockets(url: str, frames: int) -> array[int]:
    lat: array[int] = array("q")
    async with websockets.connect(url, compression=None) as ws:
        async for raw in ws:
            msg = json.loads(raw)
            if msg.get("channel") == "spot.trades" and msg.get("event") == "update":
                r = msg["result"]
                _consume(_Dict(r))
                lat.append(time.time_ns() - int(r["id"]))
            if len(lat) >= frames:
                break
    return lat


def _pct(data: list[int], q: float) -> float:
    return data[min(len(data) - 1, int(q * len(data)))] / 1000.0


async def main(frames: int, rounds: int, gap: float) -> dict[str, list[tuple[float, float]]]:
    per_round = max(1, frames // rounds)
    server = Server(per_round, gap)
    results: dict[str, list[tuple[float, float]]] = {"hft_ws": [], "hft_ws_mgr": [], "websockets": []}
    runners: dict[str, Callable[[str, int], Any]] = {
        "hft_ws": run_hft_ws,
        "hft_ws_mgr": run_manager,
        "websockets": run_websockets,
    }
    async with serve(server.handler, "127.0.0.1", 0, compression=None) as srv:
        port = next(iter(srv.sockets)).getsockname()[1]
        url = f"ws://127.0.0.1:{port}/"
        for r in range(rounds):
            order = ["hft_ws", "hft_ws_mgr", "websockets"]
            if r % 2:
                order.reverse()
            for name in order:
                lat = sorted(await runners[name](url, per_round))
                results[name].append((_pct(lat, 0.50), _pct(lat, 0.99)))
    return results


def cli() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frames", type=int, default=2000, help="frames per client in total (default 2000)")
    ap.add_argument("--rounds", type=int, default=6, help="alternating rounds (default 6)")
    ap.add_argument("--gap", type=float, default=0.001, help="seconds between frames (default 0.001; 0 = flood)")
    ap.add_argument("--loop", choices=["auto", "uvloop", "asyncio"], default="auto",
                    help="event loop: uvloop when installed (auto), or force one")
    args = ap.parse_args()
    use_uvloop = False
    if args.loop != "asyncio":
        try:
            import uvloop
        except ImportError:
            if args.loop == "uvloop":
                raise SystemExit("uvloop is not installed") from None
        else:
            use_uvloop = True
    t0 = time.perf_counter()
    if use_uvloop:
        res = uvloop.run(main(args.frames, args.rounds, args.gap))
    else:
        res = asyncio.run(main(args.frames, args.rounds, args.gap))
    elapsed = time.perf_counter() - t0
    print(f"loop={'uvloop' if use_uvloop else 'asyncio'} frames/client={args.frames} rounds={args.rounds} "
          f"gap={args.gap * 1e6:.0f}us elapsed={elapsed:.2f}s")
    print("send -> handler return, median over rounds of each round's percentile (us):")
    med: dict[str, tuple[float, float]] = {}
    for name, rows in res.items():
        p50 = statistics.median(p for p, _ in rows)
        p99 = statistics.median(p for _, p in rows)
        med[name] = (p50, p99)
        print(f"  {name:<11} p50={p50:8.1f}  p99={p99:8.1f}")
    a, b = med["hft_ws"], med["websockets"]
    print(f"ratio websockets/hft_ws: p50 x{b[0] / a[0]:.2f}  p99 x{b[1] / a[1]:.2f}")


if __name__ == "__main__":
    cli()
