"""Stateful property test: hft_ws.OrderBook against a Decimal reference model.

Every update is built as Gate spot wire text and goes through the real parsers
(`GateSpotParser.parse` for `spot.order_book_update` frames, `parse_snapshot` for REST bodies),
so the book sees the parser's DepthUpdate fast path. Prices and quantities are written with
varying trailing zeros ("100.10" vs "100.1", "0" vs "0.000") and the book must treat equal
values as one level and print them in plain normalised form.

Sequence rule (spec/api.md, "Order book"), with L = last_seq: u <= L -> stale (False, book
unchanged); U > L + 1 -> SequenceGap (book unchanged, not synced); otherwise apply. Snapshots and
`full` pushes replace the book and set L.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import hypothesis.strategies as st
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

import hft_ws

SYMBOL = "BTC_USDT"
TICK = Decimal("0.05")  # prices are k * 0.05: a small pool, so diffs keep hitting existing levels

Level = tuple[str, str]


def plain(d: Decimal) -> str:
    """The book's text form: plain decimal, no exponent, no trailing zeros."""
    s = format(d, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def with_zeros(value: Decimal, extra: int) -> str:
    """`value` as wire text with `extra` trailing zeros beyond its plain form."""
    s = plain(value)
    if extra:
        s += ("" if "." in s else ".") + "0" * extra
    return s


EXTRA = st.integers(0, 3)
PRICE = st.builds(lambda k, extra: with_zeros(k * TICK, extra), st.integers(1, 300), EXTRA)
QTY = st.builds(
    lambda m, scale, extra: with_zeros(Decimal(m).scaleb(-scale), extra),
    st.integers(1, 10**6),
    st.integers(0, 8),
    EXTRA,
)
ZERO_QTY = st.sampled_from(["0", "0.0", "0.000", "0.00000000"])
QTY_OR_ZERO = st.one_of(ZERO_QTY, QTY, QTY, QTY)


def levels(max_size: int = 10) -> st.SearchStrategy[list[Level]]:
    # a diff may name a price twice (in different spellings): the later one wins
    return st.lists(st.tuples(PRICE, QTY_OR_ZERO), max_size=max_size)


def snapshot_levels(max_size: int = 10) -> st.SearchStrategy[list[Level]]:
    # a REST book names each price once and has no zero quantities
    return st.lists(
        st.tuples(PRICE, QTY),
        max_size=max_size,
        unique_by=lambda lv: Decimal(lv[0]),
    )


def update_frame(first: int, last: int, bids: list[Level], asks: list[Level], full: bool = False) -> bytes:
    result: dict[str, Any] = {"t": 1, "s": SYMBOL, "U": first, "u": last, "b": bids, "a": asks}
    if full:
        result["full"] = True
    msg = {"time": 1, "time_ms": 1, "channel": "spot.order_book_update", "event": "update", "result": result}
    return json.dumps(msg).encode()


def snapshot_body(seq: int, bids: list[Level], asks: list[Level]) -> bytes:
    return json.dumps({"id": seq, "current": 1, "update": 1, "bids": bids, "asks": asks}).encode()


def apply_levels(side: dict[Decimal, Decimal], lvs: list[Level]) -> None:
    for p, q in lvs:  # in order: a repeated price ends with its last quantity
        price, qty = Decimal(p), Decimal(q)
        if qty == 0:
            side.pop(price, None)
        else:
            side[price] = qty


class BookMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.parser = hft_ws.GateSpotParser()
        self.book = hft_ws.OrderBook("gateio", "spot", SYMBOL)
        self.bids: dict[Decimal, Decimal] = {}
        self.asks: dict[Decimal, Decimal] = {}
        self.last_seq: int | None = None
        self.synced = False

    # ---- helpers

    def depth(self, frame: bytes, snapshot: bool) -> Any:
        events = self.parser.parse(frame)
        assert len(events) == 1
        (ev,) = events
        assert ev.kind == "depth"
        assert ev.is_snapshot is snapshot
        return ev

    def state(self) -> tuple[Any, ...]:
        return (self.book.bids_str(), self.book.asks_str(), self.book.last_seq, len(self.book))

    def replace(self, seq: int, bids: list[Level], asks: list[Level]) -> None:
        self.bids, self.asks = {}, {}
        apply_levels(self.bids, bids)
        apply_levels(self.asks, asks)
        self.last_seq = seq
        self.synced = True

    # ---- rules

    @initialize(seq=st.integers(1, 2**53), bids=snapshot_levels(), asks=snapshot_levels())
    def first_snapshot(self, seq: int, bids: list[Level], asks: list[Level]) -> None:
        self.snapshot(seq, bids, asks)

    @rule(seq=st.integers(1, 2**53), bids=snapshot_levels(), asks=snapshot_levels())
    def snapshot(self, seq: int, bids: list[Level], asks: list[Level]) -> None:
        ev = self.parser.parse_snapshot(snapshot_body(seq, bids, asks), SYMBOL)
        assert ev.is_snapshot and ev.last_seq == seq
        assert self.book.apply(ev) is True
        self.replace(seq, bids, asks)

    @rule(span=st.integers(0, 5), data=st.data(), bids=snapshot_levels(), asks=snapshot_levels())
    def full_push(self, span: int, data: st.DataObject, bids: list[Level], asks: list[Level]) -> None:
        # `full: true` replaces the book whatever its ids (checked before the gap rule)
        first = data.draw(st.integers(1, 2**53))
        ev = self.depth(update_frame(first, first + span, bids, asks, full=True), snapshot=True)
        assert self.book.apply(ev) is True
        self.replace(first + span, bids, asks)

    @rule(data=st.data(), span=st.integers(0, 5), bids=levels(), asks=levels())
    def contiguous_diff(self, data: st.DataObject, span: int, bids: list[Level], asks: list[Level]) -> None:
        assert self.last_seq is not None
        nxt = self.last_seq + 1
        # U == L + 1, or an overlap (U <= L < u): levels are absolute, so both apply
        first = data.draw(st.integers(max(1, nxt - 3), nxt))
        last = nxt + span
        ev = self.depth(update_frame(first, last, bids, asks), snapshot=False)
        assert (ev.first_seq, ev.last_seq) == (first, last)
        assert self.book.apply(ev) is True
        apply_levels(self.bids, bids)
        apply_levels(self.asks, asks)
        self.last_seq = last

    @rule(data=st.data(), bids=levels(), asks=levels())
    def stale_diff(self, data: st.DataObject, bids: list[Level], asks: list[Level]) -> None:
        assert self.last_seq is not None
        last = data.draw(st.integers(max(1, self.last_seq - 1000), self.last_seq))
        first = data.draw(st.integers(max(1, last - 5), last))
        before = self.state()
        assert self.book.apply(self.depth(update_frame(first, last, bids, asks), snapshot=False)) is False
        assert self.state() == before

    @rule(gap=st.integers(2, 1000), span=st.integers(0, 5), bids=levels(), asks=levels())
    def gapped_diff(self, gap: int, span: int, bids: list[Level], asks: list[Level]) -> None:
        assert self.last_seq is not None
        first = self.last_seq + gap
        before = self.state()
        ev = self.depth(update_frame(first, first + span, bids, asks), snapshot=False)
        try:
            self.book.apply(ev)
        except hft_ws.SequenceGap:
            pass
        else:
            raise AssertionError(f"no SequenceGap for U={first} after last_seq={self.last_seq}")
        assert self.state() == before
        self.synced = False

    # ---- invariants

    @invariant()
    def matches_model(self) -> None:
        bids = sorted(self.bids.items(), reverse=True)
        asks = sorted(self.asks.items())
        assert self.book.bids_str() == [(plain(p), plain(q)) for p, q in bids]
        assert self.book.asks_str() == [(plain(p), plain(q)) for p, q in asks]
        assert self.book.best_bid() == (None if not bids else (float(bids[0][0]), float(bids[0][1])))
        assert self.book.best_ask() == (None if not asks else (float(asks[0][0]), float(asks[0][1])))
        assert len(self.book) == len(bids) + len(asks)
        assert self.book.last_seq == self.last_seq
        assert self.book.is_synced is self.synced


BookMachine.TestCase.settings = settings(
    max_examples=100,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestBookStateful = BookMachine.TestCase
