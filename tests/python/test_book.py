"""hft_ws.OrderBook / hft_ws.BookSync through the Python API.

The replays read levels with a test-side reader (json with exact number tokens, a tiny protobuf
walker for MEXC spot) and hand them to the book as plain objects with the DepthUpdate attributes
(`first_seq`, `last_seq`, `is_snapshot`, `symbol`, `bids_str`, `asks_str`); the parser-driven
replays of ../shared/checks/check_books.py run in test_check_books_script when the parsers exist.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import random
import subprocess
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator

import pytest

import hft_ws

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT.parent / "shared" / "vectors"
CHECKS = ROOT.parent / "shared" / "checks"


@dataclass
class Update:
    first_seq: int | None
    last_seq: int | None
    is_snapshot: bool
    bids_str: list[tuple[str, str]] = field(default_factory=list)
    asks_str: list[tuple[str, str]] = field(default_factory=list)
    symbol: str | None = None


def _text(v: Any) -> str:
    return v if isinstance(v, str) else str(v)


def _levels(raw: Any) -> list[tuple[str, str]]:
    out = []
    for lv in raw or []:
        if isinstance(lv, dict):
            out.append((_text(lv["p"]), _text(lv["s"])))
        else:
            out.append((_text(lv[0]), _text(lv[1])))
    return out


def _loads(text: str) -> Any:
    # keep non-integer number tokens exact (MEXC futures prices are JSON numbers)
    return json.loads(text, parse_float=lambda s: s)


# ---- a minimal protobuf walker for MEXC spot publicAggreDepths (field numbers: protocols/mexc.md §5)


def _varint(b: bytes, i: int) -> tuple[int, int]:
    v, shift = 0, 0
    while True:
        byte = b[i]
        i += 1
        v |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return v, i
        shift += 7


def _fields(b: bytes) -> Iterator[tuple[int, bytes]]:
    i = 0
    while i < len(b):
        key, i = _varint(b, i)
        f, wt = key >> 3, key & 7
        if wt == 0:
            _, i = _varint(b, i)
            yield f, b""
        elif wt == 2:
            n, i = _varint(b, i)
            yield f, b[i : i + n]
            i += n
        elif wt == 1:
            i += 8
        elif wt == 5:
            i += 4
        else:
            raise ValueError(f"wire type {wt}")


def _mexc_spot(line: str) -> Update | None:
    body = next((p for f, p in _fields(base64.b64decode(line)) if f == 313), None)
    if body is None:
        return None
    u = Update(None, None, False)
    for f, p in _fields(body):
        if f in (1, 2):
            lv = dict(_fields(p))
            (u.asks_str if f == 1 else u.bids_str).append((lv.get(1, b"").decode(), lv.get(2, b"").decode()))
        elif f == 4:
            u.first_seq = int(p)
        elif f == 5:
            u.last_seq = int(p)
    return u


def frame(kind: str, line: str) -> Update | None:
    if kind == "mexc_spot":
        return _mexc_spot(line)
    v = _loads(line)
    if kind.startswith("gate"):
        if not v.get("channel", "").endswith(".order_book_update"):
            return None
        r = v["result"]
        return Update(r.get("U"), r.get("u"), bool(r.get("full", False)), _levels(r.get("b")), _levels(r.get("a")), r.get("s"))
    if v.get("channel") != "push.depth":
        return None
    d = v["data"]
    first, last = (d["begin"], d["end"]) if "begin" in d and "end" in d else (d.get("version"), d.get("version"))
    return Update(first, last, False, _levels(d.get("bids")), _levels(d.get("asks")), v.get("symbol"))


REPLAYS = [
    ("gateio", "gate_spot", "gateio/replay_spot_btc_usdt.jsonl"),
    ("gateio", "gate_futures", "gateio/replay_futures_btc_usdt.jsonl"),
    ("mexc", "mexc_spot", "mexc/replay_spot_btcusdt.pb.jsonl"),
    ("mexc", "mexc_futures", "mexc/replay_futures_btc_usdt.jsonl"),
    ("mexc", "mexc_futures", "mexc/replay_futures_btc_usdt_merged.jsonl"),
]


@dataclass
class Replay:
    exchange: str
    kind: str
    lines: list[str]
    expected: dict[str, Any]
    snapshot: Update


def load(exchange: str, kind: str, rel: str) -> Replay:
    path = VECTORS / rel
    base = str(path).removesuffix(".jsonl").removesuffix(".pb")
    expected = json.loads(Path(base + ".expected.json").read_text())
    snap = _loads((path.parent / expected["snapshot_file"]).read_text())
    if kind == "mexc_futures":
        body, seq = snap["data"], snap["data"]["version"]
    else:
        body, seq = snap, snap.get("id", snap.get("lastUpdateId"))
    snapshot = Update(None, seq, True, _levels(body["bids"]), _levels(body["asks"]))
    return Replay(exchange, kind, path.read_text().splitlines(), expected, snapshot)


def book_hash(book: hft_ws.OrderBook) -> str:
    rows = [f"b {p} {q}" for p, q in book.bids_str()] + [f"a {p} {q}" for p, q in book.asks_str()]
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()


def last_of(d: dict[str, Any]) -> int:
    return int(d["last_update_id"] if "last_update_id" in d else d["last_version"])


def new_book(r: Replay) -> hft_ws.OrderBook:
    return hft_ws.OrderBook(r.exchange, r.expected["market"], r.expected["symbol"])


@pytest.mark.parametrize("exchange,kind,rel", REPLAYS, ids=[x[2] for x in REPLAYS])
def test_replay_reproduces_every_checkpoint(exchange: str, kind: str, rel: str) -> None:
    r = load(exchange, kind, rel)
    book = new_book(r)
    assert book.apply(r.snapshot) is True
    checkpoints = {c["line"]: c for c in r.expected["checkpoints"]}
    stale, first_applied = [], None
    for i, line in enumerate(r.lines):
        u = frame(kind, line)
        if u is not None:
            if book.apply(u):
                if first_applied is None:
                    first_applied = i
            else:
                stale.append(i)
        c = checkpoints.get(i)
        if c:
            assert book.last_seq == last_of(c), i
            assert book_hash(book) == c["book_sha256"], i
            best = book.best_bid()
            assert best is not None and best[0] == float(c["best_bid"])
            best = book.best_ask()
            assert best is not None and best[0] == float(c["best_ask"])
    assert stale == r.expected["stale_book_lines_to_drop"]
    assert first_applied == r.expected["first_applied_line"]
    f = r.expected["final"]
    assert book_hash(book) == f["book_sha256"]
    assert book.last_seq == last_of(f)
    assert book.bids_str(10) == [tuple(x) for x in f["bids_top10"]]
    assert book.asks_str(10) == [tuple(x) for x in f["asks_top10"]]
    assert book.bids(10) == [(float(p), float(q)) for p, q in f["bids_top10"]]
    assert book.asks(10) == [(float(p), float(q)) for p, q in f["asks_top10"]]
    assert len(book) == f["bid_levels"] + f["ask_levels"]
    assert book.is_synced and not book.is_crossed
    best_b, best_a = Decimal(f["best_bid"]), Decimal(f["best_ask"])
    assert book.spread() == float(best_a - best_b)
    assert book.mid() == float((best_a + best_b) / 2)


@pytest.mark.parametrize("exchange,kind,rel", REPLAYS, ids=[x[2] for x in REPLAYS])
def test_drop_a_frame_raises_sequence_gap_and_book_unchanged(exchange: str, kind: str, rel: str) -> None:
    r = load(exchange, kind, rel)
    book = new_book(r)
    book.apply(r.snapshot)
    after = r.expected["checkpoints"][1]["line"]
    depth = [i for i, line in enumerate(r.lines) if i > after and frame(kind, line) is not None]
    dropped, gap_line = depth[0], depth[1]
    for i, line in enumerate(r.lines[: gap_line + 1]):
        u = frame(kind, line)
        if i == dropped or u is None:
            continue
        if i < gap_line:
            book.apply(u)
            continue
        before = (book.last_seq, book_hash(book), len(book))
        with pytest.raises(hft_ws.SequenceGap):
            book.apply(u)
        assert (book.last_seq, book_hash(book), len(book)) == before
        assert not book.is_synced
    assert issubclass(hft_ws.SequenceGap, hft_ws.HftWsError)


def test_duplicate_is_stale_and_full_push_replaces() -> None:
    r = load("gateio", "gate_spot", "gateio/replay_spot_btc_usdt.jsonl")
    full = r.expected["full_push_lines"][0]
    book = new_book(r)
    book.apply(r.snapshot)
    stripped: Update | None = None
    for i, line in enumerate(r.lines):
        u = frame("gate_spot", line)
        if u is None:
            continue
        assert book.apply(u) is (i not in r.expected["stale_book_lines_to_drop"])
        # (a repeated full push replaces the book again with the same content)
        if i > r.expected["first_applied_line"] and i != full and book.apply(u) is not False:
            raise AssertionError(f"duplicate of line {i} was not stale")
        if i == full:
            assert u.is_snapshot and book.is_synced
            stripped = Update(u.first_seq, u.last_seq, False, u.bids_str, u.asks_str)
    assert book_hash(book) == r.expected["final"]["book_sha256"]
    # the full push without its flag is a gap
    assert stripped is not None
    book2 = new_book(r)
    book2.apply(r.snapshot)
    for line in r.lines[:full]:
        u = frame("gate_spot", line)
        if u is not None:
            book2.apply(u)
    with pytest.raises(hft_ws.SequenceGap):
        book2.apply(stripped)


def test_book_sync_buffers_bridges_and_resyncs() -> None:
    r = load("mexc", "mexc_futures", "mexc/replay_futures_btc_usdt_merged.jsonl")
    s = hft_ws.BookSync("mexc", "futures", "BTC_USDT")
    assert s.phase == "unsynced" and s.book is None
    s.start()
    assert s.needs_snapshot and s.phase == "buffering"
    first = r.expected["first_applied_line"]
    outcomes = []
    for i, line in enumerate(r.lines):
        u = frame("mexc_futures", line)
        if u is not None:
            outcomes.append(s.on_diff(u))
        if i == first + 5:
            assert s.book is None and not s.is_synced
            assert s.on_snapshot(r.snapshot) == "synced"
            stale = len(r.expected["stale_book_lines_to_drop"])
            synced = s.last_synced
            assert synced is not None and synced[0] == stale and synced[1] >= 1
            assert s.book is not None and s.book.is_synced
    assert set(outcomes) == {"buffered", "applied"}
    book = s.book
    assert book is not None and book_hash(book) == r.expected["final"]["book_sha256"]
    # gap → buffering, book hidden, snapshot wanted; the same book object comes back after resync
    last = s.last_seq
    assert s.on_diff(Update(last + 5, last + 6, False, [("1", "1")])) == "gap"
    assert s.last_gap == (last + 1, last + 5)
    assert s.book is None and s.needs_snapshot and s.phase == "buffering"
    assert s.on_snapshot(Update(None, last + 5, True, [("2", "1")], [("3", "1")])) == "synced"
    # the diff that showed the gap was buffered and bridges the new snapshot
    assert s.book is book and book.bids_str() == [("2", "1"), ("1", "1")] and s.last_seq == last + 6
    assert s.counters()["gaps"] == 1
    with pytest.raises(hft_ws.ParseError):
        s.on_diff(Update(last + 7, last + 7, False, [("bad", "1")]))


def test_book_sync_overflow_and_deltas_only() -> None:
    s = hft_ws.BookSync("gateio", "spot", "BTC_USDT", max_buffer=3)
    outs = [s.on_diff(Update(i, i, False)) for i in range(1, 6)]
    assert outs == ["buffered", "buffered", "buffered", "overflow", "buffered"]
    assert s.counters()["overflows"] == 1 and s.needs_snapshot
    d = hft_ws.BookSync("gateio", "spot", "BTC_USDT", deltas_only=True)
    assert [d.on_diff(Update(a, b, False)) for a, b in [(1, 2), (3, 3), (3, 3), (6, 7), (8, 8)]] == [
        "applied", "applied", "stale", "gap", "applied"]
    assert d.book is None and d.last_seq == 8 and not d.needs_snapshot


def test_reads_and_errors() -> None:
    b = hft_ws.OrderBook("gateio", "spot", "BTC_USDT")
    assert b.best_bid() is None and b.mid() is None and b.spread() is None and len(b) == 0
    assert b.last_seq is None and not b.is_synced
    assert b.apply(Update(None, None, True, [("117000.10", "1.50"), ("117000.1", "2")], [("117000.2", "0.0125")]))
    assert b.last_seq is None and len(b) == 2 and b.is_synced
    assert b.bids_str() == [("117000.1", "2")] and b.asks_str() == [("117000.2", "0.0125")]
    assert b.apply(Update(7, 9, False, [("117000.3", "1e-8")], [], "BTC_USDT"))
    assert b.is_crossed and b.spread() == -0.1 and b.bids_str(1) == [("117000.3", "0.00000001")]
    assert "BTC_USDT" in repr(b)
    with pytest.raises(ValueError):
        b.apply(Update(10, 10, False, [], [], "ETH_USDT"))
    with pytest.raises(hft_ws.ParseError):
        b.apply(Update(10, 10, False, [("1", "-1")]))
    with pytest.raises(hft_ws.ParseError):
        b.apply(Update(None, None, False))
    with pytest.raises(ValueError):
        hft_ws.OrderBook("binance", "spot", "BTCUSDT")


def test_random_diffs_agree_with_decimal_model() -> None:
    rng = random.Random(7)
    for _ in range(20):
        b = hft_ws.OrderBook("mexc", "spot", "X")
        bids: dict[Decimal, Decimal] = {}
        asks: dict[Decimal, Decimal] = {}
        last: int | None = None
        for step in range(300):
            snap = step == 0 or rng.random() < 0.03
            levels = []
            for _ in range(rng.randrange(0 if not snap else 5, 12)):
                p = Decimal(rng.randrange(10000, 10100)) / 100
                q = Decimal(0) if rng.random() < 0.3 else Decimal(rng.randrange(1, 10**9)) / 10**8
                spell = rng.choice(["{:f}", "{:.8f}", "{:E}"])
                levels.append((rng.random() < 0.5, spell.format(p), spell.format(q), p, q))
            u = Update(None, None, snap)
            u.bids_str = [(ps, qs) for is_bid, ps, qs, _, _ in levels if is_bid]
            u.asks_str = [(ps, qs) for is_bid, ps, qs, _, _ in levels if not is_bid]
            base = last or 100
            first, lst = rng.choice([(base + 1, base + 3), (base - 1, base + 1), (base - 3, base), (base + 3, base + 4)])
            if snap:
                u.last_seq = rng.choice([None, base + 10])
            else:
                u.first_seq, u.last_seq = first, lst
            if not snap and last is not None and lst <= last:
                assert b.apply(u) is False
                continue
            if not snap and last is not None and first > last + 1:
                with pytest.raises(hft_ws.SequenceGap):
                    b.apply(u)
                continue
            assert b.apply(u) is True
            if snap:
                bids.clear()
                asks.clear()
            for is_bid, _, _, p, q in levels:
                side = bids if is_bid else asks
                if q == 0:
                    side.pop(p, None)
                else:
                    side[p] = q
            last = u.last_seq
            assert b.last_seq == last
            want_b = [(float(p), float(q)) for p, q in sorted(bids.items(), reverse=True)]
            want_a = [(float(p), float(q)) for p, q in sorted(asks.items())]
            assert b.bids() == want_b and b.asks() == want_a
            assert [Decimal(p) for p, _ in b.bids_str()] == [p for p, _ in sorted(bids.items(), reverse=True)]
            assert [Decimal(q) for _, q in b.asks_str()] == [q for _, q in sorted(asks.items())]


@pytest.mark.parametrize("exchange", ["gateio", "mexc"])
def test_check_books_script(exchange: str) -> None:
    out = subprocess.run([sys.executable, str(CHECKS / "check_books.py"), exchange, str(VECTORS / exchange)],
                         capture_output=True, text=True, cwd=ROOT, env=dict(os.environ), timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
