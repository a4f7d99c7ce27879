"""Delivery accounting against the simulator: nothing lost without a reported gap, books equal the truth.

Used by ``make demo`` and by the end-to-end tests of every exchange class. Three pieces:

1. :class:`AuditRecorder` — a `hft_ws.Handler` that records, in one ordered log, every event the library
   hands to the handler that matters for accounting, then forwards the call to an optional ``inner`` handler:

   * ``on_depth``: ``(first_seq, last_seq, is_snapshot)`` per (exchange, market, symbol);
   * ``on_book``: the book's ``last_seq`` (the one right after ``on_state("synced")`` is the sync point);
   * ``on_state``: every `StateChange` (``symbol=None`` = connection-level, applies to every symbol of that
     exchange and market);
   * ``on_trade``: the trade id (numeric ids are checked for duplicates and breaks);
   * ``on_book_ticker``: the ``update_id`` (must not go back);
   * ``on_fill``: the fill's trade id (:func:`check_accounts`: no fill reaches the handler twice);
   * every other kind is counted (``recorder.counts[(exchange, market, kind)]``).

   It also keeps the last `OrderBook` seen per stream (``recorder.books``) and per-stream counters for views.

2. :func:`check_stream` / :func:`audit` / :func:`audit_sim` — compare the record with the simulator's
   ``sent_log`` (:class:`hft_ws.sim.core.SentRange`: one entry per depth publication per connection, status
   ``sent``/``full``/``skipped``/``truncated``/``stalled``/``slow``). Walking the record in order, per stream:

   * a *window* is open from the start until the first sync, and again from every loss-reporting state
     (:data:`OPENERS`: ``gap``, ``resyncing``, ``unsynced`` for the symbol; ``disconnected``, ``reconnecting``,
     ``stalled``, ``connect_failed`` for the connection) until the next sync (``synced`` + the book's
     ``last_seq`` = S). A sync covers every sequence number <= S; a ``full``/snapshot depth push covers
     every number <= its ``last_seq``;
   * a *hole* is the set of sent sequence numbers (any status, i.e. everything the simulator published to
     the client's connections) between the highest number accounted so far and the next delivered
     ``first_seq``. A hole inside an open window must be covered by the sync that closes the window
     (else ``bad_sync``); a hole found while no window is open (a jump in a live, synced stream) must be
     reported by a symbol-level ``gap``/``resyncing`` state before the next depth delivery of that symbol
     (a later disconnect does not explain it), and when the reason reads ``expected X, got Y`` (BookSync's
     wording) the hole must start at or after X; otherwise it is ``unreported``. Y must be the
     ``first_seq`` of a delivered diff (``gap_without_delivery``: the diff that revealed it was not handed
     to the handler). A loss inside a reported window that the closing sync covers is accepted: the handler
     was told the stream was resyncing and the book it gets afterwards includes it;
   * a delivery overlapping an earlier delivered range is a duplicate / out-of-order delivery: allowed only
     when a state change of that stream was reported since the previous delivery (``duplicates_unflagged``);
   * a delivered range the simulator never sent intact (no ``sent``/``full`` entry with that ``last_seq``)
     is a ``phantom``;
   * sequence numbers after the last one accounted are in flight at the end (``tail``, not a failure);
     holes reported but never followed by a sync are ``unrecovered_at_end`` (reported, so not a loss; the
     book check catches a book left unsynced).

   * trades: a numeric trade id delivered again (<= the highest so far) with no state change of the stream
     since the previous trade is a ``trade_duplicates`` failure; a jump in trade ids is counted
     (``trade_breaks``, or ``trade_breaks_unreported`` when no state change came between: informational,
     since trades carry no sequence the library could check); a book-ticker ``update_id`` going back with no
     state change is a ``ticker_regressions`` failure.

   ``StreamReport.ok`` is False on any unreported hole, bad sync, unflagged duplicate (depth or trade),
   ticker regression, phantom or gap without its delivered diff.

3. :func:`check_books` — polls until every maintained book's ``last_seq`` equals the simulator's truth and
   its levels are equal; equal ``last_seq`` with different levels is a definitive mismatch. The truth comes
   from an async callable, so it works in-process (:func:`sim_truth`) and over HTTP (``GET /_sim/truth``).

Typical test::

    rec = AuditRecorder()
    async with Simulator(...) as sim, WebSocketManager(rec) as mgr:
        ex = mgr.add(GateSpotPublic(symbols, ["trades", "book"], ws_url=..., rest_url=...))
        ... inject faults, wait ...
        books = await check_books(sim_truth(sim), [BookProbe(("gateio", "spot", s), lambda s=s: ex.book(s))
                                                     for s in symbols])
        assert all(b.ok for b in books), books
    report = audit_sim(rec, sim)  # after the manager closed: the sent log is complete for the client
    report.assert_ok()

Limits: one client per simulated stream (the sent log is per connection; pass ``conn_ids`` to restrict it
when several clients share the simulator); connection-level states apply to every symbol of that exchange
and market, so two exchange objects on the same (exchange, market) widen each other's windows.
"""

from __future__ import annotations

import asyncio
import bisect
import re
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from hft_ws.handler import Handler, StateChange

if TYPE_CHECKING:
    from .server import Simulator

__all__ = [
    "BOOK",
    "DEPTH",
    "FILL",
    "OPENERS",
    "STATE",
    "TICKER",
    "TRADE",
    "AuditRecorder",
    "AuditReport",
    "BookCheck",
    "BookProbe",
    "StreamKey",
    "StreamReport",
    "AccountReport",
    "check_accounts",
    "audit",
    "audit_sim",
    "check_books",
    "check_stream",
    "sim_truth",
]

#: (exchange, market, symbol as the library reports it)
StreamKey = tuple[str, str, str]
Interval = tuple[int, int]

#: states that announce a possible loss (symbol-level or connection-level)
OPENERS = frozenset({"gap", "resyncing", "unsynced", "disconnected", "reconnecting", "stalled", "connect_failed"})
#: symbol-level states that report a jump the library has just seen in a live stream
REPORTS = frozenset({"gap", "resyncing"})
#: BookSync's gap reason ("expected X, got Y": X the first missing number, Y the first_seq that revealed it)
_GAP_REASON = re.compile(r"expected (\d+), got (\d+)")

# record tags
DEPTH, BOOK, STATE, TRADE, TICKER, FILL = 0, 1, 2, 3, 4, 5

_HANDLER_METHODS = (
    "on_ticker", "on_kline", "on_order", "on_balance", "on_position", "on_funding_rate", "on_price",
    "on_liquidation", "on_stats", "on_account", "on_control", "on_api_reply", "on_unknown", "on_error",
)  # fmt: skip


class _Sent(Protocol):
    @property
    def conn_id(self) -> int: ...
    @property
    def first_seq(self) -> int: ...
    @property
    def last_seq(self) -> int: ...
    @property
    def status(self) -> str: ...


# ------------------------------------------------------------------------------------------ recorder


@dataclass
class StreamStats:
    """Live counters of one stream (for views; the audit works on the ordered log)."""

    depth: int = 0
    books: int = 0
    trades: int = 0
    gaps: int = 0
    resyncs: int = 0


class AuditRecorder(Handler):
    """Records what reaches the handler (see the module docstring), then forwards to ``inner``."""

    def __init__(self, inner: Handler | None = None) -> None:
        self.inner = inner
        #: the ordered log: (DEPTH, ex, mkt, sym, first, last, is_snapshot) | (BOOK, ex, mkt, sym, last_seq)
        #: | (STATE, ex, mkt, sym|None, state, reason) | (TRADE, ex, mkt, sym, trade_id)
        #: | (TICKER, ex, mkt, sym, update_id) | (FILL, ex, mkt, sym, trade_id)
        self.log: list[tuple[Any, ...]] = []
        self.counts: Counter[tuple[str, str, str]] = Counter()
        self.books: dict[StreamKey, Any] = {}
        self.stats: dict[StreamKey, StreamStats] = {}
        self.states: list[StateChange] = []
        self.errors: list[Any] = []
        for name in _HANDLER_METHODS:
            setattr(self, name, self._counting(name))

    def _counting(self, name: str) -> Callable[[Any], None]:
        inner = getattr(self.inner, name) if self.inner is not None else None
        is_error = name == "on_error"

        def method(event: Any) -> None:
            self.counts[(getattr(event, "exchange", "?"), getattr(event, "market", "?"), name[3:])] += 1
            if is_error:
                self.errors.append(event)
            if inner is not None:
                inner(event)

        return method

    def _stats(self, key: StreamKey) -> StreamStats:
        s = self.stats.get(key)
        if s is None:
            s = self.stats[key] = StreamStats()
        return s

    def on_depth(self, event: Any) -> None:
        ex, mkt, sym = event.exchange, event.market, event.symbol
        self.log.append((DEPTH, ex, mkt, sym, event.first_seq, event.last_seq, event.is_snapshot))
        self._stats((ex, mkt, sym)).depth += 1
        if self.inner is not None:
            self.inner.on_depth(event)

    def on_book(self, book: Any) -> None:
        key = (book.exchange, book.market, book.symbol)
        self.log.append((BOOK, *key, book.last_seq))
        self.books[key] = book
        self._stats(key).books += 1
        if self.inner is not None:
            self.inner.on_book(book)

    def on_trade(self, event: Any) -> None:
        ex, mkt, sym = event.exchange, event.market, event.symbol
        self.log.append((TRADE, ex, mkt, sym, event.trade_id))
        self._stats((ex, mkt, sym)).trades += 1
        if self.inner is not None:
            self.inner.on_trade(event)

    def on_book_ticker(self, event: Any) -> None:
        self.log.append((TICKER, event.exchange, event.market, event.symbol, event.update_id))
        self.counts[(event.exchange, event.market, "book_ticker")] += 1
        if self.inner is not None:
            self.inner.on_book_ticker(event)

    def on_fill(self, event: Any) -> None:
        self.log.append((FILL, event.exchange, event.market, event.symbol, event.trade_id))
        self.counts[(event.exchange, event.market, "fill")] += 1
        if self.inner is not None:
            self.inner.on_fill(event)

    def on_state(self, change: StateChange) -> None:
        self.log.append((STATE, change.exchange, change.market, change.symbol, change.state, change.reason))
        self.states.append(change)
        if change.symbol is not None:
            if change.state == "gap":
                self._stats((change.exchange, change.market, change.symbol)).gaps += 1
            elif change.state == "synced":
                self._stats((change.exchange, change.market, change.symbol)).resyncs += 1
        if self.inner is not None:
            self.inner.on_state(change)

    # ---- queries -------------------------------------------------------------------------------

    def streams(self) -> list[StreamKey]:
        """Every (exchange, market, symbol) that received a depth update, in first-seen order."""
        seen: dict[StreamKey, None] = {}
        for e in self.log:
            if e[0] == DEPTH:
                seen.setdefault((e[1], e[2], e[3]), None)
        return list(seen)

    def count_states(self, state: str, symbol: str | None = None) -> int:
        return sum(1 for s in self.states if s.state == state and (symbol is None or s.symbol == symbol))

    def entries(self, key: StreamKey) -> list[tuple[Any, ...]]:
        """The log entries of one stream (its own events plus connection-level states), in order."""
        ex, mkt, sym = key
        return [e for e in self.log if e[1] == ex and e[2] == mkt and (e[3] == sym or (e[0] == STATE and e[3] is None))]


# ------------------------------------------------------------------------------------------ intervals


class _Span:
    """A sorted union of closed integer intervals (the sequence numbers the simulator published)."""

    def __init__(self, ranges: Iterable[Interval]) -> None:
        merged: list[list[int]] = []
        for a, b in sorted(ranges):
            if merged and a <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        self.starts = [m[0] for m in merged]
        self.iv: list[Interval] = [(m[0], m[1]) for m in merged]

    def within(self, lo: int | None, hi: int | None) -> list[Interval]:
        """The parts of the span inside ``[lo, hi]`` (``None`` = unbounded)."""
        out: list[Interval] = []
        i = 0 if lo is None else max(0, bisect.bisect_right(self.starts, lo) - 1)
        for a, b in self.iv[i:]:
            if hi is not None and a > hi:
                break
            a2 = a if lo is None else max(a, lo)
            b2 = b if hi is None else min(b, hi)
            if a2 <= b2:
                out.append((a2, b2))
        return out

    @property
    def first(self) -> int | None:
        return self.iv[0][0] if self.iv else None


def _size(ivs: Iterable[Interval]) -> int:
    return sum(b - a + 1 for a, b in ivs)


def _fmt(ivs: Sequence[Interval], limit: int = 4) -> str:
    parts = [f"{a}" if a == b else f"{a}..{b}" for a, b in ivs[:limit]]
    if len(ivs) > limit:
        parts.append(f"... ({len(ivs) - limit} more)")
    return ", ".join(parts)


# ------------------------------------------------------------------------------------------ checker


@dataclass
class StreamReport:
    """Accounting of one (exchange, market, symbol) stream (see the module docstring)."""

    key: StreamKey
    sent: Counter[str] = field(default_factory=Counter)  # sent-log entries by status
    sent_seqs: int = 0  # sequence numbers published to the client's connections (any status)
    delivered: int = 0  # depth updates delivered
    delivered_seqs: int = 0  # sequence numbers delivered in diffs
    covered_seqs: int = 0  # sequence numbers not delivered but covered by a reported window + sync/snapshot
    windows: int = 0  # loss reports (openers) seen
    syncs: int = 0
    duplicates_flagged: int = 0
    unreported: list[Interval] = field(default_factory=list)
    bad_sync: list[Interval] = field(default_factory=list)
    duplicates_unflagged: list[Interval] = field(default_factory=list)
    phantoms: list[Interval] = field(default_factory=list)
    gap_without_delivery: list[int] = field(default_factory=list)
    unrecovered_at_end: list[Interval] = field(default_factory=list)
    tail: int = 0  # sequence numbers sent after the last accounted one (in flight at the end)
    trades: int = 0
    trade_breaks: int = 0  # trade-id jumps across a reported state change (expected around losses)
    trade_breaks_unreported: list[Interval] = field(default_factory=list)
    trade_duplicates: list[int] = field(default_factory=list)  # trade ids delivered again, no state change
    trade_duplicates_flagged: int = 0
    tickers: int = 0
    ticker_regressions: list[tuple[int, int]] = field(default_factory=list)  # (previous, new) update_id, unflagged

    @property
    def ok(self) -> bool:
        return not (
            self.unreported
            or self.bad_sync
            or self.duplicates_unflagged
            or self.phantoms
            or self.gap_without_delivery
            or self.trade_duplicates
            or self.ticker_regressions
        )

    def problems(self) -> list[str]:
        name = ":".join(self.key)
        out = []
        if self.unreported:
            out.append(f"{name}: {_size(self.unreported)} seq lost without a gap report: {_fmt(self.unreported)}")
        if self.bad_sync:
            out.append(f"{name}: {_size(self.bad_sync)} seq reported lost but not covered by the next sync: "
                       f"{_fmt(self.bad_sync)}")
        if self.duplicates_unflagged:
            out.append(f"{name}: delivered again without a state change: {_fmt(self.duplicates_unflagged)}")
        if self.phantoms:
            out.append(f"{name}: delivered but never sent intact: {_fmt(self.phantoms)}")
        if self.trade_duplicates:
            out.append(f"{name}: trade ids delivered again without a state change: {self.trade_duplicates[:6]}")
        if self.ticker_regressions:
            out.append(f"{name}: book ticker update_id went back without a state change: {self.ticker_regressions[:4]}")
        if self.gap_without_delivery:
            out.append(f"{name}: gap reported at first_seq {self.gap_without_delivery[:4]} but that diff never "
                       "reached the handler")
        return out


def check_stream(
    entries: Iterable[tuple[Any, ...]],
    sent: Iterable[_Sent],
    *,
    key: StreamKey = ("", "", ""),
    conn_ids: Iterable[int] | None = None,
    openers: frozenset[str] = OPENERS,
) -> StreamReport:
    """Checks one stream's record (`AuditRecorder.entries`) against its simulator sent log."""
    rep = StreamReport(key)
    ids = None if conn_ids is None else set(conn_ids)
    intact: set[int] = set()
    ranges: list[Interval] = []
    for r in sent:
        if ids is not None and r.conn_id not in ids:
            continue
        rep.sent[r.status] += 1
        ranges.append((r.first_seq, r.last_seq))
        if r.status in ("sent", "full"):
            intact.add(r.last_seq)
    span = _Span(ranges)
    rep.sent_seqs = _size(span.iv)

    frontier: int | None = None  # every published number <= frontier is delivered or covered
    hi_delivered: int | None = None
    window_open = True  # before the first sync the initial snapshot covers everything
    pending: list[Interval] = []  # holes inside a reported window, waiting for the sync
    revealed: list[Interval] = []  # holes found outside a window: need an opener before the next delivery
    state_since_delivery = True
    await_sync_book = False
    last_tid: int | None = None
    state_since_trade = True
    last_uid: int | None = None
    state_since_ticker = True
    gaps_got: list[int] = []  # "got" of every gap report naming its numbers
    firsts: set[int] = set()  # first_seq of every delivered diff

    def resolve(upto: int) -> None:
        nonlocal pending
        keep: list[Interval] = []
        for a, b in pending:
            if b <= upto:
                rep.covered_seqs += b - a + 1
            elif a <= upto:
                rep.covered_seqs += upto - a + 1
                keep.append((upto + 1, b))
            else:
                keep.append((a, b))
        pending = keep

    for e in entries:
        tag = e[0]
        if tag == STATE:
            state = e[4]
            state_since_delivery = True
            state_since_trade = True
            state_since_ticker = True
            if state in openers:
                rep.windows += 1
                window_open = True
                if revealed and state in REPORTS and e[3] is not None:
                    # the library saw the jump and reported it; when it names the numbers, they must agree
                    m = _GAP_REASON.search(e[5] or "")
                    if m is not None:
                        expected, got = int(m.group(1)), int(m.group(2))
                        gaps_got.append(got)
                        for a, b in revealed:
                            if a < expected:
                                rep.unreported.append((a, min(b, expected - 1)))
                            if b >= expected:
                                pending.append((max(a, expected), b))
                    else:
                        pending.extend(revealed)
                    revealed = []
                elif state == "gap" and e[3] is not None:
                    m = _GAP_REASON.search(e[5] or "")
                    if m is not None:
                        gaps_got.append(int(m.group(2)))
            elif state == "synced":
                await_sync_book = True
        elif tag == BOOK:
            if not await_sync_book:
                continue
            await_sync_book = False
            s = e[4]
            if s is None:
                continue
            rep.syncs += 1
            resolve(s)
            # what the sync did not cover was reported but is still missing from the book's history
            rep.bad_sync.extend(pending)
            pending = []
            frontier = s if frontier is None else max(frontier, s)
            window_open = False
        elif tag == DEPTH:
            first, last, snap = e[4], e[5], e[6]
            if last is None:
                continue
            if first is None:
                first = last
            if revealed:  # a loss was seen by the previous delivery and nothing reported it
                rep.unreported.extend(revealed)
                revealed = []
            rep.delivered += 1
            firsts.add(first)
            if last not in intact and span.iv:
                rep.phantoms.append((first, last))
            if hi_delivered is not None and first <= hi_delivered:
                if state_since_delivery:
                    rep.duplicates_flagged += 1
                else:
                    rep.duplicates_unflagged.append((first, last))
            if snap:
                # a snapshot push (Gate "full": true) replaces the book: everything up to it is covered
                resolve(last)
            else:
                lo = None if frontier is None else frontier + 1
                holes = span.within(lo, first - 1)
                if holes:
                    (pending if window_open else revealed).extend(holes)
                new = span.within(max(first, lo) if lo is not None else first, last)
                rep.delivered_seqs += _size(new)
            frontier = last if frontier is None else max(frontier, last)
            hi_delivered = last if hi_delivered is None else max(hi_delivered, last)
            state_since_delivery = False
        elif tag == TRADE:
            rep.trades += 1
            tid_raw = e[4]
            if tid_raw is None or not str(tid_raw).isdigit():
                continue
            tid = int(tid_raw)
            if last_tid is not None:
                if tid <= last_tid:
                    if state_since_trade:
                        rep.trade_duplicates_flagged += 1
                    else:
                        rep.trade_duplicates.append(tid)
                elif tid > last_tid + 1:
                    if state_since_trade:
                        rep.trade_breaks += 1
                    else:
                        rep.trade_breaks_unreported.append((last_tid + 1, tid - 1))
            last_tid = tid if last_tid is None else max(last_tid, tid)
            state_since_trade = False
        elif tag == TICKER:
            rep.tickers += 1
            uid = e[4]
            if uid is None:
                continue
            if last_uid is not None and uid < last_uid and not state_since_ticker:
                rep.ticker_regressions.append((last_uid, uid))
            last_uid = uid if last_uid is None else max(last_uid, uid)
            state_since_ticker = False
    rep.unreported.extend(revealed)
    rep.unrecovered_at_end.extend(pending)
    # a gap is found by a delivered diff: one the handler never saw means a delivery is missing from it
    rep.gap_without_delivery = sorted({got for got in gaps_got if got not in firsts})
    rep.tail = _size(span.within(None if frontier is None else frontier + 1, None)) if frontier is not None else 0
    return rep


@dataclass
class AuditReport:
    streams: dict[StreamKey, StreamReport]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.streams.values())

    def problems(self) -> list[str]:
        return [p for r in self.streams.values() for p in r.problems()]

    def assert_ok(self) -> None:
        if not self.ok:
            raise AssertionError("delivery audit failed:\n  " + "\n  ".join(self.problems()))


def audit(
    recorder: AuditRecorder,
    sent_logs: Mapping[StreamKey, Iterable[_Sent]],
    *,
    conn_ids: Iterable[int] | None = None,
    openers: frozenset[str] = OPENERS,
) -> AuditReport:
    """Checks every stream of ``sent_logs`` (a stream the client never received is checked too: everything
    sent to it must then be covered, which an empty record cannot do unless nothing was sent)."""
    ids = None if conn_ids is None else list(conn_ids)
    out = {
        key: check_stream(recorder.entries(key), sent, key=key, conn_ids=ids, openers=openers)
        for key, sent in sent_logs.items()
    }
    return AuditReport(out)


def audit_sim(
    recorder: AuditRecorder,
    sim: Simulator,
    keys: Iterable[StreamKey] | None = None,
    *,
    conn_ids: Iterable[int] | None = None,
) -> AuditReport:
    """`audit` with the sent logs of an in-process `Simulator` (default: every stream the recorder saw)."""
    ks = list(keys) if keys is not None else recorder.streams()
    return audit(recorder, {k: sim.sent_log(*k) for k in ks}, conn_ids=conn_ids)


@dataclass
class AccountReport:
    """Private fills of one (exchange, market) account: every fill must reach the handler once."""

    key: tuple[str, str]
    fills: int = 0
    duplicates: list[str] = field(default_factory=list)  # fill trade ids delivered more than once
    id_jumps: int = 0  # numeric fill ids skipping numbers across a reported connection state change
    id_jumps_unreported: list[Interval] = field(default_factory=list)  # informational (no sequence on fills)

    @property
    def ok(self) -> bool:
        return not self.duplicates

    def problems(self) -> list[str]:
        if not self.duplicates:
            return []
        return [f"{':'.join(self.key)}: fills delivered twice: {self.duplicates[:6]}"]


def check_accounts(recorder: AuditRecorder) -> dict[tuple[str, str], AccountReport]:
    """Fill accounting per (exchange, market): no fill id twice (a double-counted fill is a wrong position,
    whatever the reason), and numeric ids that jump only across a connection-level state change."""
    out: dict[tuple[str, str], AccountReport] = {}
    seen: dict[tuple[str, str], set[str]] = {}
    last: dict[tuple[str, str], int] = {}
    flagged: dict[tuple[str, str], bool] = {}
    for e in recorder.log:
        tag = e[0]
        am = (e[1], e[2])
        if tag == STATE and e[3] is None:
            flagged[am] = True
        elif tag == FILL:
            rep = out.get(am)
            if rep is None:
                rep = out[am] = AccountReport(am)
            rep.fills += 1
            tid = e[4]
            if tid is None:
                continue
            ids = seen.setdefault(am, set())
            if tid in ids:
                rep.duplicates.append(tid)
                continue
            ids.add(tid)
            if tid.isdigit():
                n = int(tid)
                prev = last.get(am)
                if prev is not None and n > prev + 1:
                    if flagged.get(am, True):
                        rep.id_jumps += 1
                    else:
                        rep.id_jumps_unreported.append((prev + 1, n - 1))
                last[am] = n if prev is None else max(prev, n)
            flagged[am] = False
    return out


# ------------------------------------------------------------------------------------------ books

Levels = list[tuple[str, str]]
TruthFn = Callable[[str, str, str, "int | None"], Awaitable[tuple[int, Levels, Levels]]]


@dataclass(frozen=True)
class BookProbe:
    """How to read one maintained book: ``get()`` returns the `OrderBook` (or ``None`` while unsynced);
    ``depth`` limits the comparison to the top levels (the depth the exchange class maintains)."""

    key: StreamKey
    get: Callable[[], Any]
    depth: int | None = None


@dataclass
class BookCheck:
    key: StreamKey
    ok: bool
    detail: str
    last_seq: int | None = None


def sim_truth(sim: Simulator) -> TruthFn:
    """The truth of an in-process simulator (read synchronously: no publication can interleave)."""

    async def truth(exchange: str, market: str, symbol: str, depth: int | None) -> tuple[int, Levels, Levels]:
        return sim.book_truth(exchange, market, symbol, depth)

    return truth


def _first_diff(a: Levels, b: Levels) -> str:
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return f"level {i}: {x} != {y}"
    return f"{len(a)} levels != {len(b)} levels"


async def check_books(
    truth: TruthFn, probes: Sequence[BookProbe], *, timeout: float = 10.0, poll: float = 0.005
) -> list[BookCheck]:
    """Polls until each book equals the truth at an equal ``last_seq`` (or ``timeout``)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    done: dict[StreamKey, BookCheck] = {}
    last_seen: dict[StreamKey, str] = {}
    while True:
        for p in probes:
            if p.key in done:
                continue
            seq, bids, asks = await truth(*p.key, p.depth)
            book = p.get()
            if book is None:
                last_seen[p.key] = "no synced book"
                continue
            if book.last_seq != seq:
                last_seen[p.key] = f"book at {book.last_seq}, truth at {seq}"
                continue
            b, a = book.bids_str(p.depth), book.asks_str(p.depth)
            if b == bids and a == asks:
                done[p.key] = BookCheck(p.key, True, f"equal at {seq} ({len(b)}+{len(a)} levels)", seq)
            else:
                which = f"bids {_first_diff(b, bids)}" if b != bids else f"asks {_first_diff(a, asks)}"
                done[p.key] = BookCheck(p.key, False, f"DIFFERS at {seq}: {which}", seq)
        if len(done) == len(probes) or loop.time() >= deadline:
            break
        await asyncio.sleep(poll)
    for p in probes:
        if p.key not in done:
            done[p.key] = BookCheck(p.key, False, f"not settled in {timeout:g} s: {last_seen.get(p.key, '?')}")
    return [done[p.key] for p in probes]
