"""The exchange contract of the manager against scripted `websockets` servers on 127.0.0.1: pong deadline,
`_prepare` failures (fatal `AuthError` vs retried), in-band auth failure, staggered connects, clean shutdown
(no task, no socket left), and the rotation handover logic on synthetic events."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from types import SimpleNamespace
from typing import Any, ClassVar

import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

import hft_ws
from hft_ws.exchanges.base import Exchange, Handover, SubRequest
from hft_ws.exchanges.gateio import GateSpotPublic
from hft_ws.sim import Simulator

from test_manager_gate import Recorder, wait_until


class Echo(Exchange):
    """A minimal exchange: ``{"sub": s}`` subscribes, ``{"ack": key}`` confirms, ``"ping"``/``"pong"``
    heartbeat, ``{"denied": ..}`` refuses the credentials in-band, anything else is an event."""

    exchange = "test"
    market = "spot"

    def __init__(self, symbols: Sequence[str], channels: Sequence[str] = ("x",), *, ws_url: str,
                 rest_url: str = "http://127.0.0.1:9", prepare: Callable[[], Awaitable[None]] | None = None) -> None:
        super().__init__(symbols, channels, ws_url=ws_url, rest_url=rest_url)
        self.prepare = prepare

    async def _prepare(self) -> None:
        if self.prepare is not None:
            await self.prepare()

    def subscription_requests(self) -> list[SubRequest]:
        return [SubRequest(f"sub:{s}", json.dumps({"sub": s}), s) for s in self.symbols]

    def ping_message(self) -> str | None:
        return "ping"

    def _handle_message(self, payload: str | bytes, recv_ts_ns: int) -> None:
        if payload == "pong":
            self._saw_pong()
            return
        msg = json.loads(payload)
        if "ack" in msg:
            self._sub_confirmed(msg["ack"])
        elif "denied" in msg:
            self._fail_fatally(hft_ws.AuthError("credentials refused"), "credentials refused")
        else:
            self._deliver("trade", SimpleNamespace(kind="trade", symbol=msg.get("s"), trade_id=msg.get("id")))


class Server:
    """Acks subscriptions; answers pings unless told not to; records accept times."""

    def __init__(self, answer_pings: Callable[[int], bool] = lambda n: True, deny: bool = False) -> None:
        self.answer_pings = answer_pings
        self.deny = deny
        self.accepts: list[float] = []
        self.subs: list[str] = []
        self.pings = 0
        self.conns: list[ServerConnection] = []

    async def handler(self, ws: ServerConnection) -> None:
        self.accepts.append(time.monotonic())
        n = len(self.accepts)
        self.conns.append(ws)
        try:
            async for raw in ws:
                if raw == "ping":
                    self.pings += 1
                    if self.answer_pings(n):
                        await ws.send("pong")
                    continue
                sym = json.loads(raw)["sub"]
                self.subs.append(sym)
                await ws.send(json.dumps({"denied": True} if self.deny else {"ack": f"sub:{sym}"}))
        except ConnectionClosed:
            pass


@asynccontextmanager
async def scripted(server: Server) -> AsyncIterator[str]:
    async with serve(server.handler, "127.0.0.1", 0, compression=None, ping_interval=None) as srv:
        port = next(iter(srv.sockets)).getsockname()[1]
        yield f"ws://127.0.0.1:{port}/"


def run(body: Callable[[], Awaitable[None]]) -> None:
    async def main() -> None:
        async with asyncio.timeout(30.0):
            await body()

    asyncio.run(main())


# ---- heartbeat -------------------------------------------------------------------------------------


def test_pong_deadline_drops_and_reconnects() -> None:
    rec = Recorder()
    server = Server(answer_pings=lambda n: n > 1)  # the first connection swallows the pings

    async def body() -> None:
        async with scripted(server) as url:
            mgr = hft_ws.WebSocketManager(rec, ping_interval=0.1, pong_timeout=0.2, idle_timeout=None)
            async with mgr:
                mgr.add(Echo(["A", "B"], ws_url=url))
                await wait_until(lambda: rec.count("pong_timeout") == 1, 5.0)
                await wait_until(lambda: len(server.accepts) == 2, 5.0)
                pings = server.pings
                await wait_until(lambda: server.pings >= pings + 5, 5.0)  # answered now: no more drops
                m = next(iter(mgr.metrics().values()))
                assert m["reconnects"] == 1 and m["connected"] and rec.count("pong_timeout") == 1
                assert m["subscriptions"] == {"pending": 0, "confirmed": 2, "failed": 0}
        assert server.subs == ["A", "B", "A", "B"]  # resubscribed on the new connection

    run(body)
    drop = next(s for s in rec.states if s.state == "pong_timeout")
    assert drop.reason == "no pong within 0.2 s"


# ---- _prepare and credentials ----------------------------------------------------------------------


def test_prepare_auth_error_stops_for_good() -> None:
    rec = Recorder()
    server = Server()
    calls: list[float] = []

    async def refuse() -> None:
        calls.append(time.monotonic())
        raise hft_ws.AuthError("listenKey refused (HTTP 401)")

    async def body() -> None:
        async with scripted(server) as url:
            async with hft_ws.WebSocketManager(rec, backoff_base=0.01) as mgr:
                mgr.add(Echo(["A"], ws_url=url, prepare=refuse))
                await wait_until(lambda: rec.count("auth_failed") == 1, 5.0)
                task = mgr._slots[0].task
                assert task is not None
                await wait_until(task.done, 5.0)  # the connection loop ended: no retry can follow
                assert not mgr.metrics()["test:spot:Echo:0"]["connected"]
        assert server.accepts == [] and len(calls) == 1

    run(body)
    assert [e for e in rec.errors if isinstance(e, hft_ws.AuthError)]
    assert rec.count("connected") == 0 and rec.count("connect_failed") == 0


def test_in_band_auth_failure_stops_for_good() -> None:
    rec = Recorder()
    server = Server(deny=True)

    async def body() -> None:
        async with scripted(server) as url:
            async with hft_ws.WebSocketManager(rec, backoff_base=0.01) as mgr:
                mgr.add(Echo(["A"], ws_url=url))
                await wait_until(lambda: rec.count("auth_failed") == 1, 5.0)
                task = mgr._slots[0].task
                assert task is not None
                await wait_until(task.done, 5.0)
                assert mgr.metrics()["test:spot:Echo:0"]["reconnects"] == 0
        assert len(server.accepts) == 1

    run(body)
    assert sum(isinstance(e, hft_ws.AuthError) for e in rec.errors) == 1
    assert rec.count("disconnected") == 1


def test_prepare_errors_retried_with_backoff() -> None:
    rec = Recorder()
    server = Server()
    calls: list[float] = []

    async def flaky() -> None:
        calls.append(time.monotonic())
        if len(calls) <= 3:
            raise RuntimeError(f"listenKey REST call failed ({len(calls)})")

    async def body() -> None:
        async with scripted(server) as url:
            async with hft_ws.WebSocketManager(rec, backoff_base=0.05, backoff_cap=0.1) as mgr:
                mgr.add(Echo(["A"], ws_url=url, prepare=flaky))
                await wait_until(lambda: rec.count("subscribed") == 1, 5.0)
                assert next(iter(mgr.metrics().values()))["reconnects"] == 3
        assert len(server.accepts) == 1

    run(body)
    assert len(calls) == 4 and rec.count("connect_failed") == 3
    assert sum(isinstance(e, RuntimeError) for e in rec.errors) == 3
    assert all(s.state != "auth_failed" for s in rec.states)
    assert calls[-1] - calls[0] < 1.0  # backoff capped at 0.1 s (the first retry is immediate)


# ---- staggered connects -------------------------------------------------------------------------------


def test_connects_are_staggered() -> None:
    rec = Recorder()
    server = Server()

    async def body() -> None:
        async with scripted(server) as url:
            async with hft_ws.WebSocketManager(rec, connect_stagger=0.1, backoff_base=0.01) as mgr:
                for sym in "ABCD":
                    mgr.add(Echo([sym], ws_url=url))
                await wait_until(lambda: rec.count("subscribed") == 4, 5.0)
                first = list(server.accepts)
                for ws in list(server.conns):  # drop them all at once: the reconnects are spaced too
                    ws.transport.abort()
                await wait_until(lambda: rec.count("subscribed") == 8, 5.0)
        for times in (first, server.accepts[4:]):
            gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
            assert len(gaps) == 3 and min(gaps) >= 0.07, gaps
            assert times[-1] - times[0] < 1.5

    run(body)


def test_no_stagger_connects_together() -> None:
    rec = Recorder()
    server = Server()

    async def body() -> None:
        async with scripted(server) as url:
            async with hft_ws.WebSocketManager(rec, connect_stagger=0.0) as mgr:
                for sym in "ABCD":
                    mgr.add(Echo([sym], ws_url=url))
                await wait_until(lambda: rec.count("subscribed") == 4, 5.0)
        # with a 0.1 s stagger these span >= 0.3 s
        assert server.accepts[-1] - server.accepts[0] < 0.25

    run(body)


# ---- clean shutdown ---------------------------------------------------------------------------------


def client_sockets(server_ports: set[int]) -> int:
    """Sockets of this process whose peer is one of ``server_ports`` (the client ends)."""
    n = 0
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        try:
            if not os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
                continue
            sock = socket.socket(fileno=fd)
        except OSError:
            continue
        try:
            peer = sock.getpeername()
            if isinstance(peer, tuple) and peer[1] in server_ports:
                n += 1
        except OSError:
            pass
        finally:
            sock.detach()
    return n


def library_tasks() -> list[asyncio.Task[Any]]:
    """Pending tasks running hft_ws code other than the simulator's."""
    out = []
    for task in asyncio.all_tasks():
        coro = task.get_coro()
        code = getattr(coro, "cr_code", None)
        path = code.co_filename if code is not None else ""
        if "hft_ws" in path and f"hft_ws{os.sep}sim" not in path and not task.done():
            out.append(task)
    return out


class Limited(GateSpotPublic):
    max_subscriptions: ClassVar[int | None] = 2


def test_clean_shutdown_leaves_no_tasks_or_sockets() -> None:
    rec = Recorder()
    symbols = ["BTC_USDT", "ETH_USDT", "SOL_USDT"]

    async def body() -> None:
        async with Simulator(seed=4, symbols=symbols, rate_hz=50) as sim:
            urls = sim.urls[("gateio", "spot")]
            ports = {int(u.rsplit(":", 1)[1].split("/")[0]) for d in sim.urls.values() for u in d.values()}
            assert library_tasks() == []
            mgr = hft_ws.WebSocketManager(rec, ping_interval=0.1, max_connection_age=0.6, rotation_timeout=2.0)
            await mgr.__aenter__()
            ex = Limited(symbols, ["trades", "book"], ws_url=urls["ws"], rest_url=urls["rest"])
            mgr.add(ex)
            await wait_until(lambda: all(ex.book(s) is not None for s in symbols), 10.0)
            await wait_until(lambda: rec.count("rotating") >= 4, 10.0)  # some rotation may be under way
            assert client_sockets(ports) >= 3  # the check sees the client ends: 3 WebSockets (+ REST)
            assert library_tasks() != []
            await mgr.close()
            assert library_tasks() == []
            assert all(not s.ex._tasks for s in mgr._slots) and not ex._tasks
            await wait_until(lambda: client_sockets(ports) == 0, 2.0)
            assert all(not m["connected"] for m in mgr.metrics().values())

    run(body)


# ---- rotation handover (unit) -----------------------------------------------------------------------


def depth(sym: str, first: int, last: int) -> SimpleNamespace:
    return SimpleNamespace(kind="depth", symbol=sym, first_seq=first, last_seq=last)


def trade(sym: str, tid: int) -> SimpleNamespace:
    return SimpleNamespace(kind="trade", symbol=sym, trade_id=str(tid))


class Sink(hft_ws.Handler):
    def __init__(self) -> None:
        self.seen: list[Any] = []

    def on_event(self, event: Any) -> None:
        self.seen.append(event)


def test_handover_sequenced_bridge_and_dedupe() -> None:
    ex = Echo(["A"], ws_url="ws://127.0.0.1:9/")
    sink = Sink()
    ex._bind(sink)
    h = Handover(ex)
    h.begin()
    ex._deliver("depth", depth("A", 1, 10))
    assert not h.ready()  # nothing on the new connection yet
    h.note_new(depth("A", 12, 13))
    h.confirmed = True
    assert not h.ready()  # the old one has not reached 11 yet: switching now would lose 11
    ex._deliver("depth", depth("A", 11, 11))
    assert h.ready()
    ex._deliver("depth", depth("A", 12, 13))
    ex._deliver("depth", depth("A", 14, 15))
    assert not h.ready()  # the old one is ahead (15) of the new one (13)
    h.note_new(depth("A", 14, 15))
    assert h.ready()
    h.switch()
    for ev in (depth("A", 12, 13), depth("A", 14, 15), depth("A", 16, 16)):  # the replay
        ex._deliver("depth", ev)
    ex._deliver("state", hft_ws.StateChange("test", "spot", "rotated", None, None))
    assert [(e.first_seq, e.last_seq) for e in sink.seen if e.kind == "depth"] == [
        (1, 10), (11, 11), (12, 13), (14, 15), (16, 16)]
    assert ex.metrics.handover_duplicates == 2 and sink.seen[-1].kind == "state"
    h.end()
    assert "_deliver" not in ex.__dict__  # the class's method again: no cost after the handover
    ex._deliver("depth", depth("A", 16, 16))
    assert len([e for e in sink.seen if e.kind == "depth"]) == 6


def test_handover_unsequenced_by_trade_id() -> None:
    ex = Echo(["A"], ws_url="ws://127.0.0.1:9/")
    sink = Sink()
    ex._bind(sink)
    h = Handover(ex)
    h.begin()
    for tid in (5, 6):
        ex._deliver("trade", trade("A", tid))
    h.note_new(trade("A", 7))
    assert not h.ready()  # the new connection starts at 7, which the old one has not delivered
    h.confirmed = True
    ex._deliver("trade", trade("A", 7))
    ex._deliver("trade", trade("A", 8))
    assert not h.ready()  # the new one has not caught up with 8
    h.note_new(trade("A", 8))
    assert h.ready()
    h.switch()
    for tid in (7, 8, 9):
        ex._deliver("trade", trade("A", tid))
    assert [int(e.trade_id) for e in sink.seen] == [5, 6, 7, 8, 9]
    # a later handover's end() is not undone by an older one's
    h2 = Handover(ex)
    h2.begin()
    h.end()
    assert ex.__dict__["_deliver"] == h2.deliver_old
    h2.end()
    assert "_deliver" not in ex.__dict__


# ---- sharding plan (unit) ---------------------------------------------------------------------------


class Weighted(Echo):
    """A login (shared by every shard) plus one two-channel request per symbol."""

    max_subscriptions: ClassVar[int | None] = 5

    def subscription_requests(self) -> list[SubRequest]:
        login = SubRequest("login", json.dumps({"login": 1}), None, "login")
        return [login] + [SubRequest(f"sub:{s}", json.dumps({"sub": s}), s, weight=2) for s in self.symbols]


def test_shard_plan_counts_weights_and_shared_requests() -> None:
    rec = Recorder()
    mgr = hft_ws.WebSocketManager(rec)
    ex = Weighted(list("ABCDE"), ws_url="ws://127.0.0.1:9/")
    assert mgr.add(ex) is ex
    assert [s.ex.symbols for s in mgr._slots] == [["A", "B"], ["C", "D"], ["E"]]  # 1 + 2 * 2 <= 5
    assert all(type(s.ex) is Weighted and s.ex.ws_url == ex.ws_url for s in mgr._slots)
    assert list(mgr.metrics()) == ["test:spot:Weighted:0.0", "test:spot:Weighted:0.1", "test:spot:Weighted:0.2"]
    fits = Weighted(list("AB"), ws_url="ws://127.0.0.1:9/")
    mgr.add(fits)
    assert mgr._slots[-1].ex is fits and "test:spot:Weighted:1" in mgr.metrics()
    # before any connection: the facade sums its shards' pending subscriptions (none sent yet)
    assert ex.metrics_snapshot()["subscriptions"] == {"pending": 0, "confirmed": 0, "failed": 0}
    assert ex.metrics_snapshot()["shards"] == 3 and ex.metrics_snapshot()["connected"] is False


def test_shard_needs_a_symbols_argument() -> None:
    class Account(Echo):
        max_subscriptions: ClassVar[int | None] = 1

        def __init__(self, *, ws_url: str) -> None:
            super().__init__(["A", "B"], ws_url=ws_url)

    with pytest.raises(ValueError, match="takes no 'symbols' argument"):
        hft_ws.WebSocketManager(Recorder()).add(Account(ws_url="ws://127.0.0.1:9/"))


def test_metrics_keys_as_documented() -> None:
    mgr = hft_ws.WebSocketManager(Recorder())
    mgr.add(Echo(["A"], ws_url="ws://127.0.0.1:9/"))
    m = mgr.metrics()["test:spot:Echo:0"]
    assert set(m) == {
        "frames", "messages", "bytes", "events", "handler_errors", "parse_errors", "reconnects", "connects",
        "rotations", "rotations_forced", "rotation_failures", "handover_duplicates", "gaps", "resyncs",
        "snapshot_errors", "rest_requests", "rest_429", "rest_retries", "rest_failures", "subscription_failures",
        "resubscribes", "subscriptions", "latency", "connected",
    }
    assert m["latency"] == {"samples": 0, "p50_us": None, "p90_us": None, "p99_us": None, "max_us": None}
    assert m["subscriptions"] == {"pending": 0, "confirmed": 0, "failed": 0} and m["connected"] is False
    doc = hft_ws.WebSocketManager.metrics.__doc__ or ""
    assert all(f"``{key}``" in doc for key in m)


def test_recorded_constructor_arguments_never_shown() -> None:
    class Keyed(Echo):
        def __init__(self, symbols: Sequence[str], *, ws_url: str, api_secret: str) -> None:
            super().__init__(symbols, ws_url=ws_url)
            self._secret_len = len(api_secret)  # what the class keeps is its own business

    secret = "sk-0123456789abcdef-SECRET"
    ex = Keyed(["A", "B"], ws_url="ws://127.0.0.1:9/", api_secret=secret)
    shard = ex._clone(["B"])
    assert shard.symbols == ["B"] and shard._secret_len == len(secret)  # type: ignore[attr-defined]
    for obj in (ex, shard):
        assert secret not in repr(vars(obj)) + repr(obj) + str(obj)
    assert repr(ex._ctor) == "<constructor arguments>"
