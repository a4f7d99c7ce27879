"""MEXC parsers against the shared vectors, replays and real captures (public API of spec/api.md).

Every valid vector is compared field by field with its `expected` block (README §1 of
../shared/vectors/mexc maps the neutral names; spec/api.md "Where fields come from" maps them to
events); every malformed vector must raise `hft_ws.ParseError` naming the problem, and the parser
must keep working afterwards.
"""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import hft_ws
import pytest
from hft_ws import MexcFuturesParser, MexcSpotParser

ROOT = Path(__file__).resolve().parents[2]
VDIR = ROOT.parent / "shared" / "vectors" / "mexc"
REAL = ROOT.parent / "shared" / "realdata" / "frames.jsonl"


def _load(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


VECTORS = _load(VDIR / "vectors.jsonl")
VALID = [v for v in VECTORS if not v["expected"]["error"]]
BAD = [v for v in VECTORS if v["expected"]["error"]]
SNAPSHOTS = _load(VDIR / "snapshot_vectors.jsonl")


def payload(v: dict[str, Any]) -> str | bytes:
    if "frame_b64" in v:
        return base64.b64decode(v["frame_b64"])
    frame: str = v["frame"]
    return frame


def parser_for(v: dict[str, Any]) -> MexcSpotParser | MexcFuturesParser:
    return MexcSpotParser() if v["market"] == "spot" else MexcFuturesParser()


def text(x: Any) -> str | None:
    """Expected decimal/id value as the text the event must carry (`""` → None)."""
    if x is None or x == "":
        return None
    return str(x)


def code(x: Any) -> str | None:
    """Exchange enum codes are kept as text (`side_code`, `status_code`, `order_type_code`)."""
    return None if x is None else str(x)


def num(x: Any) -> float | None:
    t = text(x)
    return None if t is None else float(t)


def pct(x: Any) -> str | None:
    t = text(x)
    return None if t is None else str(Decimal(t) * 100)


def check_common(ev: Any, v: dict[str, Any], kind: str) -> None:
    assert ev.kind == kind
    assert ev.exchange == "mexc"
    assert ev.market == v["market"]
    d = ev.to_dict()
    assert d["kind"] == kind
    json.dumps(d)  # JSON-ready


def check_price(ev: Any, field: str, expected: Any) -> None:
    got_s = getattr(ev, f"{field}_str")
    want = text(expected)
    if want is None:
        assert got_s is None, field
        assert getattr(ev, field) is None, field
    else:
        assert got_s is not None, field
        assert Decimal(got_s) == Decimal(want), (field, got_s, want)
        assert getattr(ev, field) == float(want), field


def levels_str(xs: list[list[Any]]) -> list[tuple[str, str]]:
    return [(str(x[0]), str(x[1])) for x in xs]


# --- spot binary -----------------------------------------------------------------------------


def spot_ts(e: dict[str, Any]) -> int | None:
    ts: int | None = e["send_time"] if e["send_time"] is not None else e["create_time"]
    return ts


def spot_symbol(e: dict[str, Any]) -> str | None:
    if e.get("symbol"):
        sym: str = e["symbol"]
        return sym
    return None


def check_spot_binary(v: dict[str, Any], evs: list[Any]) -> None:
    e = v["expected"]
    t = e["type"]
    for ev in evs:
        assert ev.channel == e["channel"]
        if t not in ("ticker",):
            assert ev.exchange_ts_ms == spot_ts(e)
    if t == "depth":
        assert len(evs) == len(e["depths"])
        for ev, d in zip(evs, e["depths"]):
            check_common(ev, v, "depth")
            assert ev.symbol == (spot_symbol(e) or ev.symbol)
            assert list(ev.bids_str) == levels_str(d["bids"])
            assert list(ev.asks_str) == levels_str(d["asks"])
            assert list(ev.bids) == [(float(p), float(q)) for p, q in d["bids"]]
            assert list(ev.asks) == [(float(p), float(q)) for p, q in d["asks"]]
            assert ev.is_snapshot is bool(d["is_snapshot"])
            first = d["from_version"] if d["from_version"] is not None else d["version"]
            last = d["to_version"] if d["to_version"] is not None else d["version"]
            assert ev.first_seq == int(first)
            assert ev.last_seq == int(last)
    elif t == "trade":
        assert len(evs) == len(e["trades"])
        for ev, x in zip(evs, e["trades"]):
            check_common(ev, v, "trade")
            check_price(ev, "price", x["price"])
            check_price(ev, "qty", x["qty"])
            assert ev.side == x["side"]
            assert ev.side_code == code(x["trade_type"])
            assert ev.trade_id == text(x["trade_id"])
    elif t == "book_ticker":
        assert len(evs) == len(e["tickers"])
        for ev, x in zip(evs, e["tickers"]):
            check_common(ev, v, "book_ticker")
            for f, k in (
                ("bid_price", "bid_price"),
                ("bid_qty", "bid_qty"),
                ("ask_price", "ask_price"),
                ("ask_qty", "ask_qty"),
            ):
                check_price(ev, f, x[k])
            assert ev.update_id == (int(e["version"]) if e["version"] else None)
    elif t == "kline":
        (ev,) = evs
        k = e["kline"]
        check_common(ev, v, "kline")
        assert ev.interval == k["interval"]
        assert ev.open_time_ms == k["window_start"] * 1000
        for f, key in (
            ("open", "open"),
            ("high", "high"),
            ("low", "low"),
            ("close", "close"),
            ("volume", "volume"),
            ("quote_volume", "amount"),
        ):
            check_price(ev, f, k[key])
    elif t == "ticker":
        assert len(evs) == len(e["tickers"])
        for ev, x in zip(evs, e["tickers"]):
            check_common(ev, v, "ticker")
            assert ev.symbol == x["symbol"]
            check_price(ev, "last", x["price"])
            check_price(ev, "high", x["high"])
            check_price(ev, "low", x["low"])
            check_price(ev, "base_volume", x["quantity"])
            check_price(ev, "quote_volume", x["volume"])
            assert ev.bid is None and ev.ask is None
            want = pct(x["rate"])
            if want is None:
                assert ev.change_pct_str is None
            else:
                assert Decimal(ev.change_pct_str) == Decimal(want)
    elif t == "order":
        (ev,) = evs
        o = e["order"]
        check_common(ev, v, "order")
        assert ev.order_id == o["order_id"]
        assert ev.client_order_id == text(o["client_order_id"])
        assert ev.side == o["side"] and ev.side_code == code(o["trade_type"])
        assert ev.order_type_code == code(o["order_type_code"]) and ev.status_code == code(o["status_code"])
        assert ev.order_type == {"stop_limit": "stop_limit"}.get(o["order_type"], o["order_type"])
        assert ev.status == {"canceled": "cancelled", "partially_canceled": "cancelled"}.get(
            o["status"], o["status"]
        )
        for f, key in (
            ("price", "price"),
            ("qty", "qty"),
            ("filled_qty", "filled_qty"),
            ("avg_price", "avg_price"),
        ):
            check_price(ev, f, o[key])
        assert ev.update_ts_ms == o["create_time"]
    elif t == "fill":
        (ev,) = evs
        x = e["fill"]
        check_common(ev, v, "fill")
        assert ev.trade_id == text(x["trade_id"]) and ev.order_id == text(x["order_id"])
        assert ev.side == x["side"] and ev.is_maker is x["is_maker"]
        check_price(ev, "price", x["price"])
        check_price(ev, "qty", x["qty"])
        check_price(ev, "fee", x["fee"])
        assert ev.fee_asset == text(x["fee_asset"])
    elif t == "balance":
        (ev,) = evs
        b = e["balance"]
        check_common(ev, v, "balance")
        assert ev.asset == b["asset"]
        check_price(ev, "free", b["free"])
        check_price(ev, "locked", b["locked"])
    elif t == "unknown":
        (ev,) = evs
        check_common(ev, v, "unknown")
        assert ev.raw == payload(v)
    else:
        raise AssertionError(f"unhandled type {t}")


# --- spot text -------------------------------------------------------------------------------


def check_spot_text(v: dict[str, Any], evs: list[Any]) -> None:
    e = v["expected"]
    t = e["type"]
    (ev,) = evs
    assert ev.symbol is None
    if t == "ack":
        check_common(ev, v, "subscribed")
        assert ev.request_id == e["request_id"] and ev.detail == e["detail"]
        assert ev.channel == e["channel"]
    elif t == "pong":
        check_common(ev, v, "pong")
        assert ev.request_id == e["request_id"]
    elif t == "error_reply":
        check_common(ev, v, "error_reply")
        assert ev.code == e["code"] and ev.message == e["message"]
    elif t == "unknown":
        check_common(ev, v, "unknown")
        assert ev.raw == v["frame"]
    else:
        raise AssertionError(f"unhandled type {t}")


# --- futures ---------------------------------------------------------------------------------


def check_futures(v: dict[str, Any], evs: list[Any]) -> None:
    e = v["expected"]
    t = e["type"]
    for ev in evs:
        assert ev.channel == e["channel"]
    if t in ("pong", "subscribed", "unsubscribed", "login", "ack"):
        (ev,) = evs
        check_common(ev, v, {"ack": "subscribed"}.get(t, t))
        if t != "pong":
            assert ev.detail == e["detail"]
        assert ev.exchange_ts_ms == (e["pong_ts"] if t == "pong" else e["ts"])
    elif t == "error_reply":
        (ev,) = evs
        check_common(ev, v, "error_reply")
        assert ev.code is None and ev.message == e["message"]
    elif t == "trade":
        assert len(evs) == len(e["trades"])
        for ev, x in zip(evs, e["trades"]):
            check_common(ev, v, "trade")
            assert ev.symbol == e["symbol"]
            check_price(ev, "price", x["price"])
            check_price(ev, "qty", x["qty"])
            assert ev.side == x["side"] and ev.side_code == code(x["T"])
            assert ev.exchange_ts_ms == x["time"]
    elif t == "depth":
        (ev,) = evs
        d = e["depth"]
        check_common(ev, v, "depth")
        assert ev.symbol == e["symbol"]
        assert ev.is_snapshot is d["is_snapshot"]
        assert list(ev.bids_str) == levels_str(d["bids"])
        assert list(ev.asks_str) == levels_str(d["asks"])
        assert ev.last_seq == (d["end"] if d["end"] is not None else d["version"])
        assert ev.first_seq == (d["begin"] if d["begin"] is not None else d["version"])
    elif t == "ticker":
        assert len(evs) == len(e["tickers"])
        for ev, x in zip(evs, e["tickers"]):
            check_common(ev, v, "ticker")
            assert ev.symbol == x["symbol"]
            check_price(ev, "last", x.get("lastPrice"))
            check_price(ev, "bid", x.get("bid1"))
            check_price(ev, "ask", x.get("ask1"))
            check_price(ev, "high", x.get("high24Price"))
            check_price(ev, "low", x.get("lower24Price"))
            check_price(ev, "base_volume", x.get("volume24"))
            check_price(ev, "quote_volume", x.get("amount24"))
            want = pct(x.get("riseFallRate"))
            assert (
                (ev.change_pct_str is None) if want is None else (Decimal(ev.change_pct_str) == Decimal(want))
            )
    elif t == "kline":
        (ev,) = evs
        k = e["kline"]
        check_common(ev, v, "kline")
        assert ev.interval == k["interval"] and ev.open_time_ms == k["window_start"] * 1000
        for f, key in (
            ("open", "open"),
            ("high", "high"),
            ("low", "low"),
            ("close", "close"),
            ("volume", "volume"),
            ("quote_volume", "amount"),
        ):
            check_price(ev, f, k[key])
    elif t == "funding_rate":
        (ev,) = evs
        check_common(ev, v, "funding_rate")
        check_price(ev, "rate", e["funding"]["rate"])
        assert ev.next_funding_ms == e["funding"]["next_settle_time"]
    elif t in ("index_price", "fair_price"):
        (ev,) = evs
        check_common(ev, v, "index_price" if t == "index_price" else "mark_price")
        assert ev.symbol == e["symbol"]
        check_price(ev, "price", e["price"])
    elif t == "order":
        (ev,) = evs
        o = e["order"]
        check_common(ev, v, "order")
        assert ev.symbol == e["symbol"]
        assert ev.order_id == o["order_id"] and ev.client_order_id == text(o["client_order_id"])
        assert ev.side == o["side"] and ev.side_code == code(o["side_code"])
        assert ev.order_type == o["order_type"] and ev.order_type_code == code(o["order_type_code"])
        assert ev.status == {"canceled": "cancelled"}.get(o["status"], o["status"])
        assert ev.status_code == code(o["status_code"])
        for f in ("price", "qty", "filled_qty", "avg_price"):
            check_price(ev, f, o[f])
        assert ev.update_ts_ms == o["update_time"]
    elif t == "fill":
        (ev,) = evs
        x = e["fill"]
        check_common(ev, v, "fill")
        assert ev.trade_id == x["trade_id"] and ev.order_id == x["order_id"]
        assert ev.side == x["side"] and ev.side_code == code(x["side_code"])
        assert ev.is_maker is x["is_maker"]
        for f in ("price", "qty", "fee"):
            check_price(ev, f, x[f])
        assert ev.fee_asset == x["fee_asset"]
    elif t == "position":
        (ev,) = evs
        p = e["position"]
        check_common(ev, v, "position")
        check_price(ev, "size", p["size"])
        check_price(ev, "entry_price", p["entry_price"])
        check_price(ev, "liq_price", p["liq_price"])
        assert ev.margin_mode == p["margin_mode"]
        assert ev.leverage == p["leverage"]
    elif t == "balance":
        (ev,) = evs
        b = e["balance"]
        check_common(ev, v, "balance")
        assert ev.asset == b["asset"]
        check_price(ev, "free", b["free"])
        check_price(ev, "locked", b["locked"])
    elif t == "private":
        (ev,) = evs
        check_common(ev, v, "account")
        assert ev.topic == e["channel"]
        assert ev.fields == e["entry"]
    elif t == "unknown":
        (ev,) = evs
        check_common(ev, v, "unknown")
        assert ev.raw == v["frame"]
    else:
        raise AssertionError(f"unhandled type {t}")
    # push.tickers items carry their own symbols (checked above).
    if t not in ("pong", "trade", "unknown", "ticker") and evs:
        assert evs[0].symbol == e["symbol"]


@pytest.mark.parametrize("v", VALID, ids=[v["name"] for v in VALID])
def test_valid_vector(v: dict[str, Any]) -> None:
    p = parser_for(v)
    evs = p.parse(payload(v))
    assert isinstance(evs, list)
    if v["market"] == "futures":
        check_futures(v, evs)
    elif v["kind"] == "binary":
        check_spot_binary(v, evs)
    else:
        check_spot_text(v, evs)
    # recv_ts_ns is carried through when given.
    for ev in p.parse(payload(v), 123_456_789):
        assert ev.recv_ts_ns == 123_456_789


@pytest.mark.parametrize("v", BAD, ids=[v["name"] for v in BAD])
def test_malformed_vector(v: dict[str, Any]) -> None:
    p = parser_for(v)
    with pytest.raises(hft_ws.ParseError) as info:
        p.parse(payload(v))
    msg = str(info.value)
    assert msg
    note = v.get("note", "")
    if v["kind"] == "binary" and "at byte" in note and "nesting" not in note:
        # The protobuf errors name the byte offset the reference decoder names.
        at = note.split("at byte ", 1)[1].split(" ", 1)[0].rstrip(";,")
        assert f"at byte {at}" in msg, (msg, note)
    # The parser stays usable after an error.
    good = next(x for x in VALID if x["market"] == v["market"] and x["kind"] == v["kind"])
    assert p.parse(payload(good))


def test_frame_kind_is_not_guessed() -> None:
    p = MexcSpotParser()
    pong = '{"id":0,"code":0,"msg":"PONG"}'
    assert p.parse(pong)[0].kind == "pong"
    assert p.parse_text(pong.encode())[0].kind == "pong"
    with pytest.raises(hft_ws.ParseError, match="JSON"):
        p.parse(pong.encode())  # a JSON reply sent as binary
    depth = next(v for v in VALID if v["name"] == "spot_aggre_depth_doc_example")
    with pytest.raises(hft_ws.ParseError):
        p.parse_text(base64.b64decode(depth["frame_b64"]))  # protobuf sent as text


def test_symbol_from_channel_when_wrapper_lacks_it() -> None:
    v = next(x for x in VALID if x["name"] == "spot_aggre_depth_no_optional_wrapper_fields")
    assert v["expected"]["symbol"] is None
    (ev,) = MexcSpotParser().parse(payload(v))
    assert ev.symbol == v["expected"]["channel"].rsplit("@", 1)[1]


@pytest.mark.parametrize("s", SNAPSHOTS, ids=[s["name"] for s in SNAPSHOTS])
def test_snapshot_vector(s: dict[str, Any]) -> None:
    p = MexcSpotParser() if s["market"] == "spot" else MexcFuturesParser()
    body = s["body"].encode() if isinstance(s["body"], str) else json.dumps(s["body"]).encode()
    e = s["expected"]
    if e["error"]:
        with pytest.raises(hft_ws.ParseError) as info:
            p.parse_snapshot(body)
        assert str(info.value)
        if e.get("message"):
            assert e["message"] in str(info.value)
        return
    ev = p.parse_snapshot(body, symbol="SYM")
    assert ev.kind == "depth" and ev.is_snapshot is True and ev.symbol == "SYM"
    assert ev.last_seq == (int(e["version"]) if e["version"] is not None else None)
    assert list(ev.bids_str) == levels_str(e["bids"])
    assert list(ev.asks_str) == levels_str(e["asks"])
    assert ev.exchange_ts_ms == e.get("timestamp")
    assert p.parse_snapshot(body).symbol is None


# --- replays ---------------------------------------------------------------------------------


def test_spot_replay_parses_with_matching_counts() -> None:
    exp = json.loads((VDIR / "replay_spot_btcusdt.expected.json").read_text())
    p = MexcSpotParser()
    book = trades = 0
    buy = sell = 0
    qty = Decimal(0)
    with (VDIR / "replay_spot_btcusdt.pb.jsonl").open() as f:
        for line in f:
            for ev in p.parse(base64.b64decode(line.strip())):
                if ev.kind == "depth":
                    book += 1
                    assert ev.symbol == "BTCUSDT" and ev.first_seq <= ev.last_seq
                elif ev.kind == "trade":
                    trades += 1
                    buy += ev.side == "buy"
                    sell += ev.side == "sell"
                    qty += Decimal(ev.qty_str)
                else:
                    raise AssertionError(ev.kind)
    assert book == exp["book_frames"]
    assert trades == exp["trades"]["count"]
    assert (buy, sell) == (exp["trades"]["buy"], exp["trades"]["sell"])
    assert qty == Decimal(str(exp["trades"]["sum_qty"]))


@pytest.mark.parametrize("name", ["replay_futures_btc_usdt", "replay_futures_btc_usdt_merged"])
def test_futures_replay_parses_with_matching_counts(name: str) -> None:
    exp = json.loads((VDIR / f"{name}.expected.json").read_text())
    p = MexcFuturesParser()
    depth = trades = 0
    vol = Decimal(0)
    with (VDIR / f"{name}.jsonl").open("rb") as f:
        for line in f:
            for ev in p.parse(line.rstrip(b"\n")):
                if ev.kind == "depth":
                    depth += 1
                elif ev.kind == "trade":
                    trades += 1
                    vol += Decimal(ev.qty_str)
                else:
                    raise AssertionError(ev.kind)
    assert depth == exp["book_frames"]
    assert trades == exp["trades"]["count"]
    assert vol == Decimal(str(exp["trades"]["sum_vol"]))


def test_real_frames_parse() -> None:
    n = 0
    for r in _load(REAL):
        if r["exchange"] != "mexc":
            continue
        p = MexcSpotParser() if r["market"] == "spot" else MexcFuturesParser()
        if r.get("protocol") == "mexc-spot-legacy-json":
            try:
                p.parse(payload(r))
            except hft_ws.ParseError:
                pass
            continue
        evs = p.parse(payload(r))
        assert evs, r
        n += 1
    assert n >= 30
