"""Loopback latency: server send -> handler return, hft_ws transport + Rust parser vs websockets + json/protobuf.

A `websockets` server on 127.0.0.1 pushes one kind of frame (``--stream``):

- ``gate-trades``: Gate spot trade frames (``spot.trades`` update) whose trade ``id`` is the server's
  ``time.time_ns()`` taken just before the send;
- ``mexc-depth``: MEXC spot protobuf aggregated depth pushes (10 bids + 10 asks) whose ``fromVersion`` is
  that timestamp.

Both clients measure ``time.time_ns() - stamp`` after their handler returned:

(a) `hft_ws.transport.connect` + `GateSpotParser` / `MexcSpotParser` (Rust codec and parser),
(b) a plain `websockets` client + `json.loads` (Gate) or the `protobuf` package (upb) (MEXC),
(c) ``hft_ws_mgr`` (``gate-trades`` only): the full library path, `WebSocketManager` + `GateSpotPublic`
    (transport callback -> ``Exchange._on_message`` -> ``_handle_message`` -> dispatch -> ``Handler.on_trade``),
    with acks, heartbeat deadlines and the watchdog off (the bench server only pushes).

By default server and clients share one process and event loop (same clock; repeatable);
``--server-process`` runs the server in its own process. The clients alternate in rounds so
that drift of the machine's load hits both alike. Run::

    .venv/bin/python benches/python/latency_loopback.py [--frames 2000] [--rounds 6] [--loop auto|uvloop|asyncio]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import statistics
import time
from array import array
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

import websockets
from websockets.asyncio.server import ServerConnection, serve

import hft_ws
from hft_ws._core import GateSpotParser, MexcSpotParser
from hft_ws.exchanges.gateio import GateSpotPublic
from hft_ws.sim import pb
from hft_ws.transport import connect

_TEMPLATE = (
    '{{"time":{s},"time_ms":{ms},"channel":"spot.trades","event":"update","result":'
    '{{"id":{ns},"id_market":{i},"create_time":{s},"create_time_ms":"{ms}.0","side":"buy",'
    '"currency_pair":"BTC_USDT","amount":"0.110318","price":"60000.1","range":"{i}-{i}"}}}}'
)


def _frame(i: int) -> str:
    ns = time.time_ns()
    return _TEMPLATE.format(s=ns // 1_000_000_000, ms=ns // 1_000_000, ns=ns, i=i)


_MEXC_CHANNEL = "spot@public.aggre.depth.v3.api.pb@100ms@BTCUSDT"
_MEXC_ASKS = [(f"{117145.49 + i * 0.01:.2f}", f"{0.5 + i * 0.125:.8f}") for i in range(10)]
_MEXC_BIDS = [(f"{117145.48 - i * 0.01:.2f}", f"{1.25 + i * 0.0625:.8f}") for i in range(10)]


def _mexc_frame(i: int) -> bytes:
    ns = str(time.time_ns())
    body = pb.aggre_depths(_MEXC_ASKS, _MEXC_BIDS, "spot@public.aggre.depth.v3.api.pb@100ms", ns, ns, 1754741322150)
    return pb.wrapper(_MEXC_CHANNEL, 313, body, symbol="BTCUSDT", send_time=1754741322152)


class Server:
    """Pushes ``frames`` frames to each client, one every ``gap`` seconds."""

    def __init__(self, frames: int, gap: float, make: Callable[[int], str | bytes]) -> None:
        self.frames = frames
        self.gap = gap
        self.make = make

    async def handler(self, ws: ServerConnection) -> None:
        for i in range(self.frames):
            await ws.send(self.make(i))
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


#: the full library path (manager + exchange class), where there is one for the stream
_MANAGER_RUNNERS: dict[str, Callable[[str, int], Any]] = {"gate-trades": run_manager}


def _consume_depth(bids: list[tuple[float, float]], asks: list[tuple[float, float]]) -> None:
    """The user's handler for a depth push: reads the top of each side."""
    bids[0][0] + asks[0][0]  # noqa: B018 - the work a trivial strategy does


async def run_hft_ws_mexc(url: str, frames: int) -> array[int]:
    parser = MexcSpotParser()
    lat: array[int] = array("q")
    done = asyncio.get_running_loop().create_future()

    def on_message(payload: str | bytes, recv_ts_ns: int) -> None:
        for ev in parser.parse(payload, recv_ts_ns):
            _consume_depth(ev.bids, ev.asks)
            lat.append(time.time_ns() - ev.first_seq)
        if len(lat) >= frames and not done.done():
            done.set_result(None)

    conn = await connect(url, on_message)
    await asyncio.wait_for(done, 30.0)
    await conn.close(timeout=1.0)
    return lat


async def run_websockets_mexc(url: str, frames: int) -> array[int]:
    from mexc_upb import Wrapper  # the upb baseline of the MEXC benchmarks (run-time descriptor)

    lat: array[int] = array("q")
    async with websockets.connect(url, compression=None) as ws:
        async for raw in ws:
            d = Wrapper.FromString(raw).publicAggreDepths
            bids = [(float(x.price), float(x.quantity)) for x in d.bids]
            asks = [(float(x.price), float(x.quantity)) for x in d.asks]
            _consume_depth(bids, asks)
            lat.append(time.time_ns() - int(d.fromVersion))
            if len(lat) >= frames:
                break
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


_STREAMS: dict[str, tuple[Callable[[int], str | bytes], Callable[[str, int], Any], Callable[[str, int], Any]]] = {
    "gate-trades": (_frame, run_hft_ws, run_websockets),
    "mexc-depth": (_mexc_frame, run_hft_ws_mexc, run_websockets_mexc),
}


def _serve_forever(pipe: Connection, frames: int, gap: float, stream: str) -> None:
    """The server process: reports its port through ``pipe``, serves until killed."""

    async def run() -> None:
        server = Server(frames, gap, _STREAMS[stream][0])
        async with serve(server.handler, "127.0.0.1", 0, compression=None) as srv:
            pipe.send(next(iter(srv.sockets)).getsockname()[1])
            await asyncio.Future()

    asyncio.run(run())


async def main(
    frames: int, rounds: int, gap: float, stream: str = "gate-trades", same_process: bool = False
) -> dict[str, list[tuple[float, float]]]:
    per_round = max(1, frames // rounds)
    make, ours, theirs = _STREAMS[stream]
    runners: dict[str, Callable[[str, int], Any]] = {"hft_ws": ours, "websockets": theirs}
    if stream in _MANAGER_RUNNERS:
        runners["hft_ws_mgr"] = _MANAGER_RUNNERS[stream]
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in runners}

    async def rounds_against(url: str) -> None:
        for r in range(rounds):
            order = list(runners) if r % 2 == 0 else list(reversed(runners))
            for name in order:
                lat = sorted(await runners[name](url, per_round))
                results[name].append((_pct(lat, 0.50), _pct(lat, 0.99)))

    if same_process:
        async with serve(Server(per_round, gap, make).handler, "127.0.0.1", 0, compression=None) as srv:
            await rounds_against(f"ws://127.0.0.1:{next(iter(srv.sockets)).getsockname()[1]}/")
        return results
    # the server in its own process: its sends do not queue behind the client's work
    ours_end, theirs_end = multiprocessing.Pipe()
    proc = multiprocessing.Process(target=_serve_forever, args=(theirs_end, per_round, gap, stream), daemon=True)
    proc.start()
    try:
        port = await asyncio.get_running_loop().run_in_executor(None, ours_end.recv)
        await rounds_against(f"ws://127.0.0.1:{port}/")
    finally:
        proc.kill()
        proc.join()
    return results


def cli() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frames", type=int, default=2000, help="frames per client in total (default 2000)")
    ap.add_argument("--rounds", type=int, default=6, help="alternating rounds (default 6)")
    ap.add_argument("--gap", type=float, default=0.001, help="seconds between frames (default 0.001; 0 = flood)")
    ap.add_argument("--stream", choices=sorted(_STREAMS), default="gate-trades",
                    help="gate-trades (JSON, vs websockets + json) or mexc-depth (protobuf, vs websockets + upb)")
    ap.add_argument("--server-process", action="store_true",
                    help="run the server in its own process (default: in the client's event loop, which is more "
                         "repeatable on a small shared machine; cross-process adds the kernel's wake-up latency)")
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
        res = uvloop.run(main(args.frames, args.rounds, args.gap, args.stream, not args.server_process))
    else:
        res = asyncio.run(main(args.frames, args.rounds, args.gap, args.stream, not args.server_process))
    elapsed = time.perf_counter() - t0
    print(f"stream={args.stream} loop={'uvloop' if use_uvloop else 'asyncio'} frames/client={args.frames} rounds={args.rounds} "
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
