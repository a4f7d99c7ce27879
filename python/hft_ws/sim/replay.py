"""Replay of the ``shared/vectors/*/replay_*`` files through the simulator.

The exchange and market come from the path (``gateio``/``mexc`` directory, ``spot``/``futures`` in the name);
the REST snapshot body next to the file (``*.snapshot.json``) seeds the true book, and every replayed depth frame
is applied to it with the exchange's rule (stale frames ignored, ``full`` pushes replace), so REST snapshots
served during the replay are consistent with the frames sent so far.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import pb
from .book import ExactBook
from .core import Frame, ReplaySource


@dataclass
class ReplayStream:
    exchange: str
    market: str
    symbol: str
    lines: list[str]
    source: ReplaySource
    binary: bool = False
    done: bool = False
    first_depth: list[int] = field(default_factory=list)

    def frames(self) -> Iterator[tuple[Frame, str, int | None, int | None]]:
        """Yield ``(frame, kind, first_seq, last_seq)`` after applying depth frames to the true book."""
        book = self.source.book
        for line in self.lines:
            if self.exchange == "mexc" and self.market == "spot":
                raw = base64.b64decode(line)
                kind, first, last, bids, asks = _mexc_spot_frame(raw)
                if kind == "depth" and first is not None and last is not None and last > book.seq:
                    book.apply(last, bids, asks)
                yield raw, kind, first, last
                continue
            obj = json.loads(line, parse_float=str)
            if self.exchange == "gateio":
                kind, first, last = _gate_apply(obj, book)
            else:
                kind, first, last = _mexc_futures_apply(obj, book)
            yield line, kind, first, last


def _gate_levels(levels: Any) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for lv in levels or []:
        if isinstance(lv, dict):
            out.append((str(lv["p"]), str(lv["s"])))
        else:
            out.append((str(lv[0]), str(lv[1])))
    return out


def _gate_apply(obj: dict[str, Any], book: ExactBook) -> tuple[str, int | None, int | None]:
    channel = obj.get("channel", "")
    if not channel.endswith("order_book_update"):
        return "trades" if channel.endswith(".trades") else "other", None, None
    res = obj["result"]
    first, last = int(res["U"]), int(res["u"])
    bids, asks = _gate_levels(res.get("b")), _gate_levels(res.get("a"))
    if res.get("full"):
        book.replace(last, bids, asks)
    elif last > book.seq:
        book.apply(last, bids, asks)
    return "depth", first, last


def _mexc_futures_apply(obj: dict[str, Any], book: ExactBook) -> tuple[str, int | None, int | None]:
    channel = obj.get("channel", "")
    if channel != "push.depth":
        return "trades" if channel == "push.deal" else "other", None, None
    data = obj["data"]
    last = int(data.get("end", data.get("version")))
    first = int(data.get("begin", data.get("version")))
    if last > book.seq:
        book.apply(last, _gate_levels(data.get("bids")), _gate_levels(data.get("asks")))
    return "depth", first, last


def _mexc_spot_frame(raw: bytes) -> tuple[str, int | None, int | None, list[tuple[str, str]], list[tuple[str, str]]]:
    bids: list[tuple[str, str]] = []
    asks: list[tuple[str, str]] = []
    kind, first, last = "other", None, None
    for fnum, _wt, value in pb.fields(raw):
        if fnum == pb.PUBLIC_AGGRE_DEALS:
            kind = "trades"
        elif fnum == pb.PUBLIC_AGGRE_DEPTHS and isinstance(value, bytes):
            kind = "depth"
            for bnum, _bwt, bval in pb.fields(value):
                if bnum in (1, 2) and isinstance(bval, bytes):
                    item = {n: v for n, _w, v in pb.fields(bval)}
                    p, q = item.get(1, b""), item.get(2, b"")
                    level = (p.decode() if isinstance(p, bytes) else "", q.decode() if isinstance(q, bytes) else "")
                    (asks if bnum == 1 else bids).append(level)
                elif bnum == 4 and isinstance(bval, bytes):
                    first = int(bval.decode())
                elif bnum == 5 and isinstance(bval, bytes):
                    last = int(bval.decode())
    return kind, first, last, bids, asks


def _snapshot_path(path: Path) -> Path:
    name = path.name
    for suffix in (".pb.jsonl", ".jsonl"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    cand = path.with_name(name + ".snapshot.json")
    if not cand.exists() and name.endswith("_merged"):
        cand = path.with_name(name[: -len("_merged")] + ".snapshot.json")
    return cand


def load_replay(path: str | Path) -> ReplayStream:
    path = Path(path)
    exchange = "gateio" if "gate" in path.parent.name.lower() else "mexc" if "mexc" in path.parent.name else ""
    market = "spot" if "spot" in path.name else "futures" if "futures" in path.name else ""
    if not exchange or not market:
        raise ValueError(f"cannot tell exchange/market from {path}")
    lines = [ln for ln in path.read_text().splitlines() if ln.strip()]
    snap = json.loads(_snapshot_path(path).read_text(), parse_float=str)
    book = ExactBook()
    symbol = ""
    if exchange == "gateio":
        book.replace(int(snap["id"]), _gate_levels(snap["bids"]), _gate_levels(snap["asks"]))
        for line in lines:
            obj = json.loads(line)
            if str(obj.get("channel", "")).endswith("order_book_update"):
                symbol = obj["result"]["s"]
                break
    elif market == "spot":
        book.replace(int(snap["lastUpdateId"]), _gate_levels(snap["bids"]), _gate_levels(snap["asks"]))
        for line in lines:
            for fnum, _wt, value in pb.fields(base64.b64decode(line)):
                if fnum == 3 and isinstance(value, bytes):
                    symbol = value.decode()
            if symbol:
                break
    else:
        data = snap.get("data", snap)
        book.replace(int(data["version"]), _gate_levels(data["bids"]), _gate_levels(data["asks"]))
        symbol = json.loads(lines[0])["symbol"]
    if not symbol:
        raise ValueError(f"no symbol found in {path}")
    return ReplayStream(exchange, market, symbol, lines, ReplaySource(symbol, book), binary=market == "spot")
