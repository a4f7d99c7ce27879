"""Connections, subscriptions, fan-out and fault state shared by the simulator's endpoints."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from .book import BookGen, ExactBook, canonical

if TYPE_CHECKING:
    from .server import Simulator

Frame = str | bytes
# (frame, first_seq, last_seq); seq None for frames without a sequence
Out = tuple[Frame, int | None, int | None]

SLOW_CONSUMER_CLOSE = 1008


def now_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass(frozen=True, slots=True)
class SentRange:
    """One depth publication towards one connection. ``status``: ``sent`` (intact frame queued), ``full`` (Gate
    ``full: true`` push: the whole book, replacing the client's; ``first_seq`` is the batch start, so the range
    ``first_seq..U-1`` is covered by the snapshot rather than sent as a diff), ``skipped``
    (gap fault: never sent), ``truncated`` (sent cut short), ``stalled`` (stall fault: never sent),
    ``slow`` (dropped because the connection was being closed as a slow consumer)."""

    conn_id: int
    first_seq: int
    last_seq: int
    status: str


@dataclass(slots=True)
class Sub:
    kind: str  # "depth", "trades", "book_ticker", "limit_depth", "orders", ...
    symbol: str | None  # native symbol, "!all", or None (account-wide)
    variant: Hashable = None  # what makes frames differ between subscribers (channel string, level, compress...)
    params: dict[str, Any] = field(default_factory=dict)


_conn_ids = itertools.count(1)


class Conn:
    """One client connection: an outgoing queue drained by a writer task, so a slow client never blocks
    the publishers; a queue longer than the limit closes the connection as a slow consumer."""

    def __init__(self, ep: Endpoint, ws: ServerConnection) -> None:
        self.id = next(_conn_ids)
        self.ep = ep
        self.ws = ws
        self.queue: deque[Frame] = deque()
        self.wake = asyncio.Event()
        self.subs: dict[Hashable, Sub] = {}
        self.index: dict[tuple[str, str | None], list[Sub]] = {}
        self.closing = False
        self.connected_at = time.monotonic()
        self.last_client_msg = time.monotonic()
        self.state: dict[str, Any] = {}
        self.writer: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------------------- subscriptions
    def add_sub(self, key: Hashable, sub: Sub) -> bool:
        """Register a subscription; ``False`` if ``key`` already exists."""
        if key in self.subs:
            return False
        self.subs[key] = sub
        self.index.setdefault((sub.kind, sub.symbol), []).append(sub)
        return True

    def remove_sub(self, key: Hashable) -> Sub | None:
        sub = self.subs.pop(key, None)
        if sub is not None:
            lst = self.index.get((sub.kind, sub.symbol), [])
            if sub in lst:
                lst.remove(sub)
            if not lst:
                self.index.pop((sub.kind, sub.symbol), None)
        return sub

    def matching(self, kind: str, symbol: str | None) -> list[Sub]:
        out = list(self.index.get((kind, symbol), ()))
        if symbol is not None and symbol != "!all":
            out.extend(self.index.get((kind, "!all"), ()))
        return out

    # ------------------------------------------------------------------------------------- output
    def send(self, frame: Frame) -> bool:
        """Queue a frame; ``False`` when it was not queued (closing, stalled, slow consumer)."""
        if self.closing:
            return False
        if self.ep.stalled():
            return False
        if len(self.queue) >= self.ep.sim.slow_consumer_limit:
            self.close_soon(SLOW_CONSUMER_CLOSE, "slow consumer")
            return False
        self.queue.append(frame)
        self.wake.set()
        return True

    async def run_writer(self) -> None:
        try:
            while True:
                await self.wake.wait()
                self.wake.clear()
                while self.queue:
                    frame = self.queue.popleft()
                    await self.ws.send(frame)
        except ConnectionClosed:
            pass

    def close_soon(self, code: int = 1000, reason: str = "", *, text_first: str | None = None) -> None:
        if self.closing:
            return
        self.closing = True
        self.queue.clear()
        self.ep.sim.spawn(self._close(code, reason, text_first))

    async def _close(self, code: int, reason: str, text_first: str | None) -> None:
        try:
            if text_first is not None:
                await self.ws.send(text_first)
            await self.ws.close(code, reason)
        except ConnectionClosed:
            pass

    def abort(self) -> None:
        """Drop the TCP connection without a close frame (a network failure)."""
        self.closing = True
        self.queue.clear()
        self.ws.transport.abort()


class Source:
    """Market data for one (endpoint, symbol): generated or replayed. Levels as wire text, best first."""

    symbol: str

    def snapshot(self, depth: int | None) -> tuple[int, list[tuple[str, str]], list[tuple[str, str]]]:
        raise NotImplementedError

    def truth(self, depth: int | None = None) -> tuple[int, list[tuple[str, str]], list[tuple[str, str]]]:
        seq, bids, asks = self.snapshot(depth)
        return seq, [(canonical(p), canonical(q)) for p, q in bids], [(canonical(p), canonical(q)) for p, q in asks]


class GenSource(Source):
    def __init__(self, symbol: str, gen: BookGen) -> None:
        self.symbol = symbol
        self.gen = gen

    def snapshot(self, depth: int | None) -> tuple[int, list[tuple[str, str]], list[tuple[str, str]]]:
        g = self.gen
        return (
            g.seq,
            [(g.price_text(p), g.qty_text(q)) for p, q in g.sorted_bids(depth)],
            [(g.price_text(p), g.qty_text(q)) for p, q in g.sorted_asks(depth)],
        )


class ReplaySource(Source):
    def __init__(self, symbol: str, book: ExactBook) -> None:
        self.symbol = symbol
        self.book = book

    def snapshot(self, depth: int | None) -> tuple[int, list[tuple[str, str]], list[tuple[str, str]]]:
        b = self.book
        return b.seq, b.sorted_bids(depth), b.sorted_asks(depth)


class Endpoint:
    """One (exchange, market) WebSocket endpoint with its fault state."""

    exchange = ""
    market = ""
    path = "/"

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.conns: set[Conn] = set()
        self.sources: dict[str, Source] = {}
        self.sent: dict[str, list[SentRange]] = {}
        self.stall_until = 0.0
        self.refuse_until = 0.0
        self.gap_until = 0.0
        self.gap_pending: dict[str | None, int] = {}
        self.trunc_pending: dict[str | None, int] = {}
        self.full_pending: dict[str | None, int] = {}

    # ---------------------------------------------------------------------------- fault helpers
    def stalled(self) -> bool:
        return time.monotonic() < self.stall_until

    def refusing(self) -> bool:
        return time.monotonic() < self.refuse_until

    def _take(self, pending: dict[str | None, int], symbol: str) -> bool:
        for key in (symbol, None):
            n = pending.get(key, 0)
            if n > 0:
                pending[key] = n - 1
                return True
        return False

    # ---------------------------------------------------------------------------- protocol hooks
    async def on_connect(self, conn: Conn) -> bool:
        """Called after the handshake; return False to end the connection (already closed by the hook)."""
        return True

    def on_message(self, conn: Conn, message: Frame) -> None:
        raise NotImplementedError

    def on_disconnect(self, conn: Conn) -> None:
        return None

    def housekeeping(self, conn: Conn) -> None:
        """Called about once a second per connection (timeouts, key expiry)."""
        return

    def publish_batch(self, src: GenSource, batch: Any) -> None:
        raise NotImplementedError

    def publish_replay(self, src: ReplaySource, frame: Frame, kind: str, first: int | None, last: int | None) -> None:
        self.fanout(kind, src.symbol, lambda sub: [(frame, first, last)], is_seq=first is not None)

    def garbage_frame(self) -> Frame:
        raise NotImplementedError

    def oversized_frame(self, size: int) -> Frame:
        raise NotImplementedError

    async def system_notice(self, seconds: float) -> None:
        raise NotImplementedError

    def is_symbol(self, symbol: str) -> bool:
        return symbol in self.sources

    # ------------------------------------------------------------------------------------- fan-out
    def fanout(
        self,
        kind: str,
        symbol: str,
        build: Callable[[Sub], list[Out]],
        *,
        is_seq: bool,
        variant: Callable[[Sub], Hashable] | None = None,
        sent_status: str = "sent",
    ) -> None:
        """Send to every subscriber of (kind, symbol). Sequenced publications honour gap/truncation faults
        and are written to the sent log."""
        targets = [(c, s) for c in self.conns if not c.closing for s in c.matching(kind, symbol)]
        if not targets:
            return
        skip = trunc = False
        if is_seq:
            skip = time.monotonic() < self.gap_until or self._take(self.gap_pending, symbol)
            trunc = not skip and self._take(self.trunc_pending, symbol)
        cache: dict[Hashable, list[Out]] = {}
        log = self.sent.setdefault(symbol, []) if is_seq else None
        for conn, sub in targets:
            key = variant(sub) if variant is not None else sub.variant
            outs = cache.get(key)
            if outs is None:
                outs = build(sub)
                cache[key] = outs
            for frame, first, last in outs:
                if skip:
                    status = "skipped"
                else:
                    if trunc:
                        frame = frame[: max(1, len(frame) // 2)]
                    stalled = self.stalled()
                    ok = conn.send(frame)
                    status = ("truncated" if trunc else sent_status) if ok else ("stalled" if stalled else "slow")
                if log is not None and first is not None and last is not None:
                    log.append(SentRange(conn.id, first, last, status))
                    if len(log) > self.sim.sent_log_limit:
                        del log[: len(log) // 2]

    def wanted(self, symbol: str) -> bool:
        """Whether any open connection subscribes to something about ``symbol`` (skip building frames if not)."""
        for conn in self.conns:
            if not conn.closing:
                for _kind, sym in conn.index:
                    if sym == symbol or sym == "!all":
                        return True
        return False

    def broadcast(self, frame: Frame) -> None:
        for conn in list(self.conns):
            conn.send(frame)

    def private_targets(self, kinds: Iterable[str], symbol: str | None) -> list[tuple[Conn, Sub]]:
        out: list[tuple[Conn, Sub]] = []
        for conn in self.conns:
            if conn.closing:
                continue
            for kind in kinds:
                out.extend((conn, s) for s in conn.matching(kind, symbol))
        return out
