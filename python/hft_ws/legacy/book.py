"""Pure-Python L2 order book and per-symbol sync machine of the legacy path.

Same rules, outcomes, errors, bounds and read API as the Rust ``hft_ws.OrderBook`` /
``hft_ws.BookSync`` (``rust/src/book/``, ``rust/src/python/book.rs``):

- ``OrderBook.apply(update)``: a snapshot replaces the book; for a diff with ``L = last_seq``,
  ``last_seq <= L`` is stale (``False``), ``first_seq > L + 1`` raises ``SequenceGap`` (book
  unchanged, not synced), otherwise the absolute levels are applied (qty 0 removes). Levels are
  exact decimals (38 digits, 30 fraction digits), price > 0, qty >= 0, at most ``max_levels`` per side
  (``BufferOverflow``). Reads give floats or canonical text (``"60000"``, ``"0.0125"``).
- ``BookSync``: ``unsynced → buffering → synced``; outcomes ``"applied"``, ``"synced"``, ``"stale"``,
  ``"buffered"``, ``"snapshot_too_old"``, ``"gap"``, ``"overflow"``.

``to_rust`` / ``from_rust`` move a book (levels + last sequence id + phase) between the Rust and
the Python objects so a running exchange can switch paths without losing its book.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import deque
from collections.abc import Iterable
from typing import Any

from hft_ws.errors import BufferOverflow, ParseError, SequenceGap
from hft_ws.legacy import num
from hft_ws.legacy.events import DepthUpdate as _LegacyDepth

DEFAULT_MAX_LEVELS = 20_000
DEFAULT_MAX_BUFFER = 10_000
_EXCHANGES = ("mexc", "gateio")
_MARKETS = ("spot", "futures")
_KEY_SCALE = num.MAX_SCALE  # level keys: value * 10**30 as an int (exact, totally ordered)
_U64_MAX = (1 << 64) - 1

# text -> (key, canonical text, sign) of every level text seen; bounded (cleared when full)
_CACHE: dict[str, tuple[int, str, int]] = {}
_CACHE_MAX = 200_000


class _BookError(Exception):
    """A ``BookError`` of book/mod.rs: ``kind`` picks the Python exception (see ``_raise``)."""

    def __init__(self, kind: str, msg: str, expected: int = 0, got: int = 0) -> None:
        super().__init__(msg)
        self.kind = kind
        self.expected = expected
        self.got = got


def _raise(e: _BookError, who: str) -> None:
    msg = f"{who}: {e}"
    if e.kind == "gap":
        raise SequenceGap(msg) from None
    if e.kind == "too_many":
        raise BufferOverflow(msg) from None
    if e.kind == "missing_seq":
        raise ParseError(msg, "missing_field") from None
    raise ParseError(msg, "invalid_value") from None


def _level(text: str) -> tuple[int, str, int]:
    """(key, canonical text, sign) of a level text; ``num.NumError`` if not a usable decimal."""
    hit = _CACHE.get(text)
    if hit is not None:
        return hit
    m, s = num.parse_fixed(text)
    out = (m * 10 ** (_KEY_SCALE - s), num.plain(m, s), (m > 0) - (m < 0))
    if len(_CACHE) >= _CACHE_MAX:
        _CACHE.clear()
    _CACHE[text] = out
    return out


def _seq_range(first: int | None, last: int | None) -> tuple[int, int]:
    if last is None:
        raise _BookError("missing_seq", "depth diff without a sequence id")
    if first is None:
        first = last
    if first > last:
        raise _BookError("invalid_range", f"invalid sequence range: first {first} > last {last}")
    return first, last


def _check_seq(l_seq: int | None, first: int, last: int) -> tuple[str, int, int]:
    """("apply" | "stale" | "gap", expected, got): the one sequence rule."""
    if l_seq is None:
        return ("apply", 0, 0)
    if last <= l_seq:
        return ("stale", 0, 0)
    nxt = l_seq + 1
    if nxt > _U64_MAX:
        return ("stale", 0, 0)
    if first > nxt:
        return ("gap", nxt, first)
    return ("apply", 0, 0)


def _parse_levels(bids: Iterable[Any], asks: Iterable[Any], values: bool) -> list[tuple[int, int, str, str, int]]:
    """``(side, key, price_text, qty_text, qty_sign)`` per level, bids then asks. ``values``: also
    check price > 0 and qty >= 0 (``L2Book::parse_into_scratch``; the buffer checks syntax only)."""
    out: list[tuple[int, int, str, str, int]] = []
    append = out.append
    cached = _CACHE.get
    for side, levels in ((0, bids), (1, asks)):
        for index, (p, q) in enumerate(levels):
            hp = cached(p)
            hq = cached(q)
            if hp is None or hq is None:
                name = "bid" if side == 0 else "ask"
                try:
                    hp = _level(p)
                except num.NumError as e:
                    raise _BookError("level", f"invalid {name} level {index}: price: {e}") from None
                try:
                    hq = _level(q)
                except num.NumError as e:
                    raise _BookError("level", f"invalid {name} level {index}: qty: {e}") from None
            qsign = hq[2]
            if values and (hp[2] <= 0 or qsign < 0):
                name = "bid" if side == 0 else "ask"
                what = "price must be > 0" if hp[2] <= 0 else "qty must be >= 0"
                raise _BookError("level_value", f"invalid {name} level {index}: {what}")
            append((side, hp[0], hp[1], hq[1], qsign))
    return out


def _py_levels(obj: Any, name: str) -> list[tuple[str, str]]:
    """Levels of a non-event object, checked like ``py_levels`` of book.rs: (str, str) tuples."""
    out: list[tuple[str, str]] = []
    for index, item in enumerate(obj):
        if not (isinstance(item, tuple) and len(item) == 2):
            raise ParseError(
                f"invalid {name} level {index}: expected a (price, qty) pair of str", "invalid_value"
            )
        p, q = item
        for v, field in ((p, "price"), (q, "qty")):
            if not isinstance(v, str):
                raise ParseError(f"invalid {name} level {index}: {field} is not a str", "invalid_value")
            try:
                _level(v)  # book.rs parses these levels up front (before the sequence checks)
            except num.NumError as e:
                raise ParseError(f"invalid {name} level {index}: {field}: {e}", "invalid_value") from None
        out.append((p, q))
    return out


def _rust_depth_type() -> type | None:
    try:
        from hft_ws._core import DepthUpdate
    except ImportError:  # pragma: no cover - the legacy path without the extension
        return None
    return DepthUpdate


_RUST_DEPTH = _rust_depth_type()


class _Update:
    """A depth update as the book reads it (from a legacy event, a Rust event or any object with
    the DepthUpdate attributes)."""

    __slots__ = ("first", "last", "snapshot", "bids", "asks", "event", "exchange", "market", "symbol")

    def __init__(self, obj: Any) -> None:
        t = type(obj)
        if t is _LegacyDepth or t is _RUST_DEPTH:
            self.event = True
            self.exchange = obj.exchange
            self.market = obj.market
            self.symbol = obj.symbol
            if t is _LegacyDepth:
                self.bids = object.__getattribute__(obj, "bids_str_")
                self.asks = object.__getattribute__(obj, "asks_str_")
            else:
                self.bids = obj.bids_str
                self.asks = obj.asks_str
            self.first = obj.first_seq
            self.last = obj.last_seq
            self.snapshot = bool(obj.is_snapshot)
            return
        self.event = False
        self.exchange = self.market = None
        self.first = _opt_u64(obj.first_seq)
        self.last = _opt_u64(obj.last_seq)
        self.snapshot = obj.is_snapshot
        if not isinstance(self.snapshot, bool):
            raise TypeError("is_snapshot must be a bool")
        self.symbol = getattr(obj, "symbol", None)
        if self.symbol is not None and not isinstance(self.symbol, str):
            raise TypeError("symbol must be a str or None")
        self.bids = _py_levels(obj.bids_str, "bid")
        self.asks = _py_levels(obj.asks_str, "ask")


def _opt_u64(v: Any) -> int | None:
    if v is None:
        return None
    if not isinstance(v, int):
        raise TypeError(f"sequence id must be an int, not {type(v).__name__}")
    if v < 0 or v > _U64_MAX:
        raise OverflowError("sequence id out of range for u64")
    return int(v)


class _Side:
    """One side: key -> (price_text, qty_text) plus the keys in ascending order."""

    __slots__ = ("levels", "keys")

    def __init__(self) -> None:
        self.levels: dict[int, tuple[str, str]] = {}
        self.keys: list[int] = []

    def set(self, key: int, price: str, qty: str) -> None:
        levels = self.levels
        if key not in levels:
            keys = self.keys
            if not keys or key > keys[-1]:
                keys.append(key)
            else:
                keys.insert(bisect_left(keys, key), key)
        levels[key] = (price, qty)

    def remove(self, key: int) -> None:
        if self.levels.pop(key, None) is not None:
            keys = self.keys
            del keys[bisect_left(keys, key)]

    def clear(self) -> None:
        self.levels.clear()
        self.keys.clear()


class OrderBook:
    """Pure-Python ``hft_ws.OrderBook``: exact L2 book of one symbol."""

    __slots__ = ("_exchange", "_market", "_symbol", "_max_levels", "_bids", "_asks", "_last_seq", "_synced")

    def __init__(self, exchange: str, market: str, symbol: str, *, max_levels: int = DEFAULT_MAX_LEVELS) -> None:
        _check_venue(exchange, market)
        if max_levels < 0:
            raise OverflowError("can't convert negative int to unsigned")
        self._exchange = exchange
        self._market = market
        self._symbol = symbol
        self._max_levels = max_levels
        self._bids = _Side()
        self._asks = _Side()
        self._last_seq: int | None = None
        self._synced = False

    def _who(self) -> str:
        return f"{self._exchange} {self._market} {self._symbol}"

    def _check(self, u: _Update) -> None:
        if u.event and (u.exchange != self._exchange or u.market != self._market):
            raise ValueError(f"{u.exchange} {u.market} depth update applied to the {self._who()} book")
        if u.symbol is not None and u.symbol != self._symbol:
            raise ValueError(f"depth update for {num_debug(u.symbol)} applied to the {self._who()} book")

    # ---- the rules (L2Book::apply) ---------------------------------------------------------------

    def _apply(self, u: _Update) -> str:
        """"updated" | "replaced" | "stale"; ``_BookError`` otherwise (book unchanged)."""
        if not u.snapshot:
            first, last = _seq_range(u.first, u.last)
            verdict, expected, got = _check_seq(self._last_seq, first, last)
            if verdict == "stale":
                return "stale"
            if verdict == "gap":
                self._synced = False
                raise _BookError("gap", f"sequence gap: expected first id <= {expected}, got {got}", expected, got)
        scratch = _parse_levels(u.bids, u.asks, True)
        return self._apply_parsed(scratch, u.last, u.snapshot)

    def _apply_parsed(self, scratch: list[tuple[int, int, str, str, int]], last: int | None, snapshot: bool) -> str:
        bids, asks = self._bids, self._asks
        if snapshot:
            self._check_snapshot_size(scratch)
            bids.clear()
            asks.clear()
        elif max(len(bids.keys), len(asks.keys)) + len(scratch) > self._max_levels:
            self._check_diff_size(scratch)  # only near the cap can a side overflow
        for side, key, ptext, qtext, qsign in scratch:
            target = bids if side == 0 else asks
            levels = target.levels
            if qsign == 0:
                if levels.pop(key, None) is not None:
                    keys = target.keys
                    del keys[bisect_left(keys, key)]
            else:
                if key not in levels:
                    keys = target.keys
                    if not keys or key > keys[-1]:
                        keys.append(key)
                    else:
                        keys.insert(bisect_left(keys, key), key)
                levels[key] = (ptext, qtext)
        self._last_seq = last
        if snapshot:
            self._synced = True
            return "replaced"
        return "updated"

    def _check_snapshot_size(self, scratch: list[tuple[int, int, str, str, int]]) -> None:
        for side in (0, 1):
            n = sum(1 for s, _, _, _, q in scratch if s == side and q != 0)
            if n > self._max_levels:
                final: dict[int, int] = {}
                for s, k, _, _, q in scratch:
                    if s == side:
                        final[k] = q
                if sum(1 for q in final.values() if q != 0) > self._max_levels:
                    raise _BookError("too_many", f"{_side_name(side)} side would exceed {self._max_levels} levels")

    def _check_diff_size(self, scratch: list[tuple[int, int, str, str, int]]) -> None:
        for side in (0, 1):
            levels = (self._bids if side == 0 else self._asks).levels
            inserts = sum(1 for s, _, _, _, q in scratch if s == side and q != 0)
            if len(levels) + inserts <= self._max_levels:
                continue
            final: dict[int, int] = {}
            for s, k, _, _, q in scratch:
                if s == side:
                    final[k] = q
            n = len(levels)
            for k, q in final.items():
                present = k in levels
                if not present and q != 0:
                    n += 1
                elif present and q == 0:
                    n -= 1
            if n > self._max_levels:
                raise _BookError("too_many", f"{_side_name(side)} side would exceed {self._max_levels} levels")

    # ---- public API ------------------------------------------------------------------------------

    def apply(self, depth_update: Any) -> bool:
        """Applies a depth update: ``True`` if applied, ``False`` if stale; ``SequenceGap`` on a gap."""
        u = _Update(depth_update)
        self._check(u)
        try:
            return self._apply(u) != "stale"
        except _BookError as e:
            _raise(e, self._who())
            raise  # unreachable: _raise always raises

    def _top(self, side: _Side, n: int | None, desc: bool) -> list[tuple[str, str]]:
        keys = side.keys
        levels = side.levels
        if n is None:
            sel = keys[::-1] if desc else keys
        elif n < 0:
            raise OverflowError("can't convert negative int to unsigned")
        elif n == 0:
            return []
        else:
            sel = keys[-1 : -n - 1 : -1] if desc else keys[:n]
        return [levels[k] for k in sel]

    def best_bid(self) -> tuple[float, float] | None:
        keys = self._bids.keys
        if not keys:
            return None
        p, q = self._bids.levels[keys[-1]]
        return (float(p), float(q))

    def best_ask(self) -> tuple[float, float] | None:
        keys = self._asks.keys
        if not keys:
            return None
        p, q = self._asks.levels[keys[0]]
        return (float(p), float(q))

    def bids(self, n: int | None = None) -> list[tuple[float, float]]:
        return [(float(p), float(q)) for p, q in self._top(self._bids, n, True)]

    def asks(self, n: int | None = None) -> list[tuple[float, float]]:
        return [(float(p), float(q)) for p, q in self._top(self._asks, n, False)]

    def bids_str(self, n: int | None = None) -> list[tuple[str, str]]:
        return self._top(self._bids, n, True)

    def asks_str(self, n: int | None = None) -> list[tuple[str, str]]:
        return self._top(self._asks, n, False)

    def _best_fixed(self) -> tuple[tuple[int, int], tuple[int, int]] | None:
        if not self._bids.keys or not self._asks.keys:
            return None
        b = self._bids.levels[self._bids.keys[-1]][0]
        a = self._asks.levels[self._asks.keys[0]][0]
        return num.parse_fixed(b), num.parse_fixed(a)

    def mid(self) -> float | None:
        best = self._best_fixed()
        return None if best is None else num.mid_f64(best[0], best[1])

    def spread(self) -> float | None:
        best = self._best_fixed()
        if best is None:
            return None
        d = num.checked_sub(best[1], best[0])
        return None if d is None else num.to_f64(*d)

    def clear(self) -> None:
        """Forgets levels and sequence id (not synced)."""
        self._bids.clear()
        self._asks.clear()
        self._last_seq = None
        self._synced = False

    @property
    def last_seq(self) -> int | None:
        return self._last_seq

    @property
    def is_synced(self) -> bool:
        return self._synced

    @property
    def is_crossed(self) -> bool:
        b, a = self._bids.keys, self._asks.keys
        return bool(b and a and b[-1] >= a[0])

    @property
    def exchange(self) -> str:
        return self._exchange

    @property
    def market(self) -> str:
        return self._market

    @property
    def symbol(self) -> str:
        return self._symbol

    @property
    def max_levels(self) -> int:
        return self._max_levels

    def __len__(self) -> int:
        return len(self._bids.keys) + len(self._asks.keys)

    def __repr__(self) -> str:
        def side(s: _Side, idx: int) -> str:
            if not s.keys:
                return "None"
            p, q = s.levels[s.keys[idx]]
            return f"{p}@{q}"

        crossed = ", CROSSED" if self.is_crossed else ""
        return (
            f"OrderBook({self._who()}, bids={len(self._bids.keys)}, asks={len(self._asks.keys)}, "
            f"best_bid={side(self._bids, -1)}, best_ask={side(self._asks, 0)}, last_seq={self._last_seq}, "
            f"synced={self._synced}{crossed})"
        )


def num_debug(s: str) -> str:
    from hft_ws.legacy.events import rust_debug_str

    return rust_debug_str(s)


def _side_name(side: int) -> str:
    return "bid" if side == 0 else "ask"


def _check_venue(exchange: str, market: str) -> None:
    if exchange not in _EXCHANGES:
        raise ValueError(f"exchange must be 'mexc' or 'gateio', not {num_debug(exchange)}")
    if market not in _MARKETS:
        raise ValueError(f"market must be 'spot' or 'futures', not {num_debug(market)}")


class _Owned:
    """A buffered diff (levels parsed, syntax-checked; ``OwnedUpdate`` of sync.rs)."""

    __slots__ = ("first", "last", "snapshot", "levels", "bids", "asks")

    def __init__(self, u: _Update, levels: list[tuple[int, int, str, str, int]]) -> None:
        self.first = u.first
        self.last = u.last
        self.snapshot = u.snapshot
        self.levels = levels
        # the canonical texts, for export (``BookSync.buffered_updates``)
        self.bids = [(p, q) for s, _, p, q, _ in levels if s == 0]
        self.asks = [(p, q) for s, _, p, q, _ in levels if s == 1]


class BookSync:
    """Pure-Python ``hft_ws.BookSync``: buffers diffs until a REST snapshot bridges them, drops stale
    ones, resyncs on a gap. Outcomes as strings (see the module doc)."""

    __slots__ = (
        "_book",
        "_max_buffer",
        "_deltas_only",
        "_phase",
        "_chain_last",
        "_buffer",
        "_snapshot_wanted",
        "_stale",
        "_gaps",
        "_overflows",
        "_last_gap",
        "_last_synced",
    )

    def __init__(
        self,
        exchange: str,
        market: str,
        symbol: str,
        *,
        max_buffer: int = DEFAULT_MAX_BUFFER,
        max_levels: int = DEFAULT_MAX_LEVELS,
        deltas_only: bool = False,
    ) -> None:
        if max_buffer < 0:
            raise OverflowError("can't convert negative int to unsigned")
        self._book = OrderBook(exchange, market, symbol, max_levels=max_levels)
        self._max_buffer = max_buffer
        self._deltas_only = bool(deltas_only)
        self._phase = "unsynced"
        self._chain_last: int | None = None
        self._buffer: deque[_Owned] = deque()
        self._snapshot_wanted = False
        self._stale = 0
        self._gaps = 0
        self._overflows = 0
        self._last_gap: tuple[int, int] | None = None
        self._last_synced: tuple[int, int] | None = None

    # ---- SyncMachine ---------------------------------------------------------------------------

    def _on_diff(self, u: _Update) -> str:
        if self._deltas_only:
            return self._on_delta_only(u)
        if u.snapshot:
            return self._on_snapshot(u)
        if self._phase != "synced":
            return self._buffer_diff(u)
        book = self._book
        try:
            res = book._apply(u)
        except _BookError as e:
            if e.kind != "gap":
                raise
            self._gaps += 1
            book._synced = False
            self._phase = "buffering"
            self._snapshot_wanted = True
            self._buffer.clear()
            try:
                self._buffer.append(_Owned(u, _parse_levels(u.bids, u.asks, False)))
            except _BookError:
                pass  # malformed levels: the buffer starts with the next diff
            self._last_gap = (e.expected, e.got)
            return "gap"
        if res == "stale":
            self._stale += 1
            return "stale"
        return "applied"

    def _buffer_diff(self, u: _Update) -> str:
        first, last = _seq_range(u.first, u.last)
        owned = _Owned(u, _parse_levels(u.bids, u.asks, False))
        if self._phase == "unsynced":
            self._phase = "buffering"
            self._snapshot_wanted = True
        prev_last = self._buffer[-1].last if self._buffer else None
        verdict, _, _ = _check_seq(prev_last, first, last)
        if verdict == "stale":
            self._stale += 1
            return "stale"
        if verdict == "gap":
            self._gaps += 1
            self._buffer.clear()
        if len(self._buffer) >= self._max_buffer:
            self._overflows += 1
            self._buffer.clear()
            self._buffer.append(owned)
            self._snapshot_wanted = True
            return "overflow"
        self._buffer.append(owned)
        return "buffered"

    def _on_snapshot(self, u: _Update) -> str:
        if self._deltas_only:
            u.snapshot = True
            return self._on_delta_only(u)
        book = self._book
        book._apply_parsed(_parse_levels(u.bids, u.asks, True), u.last, True)
        dropped = applied = 0
        buf = self._buffer
        while buf:
            nxt = buf[0]
            try:
                if nxt.snapshot:
                    res = book._apply_parsed(_revalue(nxt.levels), nxt.last, True)
                else:
                    first, last = _seq_range(nxt.first, nxt.last)
                    verdict, expected, got = _check_seq(book._last_seq, first, last)
                    if verdict == "gap":
                        book._synced = False
                        raise _BookError("gap", "", expected, got)
                    res = "stale" if verdict == "stale" else book._apply_parsed(_revalue(nxt.levels), nxt.last, False)
            except _BookError as e:
                if e.kind == "gap":
                    self._stale += dropped
                    book._synced = False
                    self._phase = "buffering"
                    self._snapshot_wanted = True
                    return "snapshot_too_old"
                buf.clear()
                book._synced = False
                self._phase = "buffering"
                self._snapshot_wanted = True
                raise
            if res == "stale":
                dropped += 1
            else:
                applied += 1
            buf.popleft()
        self._stale += dropped
        self._phase = "synced"
        self._snapshot_wanted = False
        self._last_synced = (dropped, applied)
        return "synced"

    def _on_delta_only(self, u: _Update) -> str:
        if u.snapshot:
            self._chain_last = u.last
            self._phase = "synced"
            return "applied"
        first, last = _seq_range(u.first, u.last)
        verdict, expected, got = _check_seq(self._chain_last, first, last)
        if verdict == "stale":
            self._stale += 1
            return "stale"
        outcome = "applied"
        if verdict == "gap":
            self._gaps += 1
            self._last_gap = (expected, got)
            outcome = "gap"
        self._chain_last = last
        self._phase = "synced"
        return outcome

    # ---- public API ------------------------------------------------------------------------------

    def _feed(self, depth_update: Any, snapshot: bool) -> str:
        u = _Update(depth_update)
        self._book._check(u)
        try:
            return self._on_snapshot(u) if snapshot else self._on_diff(u)
        except _BookError as e:
            _raise(e, self._book._who())
            raise  # unreachable

    def on_diff(self, depth_update: Any) -> str:
        """Feeds one pushed depth update (diff, or a snapshot push such as Gate ``full: true``)."""
        return self._feed(depth_update, False)

    def on_snapshot(self, depth_update: Any) -> str:
        """Feeds a snapshot (a parsed REST body): applies it and the buffered diffs that follow it."""
        return self._feed(depth_update, True)

    def start(self) -> None:
        """Starts buffering (at subscribe time, before requesting the snapshot)."""
        self.reset()
        self._phase = "buffering"
        self._snapshot_wanted = not self._deltas_only

    def reset(self) -> None:
        """Back to unsynced: buffer and book dropped."""
        self._phase = "unsynced"
        self._buffer.clear()
        self._book.clear()
        self._chain_last = None
        self._snapshot_wanted = False

    @property
    def book(self) -> OrderBook | None:
        """The maintained book while synced, else ``None`` (``None`` in deltas-only mode)."""
        return self._book if self._phase == "synced" and not self._deltas_only else None

    @property
    def phase(self) -> str:
        return self._phase

    @property
    def is_synced(self) -> bool:
        return self._phase == "synced"

    @property
    def needs_snapshot(self) -> bool:
        return self._snapshot_wanted and not self._deltas_only

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    @property
    def deltas_only(self) -> bool:
        return self._deltas_only

    @property
    def last_seq(self) -> int | None:
        return self._chain_last if self._deltas_only else self._book._last_seq

    @property
    def last_gap(self) -> tuple[int, int] | None:
        return self._last_gap

    @property
    def last_synced(self) -> tuple[int, int] | None:
        return self._last_synced

    @property
    def max_buffer(self) -> int:
        return self._max_buffer

    def counters(self) -> dict[str, int]:
        return {"stale": self._stale, "gaps": self._gaps, "overflows": self._overflows}

    def buffered_updates(self) -> list[Any]:
        """The buffered diffs as legacy ``DepthUpdate`` events (canonical level texts)."""
        ob = self._book
        return [
            _LegacyDepth(ob._exchange, ob._market, ob._symbol, "", None, None, o.bids, o.asks, o.first, o.last, o.snapshot)
            for o in self._buffer
        ]

    def __repr__(self) -> str:
        ls = self.last_seq
        return (
            f"BookSync({self._book._who()}, phase={self._phase}, buffered={len(self._buffer)}, "
            f"last_seq={'None' if ls is None else ls})"
        )


def _revalue(levels: list[tuple[int, int, str, str, int]]) -> list[tuple[int, int, str, str, int]]:
    """Buffered levels were checked for syntax only: check price > 0 / qty >= 0 when applied."""
    index = [0, 0]
    for side, key, _ptext, _qtext, qsign in levels:
        i = index[side]
        index[side] = i + 1
        if key <= 0:
            raise _BookError("level_value", f"invalid {_side_name(side)} level {i}: price must be > 0")
        if qsign < 0:
            raise _BookError("level_value", f"invalid {_side_name(side)} level {i}: qty must be >= 0")
    return levels


# ---- moving a book between the Rust and the Python objects -----------------------------------------


def _snapshot_event(exchange: str, market: str, symbol: str, bids: list[tuple[str, str]],
                    asks: list[tuple[str, str]], last_seq: int | None) -> Any:
    return _LegacyDepth(exchange, market, symbol, "", None, None, bids, asks, None, last_seq, True)


def to_rust(sync: BookSync) -> Any:
    """A Rust ``hft_ws.BookSync`` in the same state: levels, last sequence id, phase, buffered diffs.

    Not carried (the Rust object has no setter): the counters, ``last_gap``, ``last_synced`` and, while
    buffering, the ``last_seq`` of a refused (too old) snapshot.
    """
    from hft_ws._core import BookSync as RustBookSync

    ob = sync._book
    out = RustBookSync(
        ob._exchange,
        ob._market,
        ob._symbol,
        max_buffer=sync._max_buffer,
        max_levels=ob._max_levels,
        deltas_only=sync._deltas_only,
    )
    if sync._phase == "unsynced":
        return out
    out.start()
    if sync._deltas_only:
        if sync._phase == "synced":
            out.on_diff(_snapshot_event(ob._exchange, ob._market, ob._symbol, [], [], sync._chain_last))
        return out
    if sync._phase == "synced":
        snap = _snapshot_event(ob._exchange, ob._market, ob._symbol, ob.bids_str(), ob.asks_str(), ob._last_seq)
        out.on_snapshot(snap)
        return out
    for u in sync.buffered_updates():  # buffering: same buffer, snapshot still wanted
        out.on_diff(u)
    return out


def from_rust(
    rust_sync: Any, *, max_buffer: int = DEFAULT_MAX_BUFFER, max_levels: int = DEFAULT_MAX_LEVELS
) -> BookSync:
    """A Python ``BookSync`` in the state of a Rust ``hft_ws.BookSync``: levels, last sequence id and
    phase; the counters and ``last_gap``/``last_synced`` are copied too. ``max_buffer``/``max_levels``
    must be passed when the Rust sync was not built with the defaults (the Rust object does not
    expose them).

    A Rust sync that is buffering cannot hand over its buffered diffs (no API reads them): the Python
    one starts buffering afresh with a snapshot wanted, which the exchange fetches as after a gap.
    """
    phase = rust_sync.phase
    book = rust_sync.book  # None unless synced
    # the venue is only readable from the book; an unsynced Rust sync hides it: parse the repr
    exchange, market, symbol = _venue_of(rust_sync)
    out = BookSync(
        exchange, market, symbol, max_buffer=max_buffer, max_levels=max_levels, deltas_only=rust_sync.deltas_only
    )
    c = rust_sync.counters()
    out._stale, out._gaps, out._overflows = c["stale"], c["gaps"], c["overflows"]
    out._last_gap = rust_sync.last_gap
    out._last_synced = rust_sync.last_synced
    if phase == "unsynced":
        return out
    out.start()
    if rust_sync.deltas_only:
        if phase == "synced":
            out._chain_last = rust_sync.last_seq
            out._phase = "synced"
        return out
    if phase == "synced" and book is not None:
        snap = _snapshot_event(exchange, market, symbol, book.bids_str(), book.asks_str(), book.last_seq)
        u = _Update(snap)
        out._book._apply_parsed(_parse_levels(u.bids, u.asks, True), u.last, True)
        out._phase = "synced"
        out._snapshot_wanted = False
    return out


def _venue_of(rust_sync: Any) -> tuple[str, str, str]:
    book = rust_sync.book
    if book is not None:
        return book.exchange, book.market, book.symbol
    # "BookSync(gateio spot BTC_USDT, phase=..." (symbols never contain ", phase=")
    head = repr(rust_sync)[len("BookSync(") :].split(", phase=", 1)[0]
    exchange, market, symbol = head.split(" ", 2)
    return exchange, market, symbol


def sync_state(sync: Any) -> dict[str, Any]:
    """A comparable summary of a Rust or Python sync (phase, last_seq, levels): for tests and checks."""
    book = sync.book
    return {
        "phase": sync.phase,
        "last_seq": sync.last_seq,
        "needs_snapshot": sync.needs_snapshot,
        "bids": None if book is None else book.bids_str(),
        "asks": None if book is None else book.asks_str(),
    }


__all__ = [
    "DEFAULT_MAX_BUFFER",
    "DEFAULT_MAX_LEVELS",
    "BookSync",
    "OrderBook",
    "from_rust",
    "sync_state",
    "to_rust",
]
