"""Side-by-side medians, one run, same frames: hft_ws parsers vs what users write today.

Workloads (frames taken from ../shared replays, or built with upb for MEXC):
  gate spot 10-level book diff:   hft_ws parse / parse+OrderBook.apply  vs  json / orjson + dict walk + floats
  gate spot trade:                hft_ws parse                          vs  json / orjson + dict walk
  mexc protobuf aggre depth:      hft_ws parse                          vs  upb ParseFromString + field walk
  mexc protobuf aggre deals:      hft_ws parse                          vs  upb ParseFromString + field walk
`legacy_vs_rust()` prints the legacy (pure Python) path next to the direct path on the same frames.
Run: .venv/bin/python benches/compare.py   (use a release build: `make build`)
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import orjson

import hft_ws

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "python"))
import mexc_upb  # noqa: E402

SHARED = os.environ.get("HFT_WS_SHARED", os.path.join(os.path.dirname(__file__), "..", "..", "shared"))


def median_us(fn: Callable[[], Any], number: int = 2000, repeat: int = 15) -> float:
    for _ in range(200):
        fn()
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter_ns()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter_ns() - t0) / number / 1000.0)
    return statistics.median(samples)


def gate_frames() -> tuple[bytes, bytes]:
    book = trade = None
    with open(os.path.join(SHARED, "vectors", "gateio", "replay_spot_btc_usdt.jsonl"), "rb") as f:
        for line in f:
            line = line.rstrip(b"\n")
            if book is None and b"order_book_update" in line:
                d = json.loads(line)
                if len(d["result"].get("b", [])) + len(d["result"].get("a", [])) >= 10:
                    book = line
            if trade is None and b'"spot.trades"' in line and b'"update"' in line:
                trade = line
            if book and trade:
                return book, trade
    raise SystemExit("replay frames not found")


def walk_book(d: dict[str, Any]) -> list[tuple[float, float]]:
    r = d["result"]
    return [(float(p), float(q)) for p, q in r.get("b", [])] + [(float(p), float(q)) for p, q in r.get("a", [])]


def walk_trade(d: dict[str, Any]) -> tuple[float, float, str]:
    r = d["result"]
    return float(r["price"]), float(r["amount"]), r["side"]


def main() -> None:
    book_frame, trade_frame = gate_frames()
    gp = hft_ws.GateSpotParser()
    mp = hft_ws.MexcSpotParser()
    ob = hft_ws.OrderBook("gateio", "spot", "BTC_USDT")
    (ev,) = gp.parse(book_frame)

    def apply_fresh() -> None:
        ob.clear()
        for e in gp.parse(book_frame):
            ob.apply(e)

    depth_pb = mexc_upb.aggre_depth_frame(10)
    deals_pb = mexc_upb.aggre_deals_frame(3)
    rows: list[tuple[str, str, float]] = []

    def row(workload: str, name: str, fn: Callable[[], Any]) -> None:
        rows.append((workload, name, median_us(fn)))

    w = f"gate spot book diff ({len(book_frame)} B)"
    row(w, "hft_ws parse", lambda: gp.parse(book_frame))
    row(w, "hft_ws parse + read levels", lambda: [e.bids for e in gp.parse(book_frame)])
    row(w, "hft_ws parse + OrderBook.apply", apply_fresh)
    row(w, "json.loads + walk + float", lambda: walk_book(json.loads(book_frame)))
    row(w, "orjson.loads + walk + float", lambda: walk_book(orjson.loads(book_frame)))
    w = f"gate spot trade ({len(trade_frame)} B)"
    row(w, "hft_ws parse", lambda: gp.parse(trade_frame))
    row(w, "hft_ws parse + read fields", lambda: [(e.price, e.qty, e.side) for e in gp.parse(trade_frame)])
    row(w, "json.loads + walk", lambda: walk_trade(json.loads(trade_frame)))
    row(w, "orjson.loads + walk", lambda: walk_trade(orjson.loads(trade_frame)))
    w = f"mexc pb aggre depth 10+10 ({len(depth_pb)} B)"
    row(w, "hft_ws parse", lambda: mp.parse(depth_pb))
    row(w, "hft_ws parse + read levels", lambda: [(e.bids, e.asks) for e in mp.parse(depth_pb)])
    row(w, "upb decode + walk", lambda: mexc_upb.upb_depth_walk(depth_pb))
    w = f"mexc pb aggre deals x3 ({len(deals_pb)} B)"
    row(w, "hft_ws parse", lambda: mp.parse(deals_pb))
    row(w, "hft_ws parse + read fields", lambda: [(e.price, e.qty, e.side) for e in mp.parse(deals_pb)])
    row(w, "upb decode + walk", lambda: mexc_upb.upb_deals_walk(deals_pb))

    print(f"hft_ws {hft_ws.__version__} ({hft_ws.build_profile} build), python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cpus; median us per frame")
    current = None
    base = 0.0
    for workload, name, us in rows:
        if workload != current:
            current = workload
            print(f"\n{workload}")
            base = next(u for wl, n, u in rows if wl == workload and n == "hft_ws parse")
        print(f"  {name:<34} {us:8.2f} us   x{us / base:5.2f} of hft_ws parse")


def legacy_vs_rust() -> None:
    """Per-message cost of the legacy (pure-Python) path next to the direct (Rust) path, same frames,
    one run: parse, and parse + synced BookSync update (the headline ratio of the refactoring)."""
    from hft_ws.legacy import book as legacy_book
    from hft_ws.legacy import message_parser

    book_frame, trade_frame = gate_frames()
    paths = {"rust": (hft_ws.GateSpotParser(), hft_ws.BookSync), "legacy": (message_parser("gateio", "spot"),
                                                                           legacy_book.BookSync)}
    (ev,) = paths["rust"][0].parse(book_frame)
    width = ev.last_seq - ev.first_seq + 1
    old = f'"U":{ev.first_seq},"u":{ev.last_seq}'.encode()
    results: dict[str, dict[str, float]] = {}
    for name, (parser, sync_cls) in paths.items():
        sync = sync_cls("gateio", "spot", "BTC_USDT")
        sync.start()
        snap = json.dumps({"id": ev.first_seq - 1, "bids": [["1", "1"]], "asks": [["99999", "1"]]})
        sync.on_snapshot(parser.parse_snapshot(snap, "BTC_USDT"))
        nxt = [ev.first_seq]

        def apply(parser: Any = parser, sync: Any = sync, nxt: list[int] = nxt) -> None:
            first = nxt[0]
            nxt[0] = first + width
            frame = book_frame.replace(old, f'"U":{first},"u":{first + width - 1}'.encode())
            for e in parser.parse(frame):
                sync.on_diff(e)

        results[name] = {
            "book diff parse": median_us(lambda p=parser: p.parse(book_frame)),
            "trade parse": median_us(lambda p=parser: p.parse(trade_frame)),
            "book diff parse + BookSync.on_diff": median_us(apply),
        }
    # MEXC: parse only (spot protobuf pushes, futures JSON)
    depth_pb, deals_pb = mexc_upb.aggre_depth_frame(10), mexc_upb.aggre_deals_frame(3)
    fut_depth = json.dumps(
        {
            "channel": "push.depth",
            "data": {
                "asks": [[117000.1 + i / 10, 1000 + i, 3] for i in range(10)],
                "bids": [[116999.9 - i / 10, 2000 + i, 4] for i in range(10)],
                "version": 27883254361,
            },
            "symbol": "BTC_USDT",
            "ts": 1760950364391,
        },
        separators=(",", ":"),
    )
    for name, spot, fut in (
        ("rust", hft_ws.MexcSpotParser(), hft_ws.MexcFuturesParser()),
        ("legacy", message_parser("mexc", "spot"), message_parser("mexc", "futures")),
    ):
        results[name]["mexc pb depth 10+10 parse"] = median_us(lambda p=spot: p.parse(depth_pb))
        results[name]["mexc pb deals x3 parse"] = median_us(lambda p=spot: p.parse(deals_pb))
        results[name]["mexc futures depth 10+10 parse"] = median_us(lambda p=fut: p.parse(fut_depth))
    # the whole receive path of an exchange object: parse + book sync + handler dispatch
    for name, on in (("rust", False), ("legacy", True)):
        results[name]["GateSpotPublic message -> handler (book)"] = median_us(exchange_path(book_frame, ev, on))

    print(f"\nlegacy (pure Python) vs direct (Rust) path, median us per message ({hft_ws.build_profile} build)")
    for row in results["rust"]:
        r, g = results["rust"][row], results["legacy"][row]
        print(f"  {row:<42} rust {r:7.2f}   legacy {g:7.2f}   legacy/rust x{g / r:5.2f}")


def exchange_path(book_frame: bytes, ev: Any, legacy: bool) -> Callable[[], None]:
    """One Gate book diff through `GateSpotPublic._on_message` (parse, BookSync, on_depth + on_book to a
    handler that reads the top of book), on the direct or the legacy path."""
    from hft_ws.exchanges.gateio import GateSpotPublic
    from hft_ws.legacy import set_path

    class Top(hft_ws.Handler):
        def on_book(self, book: Any) -> None:
            book.best_bid()

        def on_event(self, event: Any) -> None:
            pass

    ex = GateSpotPublic(["BTC_USDT"], ["book"])
    ex._bind(Top())
    set_path(ex, legacy)
    sync = ex._books.syncs["BTC_USDT"]
    sync.start()
    snap = json.dumps({"id": ev.first_seq - 1, "bids": [["1", "1"]], "asks": [["99999", "1"]]})
    sync.on_snapshot(ex._parser.parse_snapshot(snap, "BTC_USDT"))
    width = ev.last_seq - ev.first_seq + 1
    old = f'"U":{ev.first_seq},"u":{ev.last_seq}'.encode()
    nxt = [ev.first_seq]

    def one() -> None:
        first = nxt[0]
        nxt[0] = first + width
        ex._on_message(book_frame.replace(old, f'"U":{first},"u":{first + width - 1}'.encode()), 0)

    return one


if __name__ == "__main__":
    main()
    legacy_vs_rust()
