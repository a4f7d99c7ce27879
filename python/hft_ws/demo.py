"""`make demo`: the library live against the bundled exchange simulator, with faults, and an audit.

Phase 1 (fast, ``--replay-only`` runs just this): every ``<shared>/vectors/*/replay_*`` recording through the
Rust parsers and an `OrderBook`, checked against its recorded ground truth.

Phase 2 (``--live-only`` runs just this): starts ``python -m hft_ws.sim`` as a subprocess, runs one
`WebSocketManager` with every exchange class of :data:`STREAMS` that this build has (Gate and MEXC, spot and
futures, public and private) for ``--seconds`` (env ``DEMO_SECONDS``, default 30), injects the faults of
:data:`FAULTS` on the way through the simulator's control API, and shows a live view (rich; periodic plain
lines when stdout is not a terminal): per stream messages/s, receive-to-handler latency p50/p99
(``mgr.metrics()``), gaps, resyncs, reconnects; book tops per symbol. At the end it checks every maintained
book against the simulator's truth (equal at an equal ``last_seq``), closes the manager, fetches the
simulator's sent log and runs the delivery audit (`hft_ws.sim.audit`): every sequence number sent is
delivered to the handler or covered by a reported gap/resync. Exit status 1 if a replay, a book or the
audit fails, or if a stream of this build delivered nothing.

Why a subprocess: the simulator's generators and its ``websockets`` send path would otherwise share the
client's event loop, so its work would delay the client's reads and heartbeats and the numbers would
describe both programs at once. In its own process (the machine has 2 cores) the client's loop runs only the
library and the view, like a real deployment where the exchange is elsewhere; faults, truth and the sent
log go through the simulator's HTTP control endpoints (``/_sim/fault``, ``/_sim/truth``, ``/_sim/sent``).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import dataclasses
import glob
import hashlib
import importlib
import json
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

import aiohttp

import hft_ws
from hft_ws.sim.audit import (
    AuditRecorder,
    AuditReport,
    BookCheck,
    BookProbe,
    StreamKey,
    audit,
    check_accounts,
    check_books,
)
from hft_ws.sim.core import SentRange
from hft_ws.sim.server import DEFAULT_API_KEY, DEFAULT_API_SECRET, native_symbol

# ============================================================================================ replays

PARSERS = {
    ("gateio", "spot"): "GateSpotParser",
    ("gateio", "futures"): "GateFuturesParser",
    ("mexc", "spot"): "MexcSpotParser",
    ("mexc", "futures"): "MexcFuturesParser",
}


@dataclass
class ReplayResult:
    name: str
    frames: int = 0
    seconds: float = 0.0
    kinds: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    stale: int = 0
    book_ok: bool = False
    best: str = ""


def book_sha256(book: hft_ws.OrderBook) -> str:
    rows = [f"b {p} {q}" for p, q in book.bids_str()] + [f"a {p} {q}" for p, q in book.asks_str()]
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()


def frame_payload(line: str) -> bytes:
    line = line.rstrip("\n")
    return line.encode() if line.startswith("{") else base64.b64decode(line)


def replay(exchange: str, path: str) -> ReplayResult | None:
    base = path[: -len(".pb.jsonl")] if path.endswith(".pb.jsonl") else path[: -len(".jsonl")]
    if not os.path.exists(base + ".expected.json"):
        return None
    with open(base + ".expected.json") as f:
        expected: dict[str, Any] = json.load(f)
    parser_name = PARSERS[(exchange, expected["market"])]
    if not hasattr(hft_ws, parser_name):
        return None
    parser = getattr(hft_ws, parser_name)()
    with open(os.path.join(os.path.dirname(path), expected["snapshot_file"]), "rb") as f:
        snapshot = parser.parse_snapshot(f.read(), expected["symbol"])
    with open(path) as f:
        payloads = [frame_payload(line) for line in f]
    res = ReplayResult(name=os.path.basename(path), frames=len(payloads))
    book = hft_ws.OrderBook(exchange, expected["market"], expected["symbol"])
    book.apply(snapshot)
    t0 = time.perf_counter()
    for payload in payloads:
        try:
            events = parser.parse(payload, time.time_ns())
        except hft_ws.ParseError as exc:
            res.errors[exc.kind] += 1
            continue
        for ev in events:
            res.kinds[ev.kind] += 1
            if ev.kind == "depth" and not book.apply(ev):
                res.stale += 1
    res.seconds = time.perf_counter() - t0
    final = expected["final"]
    last = final.get("last_update_id", final.get("last_version"))
    res.book_ok = book.last_seq == last and book_sha256(book) == final["book_sha256"]
    res.best = f"{book.best_bid()} / {book.best_ask()}"
    return res


def run_replays(shared: str, out: TextIO) -> bool:
    results: list[ReplayResult] = []
    skipped: list[str] = []
    for exchange in ("gateio", "mexc"):
        for path in sorted(glob.glob(os.path.join(shared, "vectors", exchange, "replay_*l"))):
            r = replay(exchange, path)
            if r is None:
                skipped.append(os.path.basename(path))
            else:
                results.append(r)
    print(f"== phase 1: replays (hft_ws {hft_ws.__version__}, {hft_ws.build_profile} build)", file=out)
    for r in results:
        rate = r.frames / r.seconds if r.seconds else 0.0
        per = 1e6 * r.seconds / r.frames if r.frames else 0.0
        kinds = ", ".join(f"{k}={n}" for k, n in sorted(r.kinds.items()))
        errors = sum(r.errors.values())
        print(f"{r.name}: {r.frames} frames, {rate:,.0f} msg/s ({per:.2f} us/frame incl. book), "
              f"{kinds}, stale={r.stale}, parse errors={errors}, "
              f"book {'matches truth' if r.book_ok else 'DIFFERS from truth'}; top {r.best}", file=out)
    for name in skipped:
        print(f"{name}: skipped (no parser for it in this build)", file=out)
    if not results:
        print(f"no replay files under {shared}/vectors", file=out)
    return bool(results) and all(r.book_ok and not r.errors for r in results)


# ============================================================================================ live

DEMO_SYMBOLS = ("BTC_USDT", "ETH_USDT", "SOL_USDT")


@dataclass(frozen=True)
class SimInfo:
    """What a stream needs from the running simulator."""

    urls: dict[tuple[str, str], dict[str, str]]
    gate_user_id: str
    symbols: tuple[str, ...]


@dataclass(frozen=True)
class StreamSpec:
    """One exchange object of the demo: the class (by module and name, so a class this build does not have
    yet is reported and skipped), its channels and how to configure it against the simulator."""

    name: str
    exchange: str
    market: str
    module: str
    cls: str
    channels: tuple[str, ...]
    private: bool = False
    #: extra constructor keywords
    extra: Callable[[SimInfo], dict[str, Any]] = field(default=lambda info: {})
    #: depth of the maintained book the class keeps (compared with the truth at that depth; None = whole book)
    book_depth: int | None = None

    def symbols(self, info: SimInfo) -> list[str]:
        return [native_symbol(self.exchange, self.market, s) for s in info.symbols]

    def kwargs(self, info: SimInfo) -> dict[str, Any]:
        urls = info.urls[(self.exchange, self.market)]
        kw: dict[str, Any] = {"symbols": self.symbols(info), "channels": list(self.channels),
                              "ws_url": urls["ws"], "rest_url": urls["rest"]}
        if self.private:
            # the simulator's fake account (never real keys)
            kw.update(api_key=DEFAULT_API_KEY, api_secret=DEFAULT_API_SECRET)
        kw.update(self.extra(info))
        return kw

    @property
    def keeps_books(self) -> bool:
        return "book" in self.channels


_GATE = "hft_ws.exchanges.gateio"
_MEXC = "hft_ws.exchanges.mexc"

#: Every stream of the demo; a class missing from this build is listed as skipped.
STREAMS: tuple[StreamSpec, ...] = (
    StreamSpec("gate spot", "gateio", "spot", _GATE, "GateSpotPublic", ("trades", "book", "book_ticker")),
    StreamSpec("gate futures", "gateio", "futures", _GATE, "GateFuturesPublic", ("trades", "book", "book_ticker")),
    StreamSpec("mexc spot", "mexc", "spot", _MEXC, "MexcSpotPublic", ("trades", "book", "book_ticker")),
    StreamSpec("mexc futures", "mexc", "futures", _MEXC, "MexcFuturesPublic", ("trades", "book", "ticker")),
    StreamSpec("gate spot private", "gateio", "spot", _GATE, "GateSpotPrivate", ("orders", "fills", "balances"),
               private=True),
    StreamSpec("gate futures private", "gateio", "futures", _GATE, "GateFuturesPrivate",
               ("orders", "fills", "balances", "positions"), private=True,
               extra=lambda info: {"user_id": info.gate_user_id}),
    StreamSpec("mexc spot private", "mexc", "spot", _MEXC, "MexcSpotPrivate", ("orders", "fills", "balances"),
               private=True),
    StreamSpec("mexc futures private", "mexc", "futures", _MEXC, "MexcFuturesPrivate",
               ("orders", "fills", "balances", "positions"), private=True),
)  # fmt: skip


@dataclass(frozen=True)
class Fault:
    """A fault at ``at`` (fraction of the run) on one simulated endpoint (``kind`` as in `Simulator.inject`,
    plus ``rest_429``: the next ``count`` REST requests of ``exchange`` get HTTP 429)."""

    at: float
    exchange: str
    market: str
    kind: str
    seconds: float = 0.0
    count: int = 1
    symbol: str | None = None

    def label(self) -> str:
        extra = f" {self.seconds:g}s" if self.seconds else (f" x{self.count}" if self.count != 1 else "")
        sym = f" {self.symbol}" if self.symbol else ""
        return f"{self.exchange} {self.market}: {self.kind}{extra}{sym}"


#: The fault schedule; all before 70 % of the run so that everything has recovered by the final checks.
#: A 429 is followed by a gap so that a REST snapshot is actually requested (and refused) while resyncing.
#: The stalls come first and are capped at 6 % of the run, so that they are over before the first
#: connection rotation (at 0.9 x ROTATE_AGE of the run): a rotation whose replacement subscribes into a
#: stall is a known Gate weakness (tests/python/test_e2e_gate.py::test_rotation_into_a_stall, xfail).
FAULTS: tuple[Fault, ...] = (
    Fault(0.06, "gateio", "futures", "stall", seconds=1.5),
    Fault(0.10, "mexc", "spot", "stall", seconds=1.0),
    Fault(0.14, "gateio", "spot", "drop"),
    Fault(0.18, "gateio", "futures", "gap", count=3),
    Fault(0.22, "mexc", "spot", "drop"),
    Fault(0.26, "gateio", "spot", "rest_429", count=4),
    Fault(0.26, "gateio", "spot", "gap", count=1, symbol="ETH_USDT"),
    Fault(0.30, "mexc", "futures", "gap", count=2),
    Fault(0.38, "gateio", "spot", "garbage", count=3),
    Fault(0.46, "gateio", "futures", "system_notice"),
    Fault(0.50, "mexc", "futures", "drop"),
    Fault(0.54, "gateio", "spot", "refuse_connects", seconds=1.5),
    Fault(0.54, "gateio", "spot", "drop"),
    Fault(0.58, "mexc", "spot", "rest_429", count=3),
    Fault(0.58, "mexc", "spot", "gap", count=1),
    Fault(0.62, "gateio", "futures", "truncated", count=1),
    Fault(0.66, "mexc", "futures", "garbage", count=2),
)
#: longest stall, as a fraction of the run
STALL_CAP = 0.06
#: longest connect refusal, as a fraction of the run
REFUSE_CAP = 0.1

#: fraction of the run after which every stream must still deliver data (all faults are over by then)
LATE_MARK = 0.8
PRIVATE_KINDS = ("order", "fill", "balance", "position")
#: every connection is replaced (make-before-break rotation, like MEXC's 24 h limit) at this age, as a
#: fraction of the run
ROTATE_AGE = 0.4


class SimProcess:
    """``python -m hft_ws.sim`` in a subprocess, driven over its HTTP control endpoints."""

    def __init__(self, symbols: Sequence[str], rate_hz: float, seed: int) -> None:
        self.args = ["--seed", str(seed), "--symbols", ",".join(symbols), "--rate-hz", f"{rate_hz:g}",
                     "--private-rate-hz", "5"]
        self.proc: asyncio.subprocess.Process | None = None
        self.urls: dict[tuple[str, str], dict[str, str]] = {}
        self.control = ""
        self.gate_user_id = ""
        self.stderr = tempfile.TemporaryFile(mode="w+")
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "hft_ws.sim", *self.args, stdout=asyncio.subprocess.PIPE, stderr=self.stderr
        )
        assert self.proc.stdout is not None
        async with asyncio.timeout(20.0):
            while not self.control:
                line = await self.proc.stdout.readline()
                if not line:
                    raise RuntimeError(f"the simulator exited: {self.stderr_tail()}")
                info = json.loads(line)
                if "control" in info:
                    self.control = info["control"]
                    self.gate_user_id = str(info["gate_user_id"])
                else:
                    self.urls[(info["exchange"], info["market"])] = {"ws": info["ws"], "rest": info["rest"]}
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5.0))

    def stderr_tail(self, n: int = 2000) -> str:
        self.stderr.seek(0)
        return self.stderr.read()[-n:]

    async def stop(self) -> None:
        if self._session is not None:
            await self._session.close()
        if self.proc is not None and self.proc.returncode is None:
            self.proc.terminate()
            try:
                async with asyncio.timeout(5.0):
                    await self.proc.wait()
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()

    async def fault(self, f: Fault) -> None:
        assert self._session is not None
        body: dict[str, Any]
        if f.kind == "rest_429":
            body = {"kind": "rest_429", "count": f.count, "exchange": f.exchange}
        else:
            body = {"exchange": f.exchange, "market": f.market, "kind": f.kind, "seconds": f.seconds,
                    "count": f.count, "symbol": f.symbol}
        async with self._session.post(f"{self.control}/fault", json=body) as resp:
            if resp.status != 200:
                raise RuntimeError(f"fault {f.label()}: HTTP {resp.status} {await resp.text()}")

    async def truth(self, exchange: str, market: str, symbol: str, depth: int | None
                    ) -> tuple[int, list[tuple[str, str]], list[tuple[str, str]]]:
        assert self._session is not None
        params = {"exchange": exchange, "market": market, "symbol": symbol}
        async with self._session.get(f"{self.control}/truth", params=params) as resp:
            t = await resp.json()
        bids = [(p, q) for p, q in t["bids"]][:depth]
        asks = [(p, q) for p, q in t["asks"]][:depth]
        return int(t["last_seq"]), bids, asks

    async def sent(self, key: StreamKey) -> list[SentRange]:
        assert self._session is not None
        params = {"exchange": key[0], "market": key[1], "symbol": key[2]}
        async with self._session.get(f"{self.control}/sent", params=params) as resp:
            body = await resp.json()
        return [SentRange(int(c), int(a), int(b), str(s)) for c, a, b, s in body["sent"]]


@dataclass
class Running:
    spec: StreamSpec
    exchange: Any
    name: str = ""  # unique per stream: the key of the metrics snapshots
    last_messages: int = 0
    rate: float = 0.0
    #: data events at LATE_MARK of the run (after the last fault): the stream must still deliver afterwards
    late_messages: int | None = None


@dataclass
class LiveResult:
    ok: bool
    lines: list[str]


def _fmt_us(v: Any) -> str:
    return "-" if v is None else f"{v:,.0f}"


def _top(book: Any) -> str:
    """Best bid and ask as the exact decimal text the exchange sent."""
    if book is None:
        return "(unsynced)"
    bb, ba = book.bids_str(1), book.asks_str(1)
    fb = f"{bb[0][0]} x {bb[0][1]}" if bb else "-"
    fa = f"{ba[0][0]} x {ba[0][1]}" if ba else "-"
    return f"{fb} | {fa}"


class LiveDemo:
    def __init__(self, seconds: float, symbols: Sequence[str], rate_hz: float, seed: int, out: TextIO,
                 plain: bool | None, legacy: Sequence[str] = (), flip_legacy: bool = False) -> None:
        self.seconds = seconds
        self.legacy = list(legacy)
        self.flip_legacy = flip_legacy
        self.symbols = tuple(symbols)
        self.sim = SimProcess(symbols, rate_hz, seed)
        self.rec = AuditRecorder()
        self.out = out
        self.running: list[Running] = []
        self.skipped: list[tuple[str, str]] = []
        self.fault_log: list[str] = []
        self.mgr: hft_ws.WebSocketManager | None = None
        self.t0 = 0.0
        self.plain = plain
        self.side: list[asyncio.Task[None]] = []

    # ---- setup ---------------------------------------------------------------------------------

    def _build(self, info: SimInfo) -> None:
        assert self.mgr is not None
        for spec in STREAMS:
            try:
                cls = getattr(importlib.import_module(spec.module), spec.cls)
            except (ImportError, AttributeError):
                self.skipped.append((spec.name, f"{spec.cls} is not in this build"))
                continue
            try:
                ex = cls(**spec.kwargs(info))
            except (TypeError, ValueError) as e:
                self.skipped.append((spec.name, f"{spec.cls}(...) refused the demo's arguments: {e}"))
                continue
            self.mgr.add(ex)
            self.running.append(Running(spec, ex))
        for r in self.running:
            r.name = r.spec.name

    def _book_of(self, r: Running, symbol: str) -> Any:
        get = getattr(r.exchange, "book", None)
        if callable(get):
            return get(symbol)
        return self.rec.books.get((r.spec.exchange, r.spec.market, symbol))

    def _getter(self, r: Running, symbol: str) -> Callable[[], Any]:
        return lambda: self._book_of(r, symbol)

    def probes(self) -> list[BookProbe]:
        out = []
        for r in self.running:
            if r.spec.keeps_books:
                for s in r.spec.symbols(SimInfo(self.sim.urls, "", self.symbols)):
                    key = (r.spec.exchange, r.spec.market, s)
                    out.append(BookProbe(key, self._getter(r, s), r.spec.book_depth))
        return out

    # ---- faults --------------------------------------------------------------------------------

    def _data_events(self, r: Running) -> int:
        """Market or account data delivered for this stream (not pongs, acks or states)."""
        if r.spec.private:
            return sum(self.rec.counts[(r.spec.exchange, r.spec.market, k)] for k in PRIVATE_KINDS)
        return sum(st.depth + st.trades for (ex, mkt, _), st in self.rec.stats.items()
                   if ex == r.spec.exchange and mkt == r.spec.market)

    async def _late_mark(self) -> None:
        await asyncio.sleep(max(0.0, self.t0 + LATE_MARK * self.seconds - asyncio.get_running_loop().time()))
        for r in self.running:
            r.late_messages = self._data_events(r)

    async def _flip(self) -> None:
        """Switches every exchange between the Rust and the legacy path at the middle of the run."""
        assert self.mgr is not None
        loop = asyncio.get_running_loop()
        await asyncio.sleep(max(0.0, self.t0 + 0.5 * self.seconds - loop.time()))
        for exchange in ("gateio", "mexc"):
            on = exchange not in self.mgr.legacy_exchanges()
            self.mgr.set_legacy(exchange, on)
            self.fault_log.append(f"{loop.time() - self.t0:5.1f}s {exchange}: {'legacy' if on else 'Rust'} path")

    async def _faults(self) -> None:
        active = {(r.spec.exchange, r.spec.market) for r in self.running if not r.spec.private}
        loop = asyncio.get_running_loop()
        for f in FAULTS:
            if (f.exchange, f.market) not in active:
                continue
            delay = self.t0 + f.at * self.seconds - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            if f.kind == "stall":
                f = dataclasses.replace(f, seconds=min(f.seconds, STALL_CAP * self.seconds))
            elif f.kind == "refuse_connects":
                # short runs: the refusal (plus the reconnect backoff after it) must end before LATE_MARK
                f = dataclasses.replace(f, seconds=min(f.seconds, REFUSE_CAP * self.seconds))
            try:
                await self.sim.fault(f)
                self.fault_log.append(f"{loop.time() - self.t0:5.1f}s {f.label()}")
            except (aiohttp.ClientError, RuntimeError, TimeoutError) as e:
                self.fault_log.append(f"{loop.time() - self.t0:5.1f}s {f.label()} FAILED: {e}")

    # ---- view ----------------------------------------------------------------------------------

    def metrics(self) -> dict[str, dict[str, Any]]:
        return {r.name: r.exchange.metrics_snapshot() for r in self.running}

    def _sample(self, dt: float) -> dict[str, dict[str, Any]]:
        assert self.mgr is not None
        # per exchange object (a sharded object's snapshot is its total over its connections)
        m = self.metrics()
        for r in self.running:
            cur = m[r.name]["messages"]
            r.rate = (cur - r.last_messages) / dt if dt > 0 else 0.0
            r.last_messages = cur
        return m

    def _stream_rows(self, m: dict[str, dict[str, Any]]) -> list[list[str]]:
        rows = []
        for r in self.running:
            x = m[r.name]
            lat = x["latency"]
            perr = sum(x["parse_errors"].values())
            rows.append([r.spec.name, "up" if x["connected"] else "DOWN", f"{r.rate:,.0f}", f"{x['messages']:,}",
                         _fmt_us(lat["p50_us"]), _fmt_us(lat["p99_us"]), str(x["gaps"]), str(x["resyncs"]),
                         str(x["reconnects"]), str(x.get("rotations", 0)), str(perr)])
        return rows

    def _book_rows(self) -> list[list[str]]:
        rows = []
        for r in self.running:
            if not r.spec.keeps_books:
                continue
            for s in r.spec.symbols(SimInfo(self.sim.urls, "", self.symbols)):
                book = self._book_of(r, s)
                st = self.rec.stats.get((r.spec.exchange, r.spec.market, s))
                rows.append([r.spec.name, s, _top(book), str(book.last_seq if book is not None else "-"),
                             str(st.gaps if st else 0), str(st.resyncs if st else 0)])
        return rows

    def _private_rows(self) -> list[str]:
        out = []
        for r in self.running:
            if r.spec.private:
                c = self.rec.counts
                counts = ", ".join(f"{k}s={c[(r.spec.exchange, r.spec.market, k)]}" for k in PRIVATE_KINDS)
                out.append(f"{r.spec.name}: {counts}")
        return out

    STREAM_COLS = ("stream", "conn", "msg/s", "messages", "p50 us", "p99 us", "gaps", "resyncs", "reconn",
                   "rotated", "parse err")
    BOOK_COLS = ("stream", "symbol", "best bid | best ask", "last_seq", "gaps", "syncs")

    def _render(self, m: dict[str, dict[str, Any]], elapsed: float) -> Any:
        from rich.console import Group
        from rich.table import Table

        t = Table(title=f"hft_ws live demo  {elapsed:4.1f}/{self.seconds:g} s  (receive -> handler latency)")
        for c in self.STREAM_COLS:
            t.add_column(c, justify="left" if c in ("stream", "conn") else "right")
        for row in self._stream_rows(m):
            t.add_row(*row)
        b = Table(title="maintained books")
        for c in self.BOOK_COLS:
            b.add_column(c, justify="left" if c in ("stream", "symbol", "best bid | best ask") else "right")
        for row in self._book_rows():
            b.add_row(*row)
        parts: list[Any] = [t, b]
        priv = self._private_rows()
        if priv:
            parts.append("private: " + " · ".join(priv))
        parts.append("faults: " + (" · ".join(self.fault_log[-6:]) if self.fault_log else "(none yet)"))
        return Group(*parts)

    def _plain(self, m: dict[str, dict[str, Any]], elapsed: float) -> None:
        print(f"[{elapsed:5.1f}s] " + " | ".join(
            f"{row[0]} {row[1]} {row[2]} msg/s p50 {row[4]} p99 {row[5]} us gaps {row[6]} resyncs {row[7]} "
            f"reconnects {row[8]} rotated {row[9]}" for row in self._stream_rows(m)), file=self.out, flush=True)

    async def _view(self, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        plain = self.plain
        if plain is None:
            plain = not (hasattr(self.out, "isatty") and self.out.isatty())
        last = loop.time()
        if plain:
            next_print = loop.time()
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 1.0)
                now = loop.time()
                m = self._sample(now - last)
                last = now
                if now >= next_print:
                    self._plain(m, now - self.t0)
                    next_print = now + 5.0
            return
        from rich.console import Console
        from rich.live import Live

        console = Console(file=self.out)
        if not console.is_terminal:
            console = Console(file=self.out, width=140)
        with Live(console=console, refresh_per_second=4, transient=False) as live:
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 0.5)
                now = loop.time()
                live.update(self._render(self._sample(now - last), now - self.t0))
                last = now

    # ---- run -----------------------------------------------------------------------------------

    async def run(self) -> LiveResult:
        await self.sim.start()
        info = SimInfo(self.sim.urls, self.sim.gate_user_id, self.symbols)
        books: list[BookCheck] = []
        report: AuditReport | None = None
        final: dict[str, dict[str, Any]] = {}
        try:
            # connections live ROTATE_AGE of the run, so each one is rotated (make-before-break) once or twice
            self.mgr = hft_ws.WebSocketManager(self.rec, ping_interval=1.0, idle_timeout=2.0, pong_timeout=2.0,
                                               backoff_base=0.1, backoff_cap=1.0, stable_after=3.0,
                                               max_connection_age=ROTATE_AGE * self.seconds,
                                               legacy={e: True for e in self.legacy})
            async with self.mgr:
                self._build(info)
                loop = asyncio.get_running_loop()
                self.t0 = loop.time()
                stop = asyncio.Event()
                view = asyncio.create_task(self._view(stop))
                faults = asyncio.create_task(self._faults())
                late = asyncio.create_task(self._late_mark())
                if self.flip_legacy:
                    self.side.append(asyncio.create_task(self._flip()))
                await self.mgr.run_for(self.seconds)
                for task in (faults, late, *self.side):
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
                books = await check_books(self.sim.truth, self.probes(), timeout=10.0)
                stop.set()
                await view
                final = self.metrics()
            # the manager is closed: the simulator's sent log is complete for this client
            keys = [p.key for p in self.probes()]
            report = audit(self.rec, {k: await self.sim.sent(k) for k in keys})
        finally:
            await self.sim.stop()
        return self._summary(final, books, report)

    def _summary(self, m: dict[str, dict[str, Any]], books: list[BookCheck], report: AuditReport | None
                 ) -> LiveResult:
        lines: list[str] = []
        elapsed = self.seconds
        path = f"legacy path: {', '.join(self.legacy)}" if self.legacy else "Rust path"
        if self.flip_legacy:
            path += ", flipped at 50 %"
        lines.append(f"== phase 2: live against the simulator ({elapsed:g} s, symbols {', '.join(self.symbols)}, "
                     f"{len(self.fault_log)} faults/events, {path})")
        hdr = ("stream", "msgs", "msg/s", "p50 us", "p90 us", "p99 us", "max us", "gaps", "resyncs", "reconn",
               "rotated", "parse err", "hdl err", "429")
        rows: list[Sequence[str]] = [hdr]
        silent: list[str] = []
        for r in self.running:
            x = m.get(r.name)
            if x is None:
                continue
            lat = x["latency"]
            data = self._data_events(r)
            if data == 0 or (r.late_messages is not None and data <= r.late_messages):
                silent.append(r.spec.name)
            rows.append((r.spec.name, f"{x['messages']:,}", f"{x['messages'] / elapsed:,.0f}",
                         _fmt_us(lat["p50_us"]), _fmt_us(lat["p90_us"]), _fmt_us(lat["p99_us"]),
                         _fmt_us(lat["max_us"]), str(x["gaps"]), str(x["resyncs"]), str(x["reconnects"]),
                         str(x.get("rotations", 0)), str(sum(x["parse_errors"].values())), str(x["handler_errors"]),
                         str(x.get("rest_429", "-"))))
        widths = [max(len(row[i]) for row in rows) for i in range(len(hdr))]
        for row in rows:
            lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths,
                                                                                                     strict=True))))
        for name, why in self.skipped:
            lines.append(f"{name}: skipped ({why})")
        for p in self._private_rows():
            lines.append(f"private {p}")
        lines.append("faults: " + ("; ".join(self.fault_log) if self.fault_log else "none"))
        lines.append("books vs simulator truth:")
        for b in books:
            lines.append(f"  {':'.join(b.key)}: {'OK' if b.ok else 'FAIL'} {b.detail}")
        ok = bool(self.running) and not silent and all(b.ok for b in books)
        if silent:
            lines.append(f"streams silent after {LATE_MARK:.0%} of the run (all faults over): {', '.join(silent)}")
        if report is not None:
            lines.append("delivery audit (every sequence number sent is delivered, or lost inside a reported "
                         "gap and covered by the resync):")
            for key, s in report.streams.items():
                lost = sum(b - a + 1 for a, b in s.unreported)
                statuses = ", ".join(f"{k} {n}" for k, n in sorted(s.sent.items()))
                lines.append(
                    f"  {':'.join(key)}: {'OK' if s.ok else 'FAIL'}  sent {s.sent_seqs} seq in "
                    f"{sum(s.sent.values())} msgs ({statuses}) -> delivered {s.delivered_seqs}, covered by a "
                    f"reported gap + resync {s.covered_seqs}, in flight at the end {s.tail}, lost unreported "
                    f"{lost}; {s.windows} loss reports, {s.syncs} syncs; trades {s.trades} (id jumps {s.trade_breaks} "
                    f"after a report, {len(s.trade_breaks_unreported)} without), book tickers {s.tickers}")
            lines.extend(f"  {p}" for p in report.problems())
            ok = ok and report.ok
        else:
            ok = False
        accounts = check_accounts(self.rec)
        if accounts:
            lines.append("private fills (each must reach the handler exactly once):")
            for acct, a in accounts.items():
                lines.append(f"  {':'.join(acct)}: {'OK' if a.ok else 'FAIL'}  fills {a.fills}, delivered twice "
                             f"{len(a.duplicates)}, id jumps {a.id_jumps} across a reconnect, "
                             f"{len(a.id_jumps_unreported)} without")
                lines.extend(f"  {p}" for p in a.problems())
            ok = ok and all(a.ok for a in accounts.values())
        tail = self.sim.stderr_tail()
        if "Traceback" in tail or "ERROR" in tail:
            lines.append("simulator stderr:\n" + tail)
        lines.append(f"live result: {'OK' if ok else 'FAILED'}")
        return LiveResult(ok, lines)


def run_live(seconds: float, symbols: Sequence[str], rate_hz: float, seed: int, out: TextIO,
             plain: bool | None, legacy: Sequence[str] = (), flip_legacy: bool = False) -> bool:
    demo = LiveDemo(seconds, symbols, rate_hz, seed, out, plain, legacy, flip_legacy)
    try:
        import uvloop

        runner: Callable[[Any], LiveResult] = uvloop.run
    except ImportError:
        runner = asyncio.run
    result = runner(demo.run())
    for line in result.lines:
        print(line, file=out)
    return result.ok


# ============================================================================================ main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m hft_ws.demo", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", default="../shared", help="path of the shared data folder (replays)")
    ap.add_argument("--seconds", type=float, default=float(os.environ.get("DEMO_SECONDS", "30")),
                    help="live phase duration (default: $DEMO_SECONDS or 30)")
    ap.add_argument("--symbols", default=",".join(DEMO_SYMBOLS), help="BASE_QUOTE names, comma-separated")
    ap.add_argument("--rate-hz", type=float, default=50.0, help="book publications per second per symbol")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--legacy", default="", help="exchanges on the legacy (pure-Python) path, e.g. mexc,gateio")
    ap.add_argument("--flip-legacy", action="store_true",
                    help="switch every exchange's path (Rust <-> legacy) at the middle of the live run")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--replay-only", action="store_true", help="phase 1 only")
    mode.add_argument("--live-only", action="store_true", help="phase 2 only")
    view = ap.add_mutually_exclusive_group()
    view.add_argument("--plain", action="store_true", default=None, help="periodic plain lines (default off a TTY)")
    view.add_argument("--rich", dest="plain", action="store_false", help="the rich live view even off a TTY")
    args = ap.parse_args(argv)
    if args.seconds <= 0:
        ap.error("--seconds must be positive")
    out = sys.stdout
    ok = True
    if not args.live_only:
        ok = run_replays(args.shared, out) and ok
    if not args.replay_only:
        symbols = [s.strip().upper() for s in args.symbols.split(",") if s.strip()]
        legacy = [e.strip() for e in args.legacy.split(",") if e.strip()]
        ok = run_live(args.seconds, symbols, args.rate_hz, args.seed, out, args.plain, legacy, args.flip_legacy) and ok
    print(f"demo: {'OK' if ok else 'FAILED'}", file=out)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
