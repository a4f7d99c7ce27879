"""`make demo`: replay the bundled exchange recordings through the Rust parsers and order books.

For every `replay_*` file in ``<shared>/vectors/<exchange>/`` it parses each frame, keeps the book
in sync from the REST snapshot, and prints per-channel counts, parse errors, messages per second
and whether the final book equals the recorded ground truth. Exits non-zero on any mismatch.
"""

from __future__ import annotations

import argparse
import base64
import glob
import hashlib
import json
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import hft_ws

PARSERS = {
    ("gateio", "spot"): "GateSpotParser",
    ("gateio", "futures"): "GateFuturesParser",
    ("mexc", "spot"): "MexcSpotParser",
    ("mexc", "futures"): "MexcFuturesParser",
}


@dataclass
class ReplayResult:
    name: str
    frames: int = 0
    seconds: float = 0.0
    kinds: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    stale: int = 0
    book_ok: bool = False
    best: str = ""


def book_sha256(book: hft_ws.OrderBook) -> str:
    rows = [f"b {p} {q}" for p, q in book.bids_str()] + [f"a {p} {q}" for p, q in book.asks_str()]
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()


def frame_payload(line: str) -> bytes:
    line = line.rstrip("\n")
    return line.encode() if line.startswith("{") else base64.b64decode(line)


def replay(exchange: str, path: str) -> ReplayResult | None:
    base = path[: -len(".pb.jsonl")] if path.endswith(".pb.jsonl") else path[: -len(".jsonl")]
    if not os.path.exists(base + ".expected.json"):
        return None
    with open(base + ".expected.json") as f:
        expected: dict[str, Any] = json.load(f)
    parser_name = PARSERS[(exchange, expected["market"])]
    if not hasattr(hft_ws, parser_name):
        return None
    parser = getattr(hft_ws, parser_name)()
    with open(os.path.join(os.path.dirname(path), expected["snapshot_file"]), "rb") as f:
        snapshot = parser.parse_snapshot(f.read(), expected["symbol"])
    with open(path) as f:
        payloads = [frame_payload(line) for line in f]
    res = ReplayResult(name=os.path.basename(path), frames=len(payloads))
    book = hft_ws.OrderBook(exchange, expected["market"], expected["symbol"])
    book.apply(snapshot)
    t0 = time.perf_counter()
    for i, payload in enumerate(payloads):
        try:
            events = parser.parse(payload, time.time_ns())
        except hft_ws.ParseError as exc:
            res.errors[exc.kind] += 1
            continue
        for ev in events:
            res.kinds[ev.kind] += 1
            if ev.kind == "depth" and not book.apply(ev):
                res.stale += 1
    res.seconds = time.perf_counter() - t0
    final = expected["final"]
    last = final.get("last_update_id", final.get("last_version"))
    res.book_ok = book.last_seq == last and book_sha256(book) == final["book_sha256"]
    res.best = f"{book.best_bid()} / {book.best_ask()}"
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--shared", default="../shared", help="path of the shared data folder")
    args = ap.parse_args(argv)
    results: list[ReplayResult] = []
    skipped: list[str] = []
    for exchange in ("gateio", "mexc"):
        for path in sorted(glob.glob(os.path.join(args.shared, "vectors", exchange, "replay_*l"))):
            r = replay(exchange, path)
            if r is None:
                skipped.append(os.path.basename(path))
            else:
                results.append(r)
    print(f"hft_ws {hft_ws.__version__} ({hft_ws.build_profile} build)")
    for r in results:
        rate = r.frames / r.seconds if r.seconds else 0.0
        per = 1e6 * r.seconds / r.frames if r.frames else 0.0
        kinds = ", ".join(f"{k}={n}" for k, n in sorted(r.kinds.items()))
        errors = sum(r.errors.values())
        print(f"{r.name}: {r.frames} frames, {rate:,.0f} msg/s ({per:.2f} us/frame incl. book), "
              f"{kinds}, stale={r.stale}, parse errors={errors}, "
              f"book {'matches truth' if r.book_ok else 'DIFFERS from truth'}; top {r.best}")
    for name in skipped:
        print(f"{name}: skipped (no parser for it in this build)")
    ok = bool(results) and all(r.book_ok and not r.errors for r in results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
