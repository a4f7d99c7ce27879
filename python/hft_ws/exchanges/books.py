"""`BookKeeper`: the maintained order books of one public exchange object (shared by Gate and MEXC), and
`BookStreams`, the exchange base class of the public classes that wires it (and their REST client) in.

One sync object per symbol (`hft_ws.BookSync`, or the pure-Python twin on the legacy path), REST
snapshot fetches with capped backoff until one bridges the buffered diffs, gap / overflow reporting, and
``on_book`` only with synced books. The parser comes from ``owner._parser`` and the sync objects are
looked up per use, so `hft_ws.legacy.set_path` can swap both between two messages (even while a
snapshot fetch is in flight).
"""

from __future__ import annotations

import asyncio
from abc import abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aiohttp

from hft_ws._core import BookSync
from hft_ws.errors import HftWsError
from hft_ws.exchanges.base import Exchange, Sender
from hft_ws.rest import RestClient

__all__ = ["BookKeeper", "BookStreams"]


class BookKeeper:
    """Books of ``owner``'s ``symbols``; ``fetch(symbol)`` returns a REST snapshot body."""

    def __init__(
        self,
        owner: Exchange,
        symbols: Sequence[str],
        fetch: Callable[[str], Awaitable[bytes]],
    ) -> None:
        self.owner = owner
        self.fetch = fetch
        #: symbol -> sync object; replaced in place when the parse path flips
        self.syncs: dict[str, Any] = {s: BookSync(owner.exchange, owner.market, s) for s in symbols}
        self.fetching: set[str] = set()

    def __bool__(self) -> bool:
        return bool(self.syncs)

    def connected(self) -> None:
        """Subscribe time: start buffering; the snapshot is requested once a diff is buffered."""
        for sync in self.syncs.values():
            sync.reset()
            sync.start()
        self.fetching.clear()

    def disconnected(self) -> None:
        self.fetching.clear()
        for sym, sync in self.syncs.items():
            if sync.is_synced:
                self.owner._state("unsynced", "disconnected", sym)
            sync.reset()

    def book(self, symbol: str) -> Any:
        """The maintained book of ``symbol`` while synced, else ``None``."""
        sync = self.syncs.get(symbol)
        return None if sync is None else sync.book

    def on_diff(self, ev: Any) -> None:
        """One depth update of the stream (a symbol without a maintained book is ignored)."""
        symbol = ev.symbol
        sync = self.syncs.get(symbol) if symbol is not None else None
        if sync is None:
            return
        owner = self.owner
        try:
            outcome = sync.on_diff(ev)
        except HftWsError as e:
            owner._report_error(e)
            return
        if outcome == "applied" or outcome == "synced":
            if outcome == "synced":
                owner._state("synced", "snapshot push", symbol)
            book = sync.book
            if book is not None:
                owner._deliver("book", book)
        elif outcome == "gap" or outcome == "overflow":
            owner.metrics.gaps += 1
            gap = sync.last_gap
            reason = f"expected {gap[0]}, got {gap[1]}" if outcome == "gap" and gap else outcome
            owner._state("gap", reason, symbol)
        if sync.needs_snapshot and symbol not in self.fetching and owner._send is not None:
            self.fetching.add(symbol)
            owner._spawn(self._resync(symbol))

    async def _resync(self, symbol: str) -> None:
        """Fetches snapshots until one bridges the buffered diffs (a snapshot older than the first
        buffered diff is fetched again), with capped backoff between tries."""
        owner = self.owner
        owner._state("resyncing", None, symbol)
        delay = 0.05
        try:
            while owner._send is not None and self.syncs[symbol].needs_snapshot:
                try:
                    body = await self.fetch(symbol)
                    # parser and sync looked up after the await: the path may have flipped meanwhile
                    snap = owner._parser.parse_snapshot(body, symbol)
                    sync = self.syncs[symbol]
                    outcome = sync.on_snapshot(snap)
                except (HftWsError, aiohttp.ClientError, TimeoutError) as e:
                    owner.metrics.snapshot_errors += 1
                    owner._report_error(e)
                    outcome = "error"
                if outcome == "synced":
                    owner.metrics.resyncs += 1
                    owner._state("synced", "snapshot", symbol)
                    book = sync.book
                    if book is not None:
                        owner._deliver("book", book)
                    return
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
        finally:
            self.fetching.discard(symbol)


class BookStreams(Exchange):
    """Base of the public exchange classes: the books of the ``book`` channel's symbols (`BookKeeper`)
    and a rate-limited REST client for their snapshots, tied to the connection's lifecycle. Subclasses
    call `_init_books` in ``__init__`` and say where a snapshot comes from (`_snapshot_request`)."""

    _books: BookKeeper
    _rest: RestClient

    def _init_books(self, *, rate: float, timeout: float) -> None:
        """``rate``: REST requests per second (also the burst), below the exchange's documented limit."""
        self._rest = RestClient(self.rest_url, rate=rate, burst=int(rate), timeout=timeout, metrics=self.metrics)
        self._books = BookKeeper(self, self.symbols if "book" in self.channels else (), self._fetch_snapshot)

    @abstractmethod
    def _snapshot_request(self, symbol: str) -> tuple[str, dict[str, str]]:
        """The REST path and query parameters of ``symbol``'s order-book snapshot."""

    async def _fetch_snapshot(self, symbol: str) -> bytes:
        path, params = self._snapshot_request(symbol)
        status, body = await self._rest.get(path, params)
        if status != 200:
            raise HftWsError(f"snapshot {symbol}: HTTP {status}")
        return body

    def _connected(self, send: Sender) -> None:
        # subscribe time: start buffering; a snapshot is requested once a diff is buffered
        self._books.connected()
        super()._connected(send)

    def _disconnected(self) -> None:
        super()._disconnected()
        self._books.disconnected()

    async def _aclose(self) -> None:
        await super()._aclose()
        await self._rest.close()

    def book(self, symbol: str) -> Any:
        """The maintained `OrderBook` of ``symbol`` while synced, else ``None``."""
        return self._books.book(symbol)
