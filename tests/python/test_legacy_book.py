"""The pure-Python OrderBook / BookSync of the legacy path against the Rust ones.

Random operation sequences (diffs, snapshots, start / reset, malformed levels, tiny level and buffer
caps) go to both; every outcome, error class and kind, and every read must be the same. Then the
state transfer between the two (``to_rust`` / ``from_rust``) and the Gate replays checkpoint by
checkpoint with the pure-Python book (book_sha256 as ../shared/checks/check_books.py computes it).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import hft_ws
from hft_ws.errors import HftWsError, ParseError
from hft_ws.legacy import book as L
from hft_ws.legacy.gate import GateFuturesMessageParser, GateSpotMessageParser

ROOT = Path(__file__).resolve().parents[2]
GATE = ROOT.parent / "shared" / "vectors" / "gateio"


@dataclass
class Upd:
    first_seq: int | None
    last_seq: int | None
    is_snapshot: bool
    bids_str: list[tuple[str, str]] = field(default_factory=list)
    asks_str: list[tuple[str, str]] = field(default_factory=list)
    symbol: str | None = "X"


PRICES = ["1", "1.0", "2", "2.50", "2.5", "3", "10", "0.5", "1e1", "99.99", "0", "-1", "1e-31", "x", ""]
QTYS = ["0", "1", "0.000", "2.5", "7", "-1", "1e38", "3e-30", "abc"]

level = st.tuples(st.sampled_from(PRICES), st.sampled_from(QTYS))
levels = st.lists(level, max_size=5)
seq = st.one_of(st.none(), st.integers(0, 14))


@st.composite
def op(draw: Any) -> tuple[Any, ...]:
    kind = draw(st.sampled_from(["diff", "diff", "diff", "snap", "snapdiff", "start", "reset", "event"]))
    if kind in ("start", "reset"):
        return (kind,)
    first, last = draw(seq), draw(seq)
    return (kind, first, last, draw(levels), draw(levels))


def _outcome(fn: Any, *args: Any) -> Any:
    try:
        return ("ok", fn(*args))
    except ParseError as e:
        return ("ParseError", e.kind, str(e))
    except HftWsError as e:
        return (type(e).__name__, str(e))
    except (ValueError, TypeError, OverflowError) as e:
        return (type(e).__name__, str(e))


def _book_reads(b: Any) -> Any:
    if b is None:
        return None
    return (
        b.bids_str(),
        b.asks_str(),
        b.bids(),
        b.asks(),
        b.bids_str(2),
        b.asks(1),
        b.best_bid(),
        b.best_ask(),
        b.mid(),
        b.spread(),
        b.last_seq,
        b.is_synced,
        b.is_crossed,
        len(b),
        b.exchange,
        b.market,
        b.symbol,
    )


def _sync_reads(s: Any) -> Any:
    return (
        s.phase,
        s.is_synced,
        s.needs_snapshot,
        s.buffered,
        s.deltas_only,
        s.last_seq,
        s.last_gap,
        s.last_synced,
        s.counters(),
        _book_reads(s.book),
    )


def _mk_event(rust: bool, first: int | None, last: int | None, snap: bool, bids: Any, asks: Any) -> Any:
    """A Gate ``order_book_update`` frame through the Rust or the legacy parser (``None``: refused)."""
    result: dict[str, Any] = {"s": "X", "b": [list(x) for x in bids], "a": [list(x) for x in asks]}
    if first is not None:
        result["U"] = first
    if last is not None:
        result["u"] = last
    if snap:
        result["full"] = True
    frame = json.dumps({"channel": "spot.order_book_update", "event": "update", "result": result})
    parser: Any = hft_ws.GateSpotParser() if rust else GateSpotMessageParser()
    try:
        return parser.parse(frame)[0]
    except ParseError:
        return None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ops=st.lists(op(), max_size=25),
    max_levels=st.sampled_from([2, 3, 20_000]),
    max_buffer=st.sampled_from([1, 2, 10_000]),
    deltas_only=st.booleans(),
)
def test_book_sync_matches_rust(ops: list[Any], max_levels: int, max_buffer: int, deltas_only: bool) -> None:
    kw = dict(max_levels=max_levels, max_buffer=max_buffer, deltas_only=deltas_only)
    rust = hft_ws.BookSync("gateio", "spot", "X", **kw)
    py = L.BookSync("gateio", "spot", "X", **kw)
    for o in ops:
        if o[0] in ("start", "reset"):
            getattr(rust, o[0])()
            getattr(py, o[0])()
        else:
            kind, first, last, bids, asks = o
            method = "on_snapshot" if kind == "snap" else "on_diff"
            if kind == "event":
                # the Rust book gets the Rust event, the Python book the legacy one
                ru, pu = _mk_event(True, first, last, False, bids, asks), _mk_event(False, first, last, False, bids, asks)
                assert (ru is None) == (pu is None)
                if ru is None:
                    continue
                a, b = _outcome(rust.on_diff, ru), _outcome(py.on_diff, pu)
            else:
                u = Upd(first, last, kind == "snapdiff", bids, asks)
                a = _outcome(getattr(rust, method), u)
                b = _outcome(getattr(py, method), u)
            assert a == b, (o, a, b)
        assert _sync_reads(rust) == _sync_reads(py), o


@settings(max_examples=300, deadline=None)
@given(ops=st.lists(op(), max_size=25), max_levels=st.sampled_from([1, 3, 20_000]))
def test_order_book_matches_rust(ops: list[Any], max_levels: int) -> None:
    rust = hft_ws.OrderBook("gateio", "spot", "X", max_levels=max_levels)
    py = L.OrderBook("gateio", "spot", "X", max_levels=max_levels)
    for o in ops:
        if o[0] in ("start", "reset"):
            rust.clear()
            py.clear()
        else:
            kind, first, last, bids, asks = o
            if kind == "event":
                ru, pu = _mk_event(True, first, last, False, bids, asks), _mk_event(False, first, last, False, bids, asks)
                assert (ru is None) == (pu is None)
                if ru is None:
                    continue
                a, b = _outcome(rust.apply, ru), _outcome(py.apply, pu)
            else:
                u = Upd(first, last, kind in ("snap", "snapdiff"), bids, asks)
                a = _outcome(rust.apply, u)
                b = _outcome(py.apply, u)
            assert a == b, (o, a, b)
        assert _book_reads(rust) == _book_reads(py)
        assert repr(rust) == repr(py)


def test_venue_and_symbol_checks() -> None:
    for cls in (hft_ws.OrderBook, L.OrderBook):
        with pytest.raises(ValueError):
            cls("binance", "spot", "X")
        with pytest.raises(ValueError):
            cls("gateio", "swap", "X")
        b = cls("gateio", "spot", "X")
        with pytest.raises(ValueError):
            b.apply(Upd(None, 1, True, [("1", "1")], [], symbol="Y"))
        # a legacy DepthUpdate event of another venue is refused by the Python book like a Rust one
    with pytest.raises(ValueError):
        L.OrderBook("gateio", "futures", "X").apply(_mk_event(False, None, 1, True, [], []))
    with pytest.raises(ValueError):
        hft_ws.OrderBook("gateio", "futures", "X").apply(_mk_event(True, None, 1, True, [], []))
    rust_ev = GateSpotMessageParser().parse_snapshot(b'{"id":1,"bids":[],"asks":[]}', "X")
    rust_real = hft_ws.GateSpotParser().parse_snapshot(b'{"id":1,"bids":[],"asks":[]}', "X")
    assert rust_ev == rust_real
    with pytest.raises(ValueError):
        L.OrderBook("mexc", "spot", "X").apply(rust_real)
    with pytest.raises(ValueError):
        hft_ws.OrderBook("mexc", "spot", "X").apply(rust_real)
    # the levels of a plain object must be (str, str) pairs
    for b2 in (hft_ws.OrderBook("gateio", "spot", "X"), L.OrderBook("gateio", "spot", "X")):
        with pytest.raises(ParseError) as ei:
            b2.apply(Upd(None, 1, True, [("1", 1)], []))  # type: ignore[list-item]
        assert ei.value.kind == "invalid_value"


def _state_of(s: Any) -> Any:
    return L.sync_state(s)


@settings(max_examples=150, deadline=None)
@example(ops=[("diff", None, 2, [], []), ("snap", None, 0, [], [])], deltas_only=False)
@given(ops=st.lists(op(), max_size=20), deltas_only=st.booleans())
def test_state_transfer_both_ways(ops: list[Any], deltas_only: bool) -> None:
    py = L.BookSync("gateio", "spot", "X", deltas_only=deltas_only)
    rust = hft_ws.BookSync("gateio", "spot", "X", deltas_only=deltas_only)
    for o in ops:
        if o[0] in ("start", "reset"):
            getattr(py, o[0])()
            getattr(rust, o[0])()
            continue
        kind, first, last, bids, asks = o
        u = Upd(first, last, kind == "snapdiff", bids, asks)
        method = "on_snapshot" if kind == "snap" else "on_diff"
        _outcome(getattr(py, method), u)
        _outcome(getattr(rust, method), u)
    # Python -> Rust keeps everything the Rust object can hold, buffered diffs included
    r2 = L.to_rust(py)
    # while buffering, last_seq only echoes a refused (too old) snapshot: not transferred (and never used)
    buffering = py.phase == "buffering"
    want = _state_of(py)
    if buffering:
        want["last_seq"] = None
    assert _state_of(r2) == want
    assert r2.buffered == py.buffered
    # Rust -> Python: synced books and sequence ids carry over; a buffering sync restarts buffering
    p2 = L.from_rust(rust)
    if rust.phase == "buffering" and not deltas_only:
        assert p2.phase == "buffering" and p2.needs_snapshot and p2.buffered == 0
    else:
        assert _state_of(p2) == _state_of(rust)
    assert p2.counters() == rust.counters()
    # and the two continue identically from there
    nxt = Upd(15, 16, False, [("5", "1")], [])
    assert _outcome(r2.on_diff, nxt) == _outcome(py.on_diff, nxt)
    got, want = _state_of(r2), _state_of(py)
    if buffering:
        got.pop("last_seq")
        want.pop("last_seq")
    assert got == want


def book_hash(book: Any) -> str:
    rows = [f"b {p} {q}" for p, q in book.bids_str()] + [f"a {p} {q}" for p, q in book.asks_str()]
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()


REPLAYS = [("replay_spot_btc_usdt", "spot"), ("replay_futures_btc_usdt", "futures")]


@pytest.mark.parametrize(("name", "market"), REPLAYS)
def test_replay_checkpoints_with_python_book(name: str, market: str) -> None:
    exp = json.loads((GATE / f"{name}.expected.json").read_text())
    parser = GateSpotMessageParser() if market == "spot" else GateFuturesMessageParser()
    snap = (GATE / exp["snapshot_file"]).read_bytes()
    ob = L.OrderBook("gateio", market, exp["symbol"])
    sync = L.BookSync("gateio", market, exp["symbol"])
    rparser: Any = hft_ws.GateSpotParser() if market == "spot" else hft_ws.GateFuturesParser()
    rsync = hft_ws.BookSync("gateio", market, exp["symbol"])
    for s in (sync, rsync):
        s.start()
    assert sync.on_snapshot(parser.parse_snapshot(snap, exp["symbol"])) == "synced"
    assert rsync.on_snapshot(rparser.parse_snapshot(snap, exp["symbol"])) == "synced"
    ob.apply(parser.parse_snapshot(snap))
    checkpoints = {c["line"]: c for c in exp["checkpoints"]}
    seen = 0
    lines = (GATE / f"{name}.jsonl").read_text().splitlines()
    for i, line in enumerate(lines):
        for ev, rev in zip(parser.parse(line.encode()), rparser.parse(line.encode()), strict=True):
            if ev.kind == "depth":
                ob.apply(ev)
                outcome = sync.on_diff(ev)
                assert outcome in ("applied", "stale", "synced")
                assert rsync.on_diff(rev) == outcome
        c = checkpoints.get(i)
        if c:
            seen += 1
            assert ob.last_seq == c["last_update_id"]
            assert book_hash(ob) == c["book_sha256"]
            assert sync.book is not None and book_hash(sync.book) == c["book_sha256"]
            assert sync.counters() == rsync.counters() and sync.last_seq == rsync.last_seq
    assert seen == len(checkpoints) > 0
    assert book_hash(ob) == exp["final"]["book_sha256"]
    assert ob.last_seq == exp["final"]["last_update_id"]

    # drop one depth frame after the first checkpoint: SequenceGap, book unchanged
    drop = exp["checkpoints"][0]["line"] + 1
    while ".order_book" not in lines[drop]:
        drop += 1
    ob2 = L.OrderBook("gateio", market, exp["symbol"])
    ob2.apply(parser.parse_snapshot(snap))
    with pytest.raises(hft_ws.SequenceGap):
        for i, line in enumerate(lines):
            if i == drop:
                continue
            for ev in parser.parse(line):
                if ev.kind == "depth":
                    before = (ob2.bids_str(), ob2.asks_str(), ob2.last_seq)
                    try:
                        ob2.apply(ev)
                    except hft_ws.SequenceGap:
                        assert (ob2.bids_str(), ob2.asks_str(), ob2.last_seq) == before
                        assert not ob2.is_synced
                        raise


decimal_texts = st.one_of(
    st.from_regex(r"[+-]?[0-9]{1,45}(\.[0-9]{1,45})?([eE][+-]?[0-9]{1,3})?", fullmatch=True),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
    st.sampled_from(["1e-30", "1e-31", "9" * 38, "9" * 39, "1e37", "1e38", "0.000", "-0", "00012.3400", "1_0", "١"]),
    st.text(alphabet="0123456789.eE+- ", max_size=12),
)


@settings(max_examples=400, deadline=None)
@given(price=decimal_texts, qty=decimal_texts, other=decimal_texts)
def test_exact_decimals_match_rust(price: str, qty: str, other: str) -> None:
    """num.py against num.rs through the books: accepted texts, canonical text, floats, mid, spread."""
    levels = [(price, qty), (other, "1")]
    rust = hft_ws.OrderBook("gateio", "spot", "X")
    py = L.OrderBook("gateio", "spot", "X")
    a = _outcome(rust.apply, Upd(None, 1, True, levels, []))
    b = _outcome(py.apply, Upd(None, 1, True, levels, []))
    assert a == b
    assert _book_reads(rust) == _book_reads(py)
    cross = [(price, "1")], [(other, "1")]
    rust.clear()
    py.clear()
    assert _outcome(rust.apply, Upd(None, 2, True, *cross)) == _outcome(py.apply, Upd(None, 2, True, *cross))
    assert _book_reads(rust) == _book_reads(py)
