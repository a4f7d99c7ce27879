"""``hft_ws.legacy``: parser selection, strategy sets, and flipping a running exchange between paths.

The flip tests feed the same frames to a reference exchange object on the Rust path and to one that
is switched Rust → legacy → Rust mid-stream: the handler must see the same events (``==``) and the same
books after every update, nothing lost or doubled. The end-to-end test does the same against the
bundled simulator through ``WebSocketManager`` (127.0.0.1 only).
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

import hft_ws
from hft_ws.exchanges.gateio import GateFuturesPublic, GateSpotPublic
from hft_ws.legacy import (
    WebSocketStrategySet,
    is_legacy_parser,
    message_parser,
    resolve_legacy,
    rust_parser,
    set_path,
)
from hft_ws.legacy import book as legacy_book
from hft_ws.legacy.gate import GateFuturesMessageParser, GateSpotMessageParser
from hft_ws.sim import Simulator

ROOT = Path(__file__).resolve().parents[2]
GATE = ROOT.parent / "shared" / "vectors" / "gateio"


def test_message_parser_selection() -> None:
    assert isinstance(message_parser("gateio", "spot"), GateSpotMessageParser)
    assert isinstance(message_parser("gateio", "futures"), GateFuturesMessageParser)
    assert isinstance(rust_parser("gateio", "spot"), hft_ws.GateSpotParser)
    assert isinstance(rust_parser("mexc", "futures"), hft_ws.MexcFuturesParser)
    assert is_legacy_parser(message_parser("gateio", "spot"))
    assert not is_legacy_parser(rust_parser("gateio", "spot"))
    for bad in (("binance", "spot"), ("gateio", "swap")):
        with pytest.raises(ValueError):
            message_parser(*bad)
    if importlib.util.find_spec("hft_ws.legacy.mexc") is None:
        with pytest.raises(ImportError):
            message_parser("mexc", "spot")
    else:
        assert is_legacy_parser(message_parser("mexc", "spot"))


def test_resolve_legacy() -> None:
    assert resolve_legacy(None, {}) == set()
    assert resolve_legacy(None, {"HFT_WS_LEGACY": "mexc, gateio"}) == {"mexc", "gateio"}
    assert resolve_legacy(None, {"HFT_WS_LEGACY": "ALL"}) == {"mexc", "gateio"}
    assert resolve_legacy({"mexc": True}, {"HFT_WS_LEGACY": "gateio"}) == {"mexc", "gateio"}
    assert resolve_legacy({"gateio": False}, {"HFT_WS_LEGACY": "gateio"}) == set()
    with pytest.raises(ValueError):
        resolve_legacy(None, {"HFT_WS_LEGACY": "gate"})
    with pytest.raises(ValueError):
        resolve_legacy({"binance": True}, {})


def _without_ids(messages: list[str]) -> list[Any]:
    out = []
    for m in messages:
        d = json.loads(m)
        d.pop("id", None)
        d.pop("time", None)
        out.append(d)
    return out


def test_strategy_set_for_exchange() -> None:
    ex = GateFuturesPublic(["BTC_USDT"], ["trades", "book", "kline"], ws_url="ws://127.0.0.1:1/x")
    s = WebSocketStrategySet.for_exchange(ex)
    assert (s.exchange, s.market) == ("gateio", "futures")
    assert s.connection.url == "ws://127.0.0.1:1/x"
    assert s.connection.headers == ()
    ping = s.connection.ping_message()
    assert ping is not None and json.loads(ping)["channel"] == "futures.ping"
    assert _without_ids(s.subscription.messages()) == _without_ids(ex.subscribe_messages())
    assert isinstance(s.parser, GateFuturesMessageParser)
    assert not is_legacy_parser(ex._parser)
    s.install(ex)
    assert ex._parser is s.parser
    s.uninstall(ex)
    assert isinstance(ex._parser, hft_ws.GateFuturesParser)


class Capture(hft_ws.Handler):
    """Records every event, and each book's state at the moment it is delivered."""

    def __init__(self) -> None:
        self.events: list[Any] = []
        self.books: list[Any] = []

    def on_book(self, book: Any) -> None:
        self.books.append((book.last_seq, book.bids_str(), book.asks_str(), book.mid(), book.is_crossed))

    def on_event(self, event: Any) -> None:
        self.events.append(event)


@pytest.mark.parametrize(("name", "cls"), [("replay_spot_btc_usdt", GateSpotPublic),
                                           ("replay_futures_btc_usdt", GateFuturesPublic)])
def test_flip_mid_stream_same_events_and_books(name: str, cls: Any) -> None:
    lines = (GATE / f"{name}.jsonl").read_text().splitlines()[:3000]
    snap = (GATE / f"{name}.snapshot.json").read_bytes()
    ref_h, flip_h = Capture(), Capture()
    ref, flip = cls(["BTC_USDT"], ["trades", "book"]), cls(["BTC_USDT"], ["trades", "book"])
    ref._bind(ref_h)
    flip._bind(flip_h)
    for ex in (ref, flip):
        ex._books["BTC_USDT"].start()
    flips = {200: True, 900: False, 1500: True, 2600: False}
    for i, line in enumerate(lines):
        if i == 100:  # the REST snapshot arrives while diffs are buffered
            for ex in (ref, flip):
                assert ex._books["BTC_USDT"].on_snapshot(ex._parser.parse_snapshot(snap, "BTC_USDT")) == "synced"
        if i in flips:
            assert set_path(flip, flips[i])
            assert is_legacy_parser(flip._parser) == flips[i]
            sync = flip._books["BTC_USDT"]
            assert isinstance(sync, legacy_book.BookSync) == flips[i]
        for ex in (ref, flip):
            ex._handle_message(line.encode(), 1_000 + i)
    assert len(ref_h.events) == len(flip_h.events) >= len(lines)
    legacy_seen = 0
    for a, b in zip(ref_h.events, flip_h.events, strict=True):
        assert a == b and b == a
        legacy_seen += type(b).__module__ == "hft_ws.legacy.events"
    assert legacy_seen > 1000
    assert ref_h.books == flip_h.books and len(ref_h.books) > 1000
    assert not set_path(flip, False)  # already on the Rust path: nothing to do


def test_flip_while_buffering_refetches_snapshot() -> None:
    lines = (GATE / "replay_spot_btc_usdt.jsonl").read_text().splitlines()[:400]
    snap = (GATE / "replay_spot_btc_usdt.snapshot.json").read_bytes()
    ex = GateSpotPublic(["BTC_USDT"], ["book"])
    ex._bind(Capture())
    ex._books["BTC_USDT"].start()
    for line in lines[:50]:
        ex._handle_message(line, 0)
    assert ex._books["BTC_USDT"].buffered > 0
    set_path(ex, True)
    sync = ex._books["BTC_USDT"]
    # the Rust buffer cannot be read: the Python sync buffers afresh and still wants a snapshot
    assert isinstance(sync, legacy_book.BookSync) and sync.needs_snapshot and sync.phase == "buffering"
    for line in lines[50:]:
        ex._handle_message(line, 0)
    # the snapshot (older than the fresh buffer) is refused as too old, as on the Rust path
    assert sync.on_snapshot(ex._parser.parse_snapshot(snap, "BTC_USDT")) in ("snapshot_too_old", "synced")


class SimRecorder(hft_ws.Handler):
    def __init__(self) -> None:
        self.trade_ids: dict[str, list[int]] = {}
        self.classes: set[str] = set()
        self.book_types: set[str] = set()
        self.errors: list[Any] = []

    def on_trade(self, t: Any) -> None:
        self.trade_ids.setdefault(t.symbol, []).append(int(t.trade_id))
        self.classes.add(type(t).__module__)

    def on_book(self, book: Any) -> None:
        self.book_types.add(type(book).__module__)

    def on_error(self, error: Any) -> None:
        self.errors.append(error)


SYMBOLS = ["BTC_USDT", "ETH_USDT"]


def _books_match(sim: Simulator, ex: GateSpotPublic) -> bool:
    for s in SYMBOLS:
        book = ex.book(s)
        if book is None:
            return False
        seq, bids, asks = sim.book_truth("gateio", "spot", s)
        if not (book.last_seq == seq and book.bids_str() == bids and book.asks_str() == asks):
            return False
    return True


async def _wait(cond: Any, timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not cond():
            await asyncio.sleep(0.01)


def test_flip_against_simulator() -> None:
    rec = SimRecorder()

    async def main() -> None:
        async with asyncio.timeout(40.0):
            async with Simulator(seed=11, symbols=SYMBOLS, rate_hz=50) as sim:
                urls = sim.urls[("gateio", "spot")]
                async with hft_ws.WebSocketManager(rec, ping_interval=0.2) as mgr:
                    ex = GateSpotPublic(SYMBOLS, ["trades", "book"], ws_url=urls["ws"], rest_url=urls["rest"])
                    mgr.add(ex)
                    await _wait(lambda: _books_match(sim, ex))
                    for on in (True, False, True):
                        n = sum(len(v) for v in rec.trade_ids.values())
                        assert set_path(ex, on)
                        await _wait(lambda: sum(len(v) for v in rec.trade_ids.values()) > n + 20)
                        await _wait(lambda: _books_match(sim, ex))
                        assert isinstance(ex._books[SYMBOLS[0]], legacy_book.BookSync) == on

    asyncio.run(main())
    assert not rec.errors
    assert rec.classes == {"hft_ws._core", "hft_ws.legacy.events"}
    assert rec.book_types == {"hft_ws._core", "hft_ws.legacy.book"}
    for sym, ids in rec.trade_ids.items():
        # every trade exactly once, in order, across the flips
        assert ids == list(range(ids[0], ids[0] + len(ids))), sym
