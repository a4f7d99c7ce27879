"""Gate.io parsers against the shared vectors, replays and real captures (public API of spec/api.md).

Every valid vector is compared field by field with its `expected` block (the neutral names of
../shared/vectors/gateio/README.md §1, mapped to events as spec/api.md says); every malformed vector
must raise `hft_ws.ParseError` naming the problem, and the parser must keep working afterwards.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import hft_ws
import pytest
from hft_ws import GateFuturesParser, GateSpotParser, OrderBook
from hypothesis import given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]
VDIR = ROOT.parent / "shared" / "vectors" / "gateio"
REAL = ROOT.parent / "shared" / "realdata" / "frames.jsonl"


def _load(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


VECTORS = _load(VDIR / "vectors.jsonl")
VALID = [v for v in VECTORS if not v["expected"]["error"]]
BAD = [v for v in VECTORS if v["expected"]["error"]]

Parser = GateSpotParser | GateFuturesParser


def parser(market: str) -> Parser:
    return GateSpotParser() if market == "spot" else GateFuturesParser()


def text(x: Any) -> str | None:
    """Expected decimal/id value as the text the event must carry (`""` → None)."""
    if x is None or x == "":
        return None
    return str(x)


def abs_text(x: Any) -> str | None:
    t = text(x)
    return t.lstrip("-+") if t is not None else None


def check_dec(ev: Any, field: str, want: Any) -> None:
    got = getattr(ev, f"{field}_str")
    assert got == text(want), f"{field}_str {got!r} != {want!r}"
    f = getattr(ev, field)
    if got is None:
        assert f is None
    else:
        assert f == float(got)


def check_common(v: dict[str, Any], ev: Any, recv: int) -> None:
    e = v["expected"]
    assert ev.exchange == "gateio"
    assert ev.market == v["market"]
    assert ev.recv_ts_ns == recv
    assert ev.channel == e["channel"]


def check_book(v: dict[str, Any], evs: list[Any]) -> None:
    e = v["expected"]
    b = e["book"]
    assert [ev.kind for ev in evs] == ["depth"]
    (d,) = evs
    assert d.symbol == e["symbol"]
    assert d.bids_str == [tuple(x) for x in b["bids"]]
    assert d.asks_str == [tuple(x) for x in b["asks"]]
    assert d.bids == [(float(p), float(q)) for p, q in b["bids"]]
    assert d.first_seq == b["first_update_id"]
    assert d.last_seq == b["last_update_id"]
    assert d.is_snapshot == (b["kind"] == "snapshot")
    assert d.exchange_ts_ms == b["ts_ms"]


def check_legacy(v: dict[str, Any], evs: list[Any]) -> None:
    rows = v["expected"]["levels"]
    assert [ev.kind for ev in evs] == ["depth"]
    (d,) = evs
    bids = [(r["price"], r["size"]) for r in rows if r["side"] in ("bid", "remove")]
    asks = [(r["price"], r["size"]) for r in rows if r["side"] in ("ask", "remove")]
    assert d.bids_str == bids
    assert d.asks_str == asks
    ids = [r["update_id"] for r in rows]
    assert (d.first_seq, d.last_seq) == (min(ids), max(ids))
    assert not d.is_snapshot
    syms = {r["symbol"] for r in rows}
    assert d.symbol == (syms.pop() if len(syms) == 1 else None)


def check_trades(v: dict[str, Any], evs: list[Any]) -> None:
    exp = v["expected"]["trades"]
    assert [ev.kind for ev in evs] == ["trade"] * len(exp)
    for ev, x in zip(evs, exp):
        check_dec(ev, "price", x["price"])
        assert ev.qty_str == abs_text(x["size"])
        assert ev.side == x["side"]
        assert ev.trade_id == str(x["id"])
        assert ev.symbol == x["symbol"]
        assert ev.exchange_ts_ms == x["ts_ms"]


def check_tickers(v: dict[str, Any], evs: list[Any]) -> None:
    exp = v["expected"]["tickers"]
    assert [ev.kind for ev in evs] == ["ticker"] * len(exp)
    futures = v["market"] == "futures"
    for ev, t in zip(evs, exp):
        assert ev.symbol == t.get("contract" if futures else "currency_pair")
        check_dec(ev, "last", t.get("last"))
        check_dec(ev, "bid", t.get("highest_bid"))
        check_dec(ev, "ask", t.get("lowest_ask"))
        check_dec(ev, "high", t.get("high_24h"))
        check_dec(ev, "low", t.get("low_24h"))
        check_dec(ev, "change_pct", t.get("change_percentage"))
        check_dec(ev, "base_volume", t.get("volume_24h_base" if futures else "base_volume"))
        check_dec(ev, "quote_volume", t.get("volume_24h_quote" if futures else "quote_volume"))
        assert ev.exchange_ts_ms == v["expected"]["time_ms"]


def check_bbo(v: dict[str, Any], evs: list[Any]) -> None:
    x = v["expected"]["bbo"]
    assert [ev.kind for ev in evs] == ["book_ticker"]
    (ev,) = evs
    assert ev.symbol == v["expected"]["symbol"]
    check_dec(ev, "bid_price", x["bid_px"])
    check_dec(ev, "bid_qty", x["bid_sz"])
    check_dec(ev, "ask_price", x["ask_px"])
    check_dec(ev, "ask_qty", x["ask_sz"])
    assert ev.update_id == x["update_id"]
    assert ev.exchange_ts_ms == x["ts_ms"]


def check_candles(v: dict[str, Any], evs: list[Any]) -> None:
    exp = v["expected"]["candles"]
    assert [ev.kind for ev in evs] == ["kline"] * len(exp)
    for ev, k in zip(evs, exp):
        assert ev.symbol == k["symbol"]
        assert ev.interval == k["interval"]
        assert ev.open_time_ms == k["ts_s"] * 1000
        for f in ("open", "high", "low", "close"):
            check_dec(ev, f, k[f])
        if v["market"] == "spot":  # spot `a` is base, `v` quote (README §1.3)
            check_dec(ev, "volume", k["amount"])
            check_dec(ev, "quote_volume", k["volume"])
        else:
            check_dec(ev, "volume", k["volume"])
            check_dec(ev, "quote_volume", None)
        assert ev.closed == k["closed"]
        assert ev.exchange_ts_ms == v["expected"]["time_ms"]


def check_liquidations(v: dict[str, Any], evs: list[Any]) -> None:
    exp = v["expected"]["liquidations"]
    assert [ev.kind for ev in evs] == ["liquidation"] * len(exp)
    for ev, x in zip(evs, exp):
        assert ev.symbol == x["symbol"]
        check_dec(ev, "price", x["price"])
        assert ev.qty_str == abs_text(x["raw_size"])
        assert ev.side is None
        assert ev.exchange_ts_ms == x["ts_ms"]


def sign_of(x: Any) -> int:
    d = Decimal(str(x))
    return (d > 0) - (d < 0)


def check_order(v: dict[str, Any], ev: Any, x: dict[str, Any]) -> None:
    assert ev.order_id == str(x["id"])
    assert ev.price_str == text(x["price"])
    if v["market"] == "spot":
        assert ev.symbol == x["currency_pair"]
        assert ev.side == x["side"] and ev.side_code == x["side"]
        assert ev.qty_str == x["amount"]
        assert Decimal(ev.filled_qty_str) == Decimal(x["amount"]) - Decimal(x["left"])
        assert ev.client_order_id == x["text"]
        event, finish = x["event"], x.get("finish_as")
        if event == "put":
            assert ev.status == "new"
        elif event == "finish":
            if finish in ("filled", "cancelled"):
                assert ev.status == finish
            assert ev.status != "open"
        else:
            filled = Decimal(x["amount"]) - Decimal(x["left"])
            assert ev.status == ("partially_filled" if filled else "open")
        want_type = "market" if x["type"] == "market" else "limit"
        if x.get("time_in_force") in ("ioc", "fok") and x["type"] != "market":
            want_type = x["time_in_force"]
        assert ev.order_type == want_type
        assert ev.update_ts_ms == int(x["update_time_ms"])
    else:
        assert ev.symbol == x["contract"]
        s = sign_of(x["size"])
        assert ev.side == {1: "buy", -1: "sell", 0: None}[s]
        assert ev.qty_str == abs_text(x["size"])
        assert Decimal(ev.filled_qty_str) == abs(Decimal(str(x["size"]))) - abs(Decimal(str(x["left"])))
        check_dec(ev, "avg_price", x.get("fill_price"))
        if x["status"] == "finished":
            assert ev.status == ("filled" if x["finish_as"] == "filled" else ev.status)
            assert ev.status not in ("open", "new", "partially_filled")
        else:
            assert ev.status in ("open", "partially_filled")


def check_private(v: dict[str, Any], evs: list[Any]) -> None:
    e = v["expected"]
    entries = e["entries"]
    base = e["channel"].split(".", 1)[1]
    assert len(evs) == len(entries)
    for ev, x in zip(evs, entries):
        if base in ("orders", "orders_v2"):
            assert ev.kind == "order"
            check_order(v, ev, x)
        elif base in ("usertrades", "usertrades_v2"):
            assert ev.kind == "fill"
            assert ev.trade_id == str(x["id"])
            assert ev.order_id == str(x["order_id"])
            check_dec(ev, "price", x["price"])
            check_dec(ev, "fee", x.get("fee"))
            assert ev.fee_asset == x.get("fee_currency")
            assert ev.is_maker == (x["role"] == "maker")
            if v["market"] == "spot":
                assert ev.side == x["side"]
                assert ev.qty_str == abs_text(x["amount"])
            else:
                assert ev.side == {1: "buy", -1: "sell", 0: None}[sign_of(x["size"])]
                assert ev.qty_str == abs_text(x["size"])
        elif base == "balances":
            assert ev.kind == "balance"
            assert ev.asset == x.get("currency")
            if v["market"] == "spot":
                check_dec(ev, "free", x["available"])
                check_dec(ev, "locked", x["freeze"])
            else:
                check_dec(ev, "free", x["balance"])
                assert ev.locked is None and ev.locked_str is None
        elif base == "positions":
            assert ev.kind == "position"
            assert ev.symbol == x["contract"]
            check_dec(ev, "size", x["size"])
            check_dec(ev, "entry_price", x["entry_price"])
            check_dec(ev, "leverage", x["leverage"])
            check_dec(ev, "liq_price", x["liq_price"])
            assert ev.margin_mode == ("cross" if Decimal(str(x["leverage"])) == 0 else "isolated")
        else:
            assert ev.kind == "account"
            assert ev.topic == e["channel"]
            assert ev.fields == x


def check_api(v: dict[str, Any], evs: list[Any]) -> None:
    e = v["expected"]
    assert [ev.kind for ev in evs] == ["api_reply"]
    (ev,) = evs
    assert ev.request_id == e["request_id"]
    assert ev.ack == e["ack"]
    assert ev.status == e["status"]
    assert ev.exchange_ts_ms == e["response_time_ms"]
    if e["type"] == "api_error":
        assert not ev.ok
        assert ev.code == e["err_label"]
        assert ev.message == e["err_message"]
        assert ev.result is None
    else:
        assert ev.ok
        assert ev.result == e["result"]
        assert ev.code is None and ev.message is None


def check_valid(v: dict[str, Any], evs: list[Any]) -> None:
    e = v["expected"]
    t = e["type"]
    if t in ("subscribe_ack", "unsubscribe_ack"):
        assert [ev.kind for ev in evs] == ["subscribed" if t == "subscribe_ack" else "unsubscribed"]
        assert evs[0].request_id == e["id"]
        assert evs[0].detail == e["status"]
        assert evs[0].exchange_ts_ms == e["time_ms"]
    elif t == "error":
        assert [ev.kind for ev in evs] == ["error_reply"]
        assert evs[0].code == e["error_code"]
        assert evs[0].message == e["error_message"]
        assert evs[0].request_id == e["id"]
    elif t == "pong":
        assert [ev.kind for ev in evs] == ["pong"]
        assert evs[0].exchange_ts_ms == e["time_ms"]
    elif t == "system":
        assert [ev.kind for ev in evs] == ["system"]
        assert evs[0].detail == e["system_msg"]
    elif t == "book":
        check_book(v, evs)
    elif t == "book_legacy_update":
        check_legacy(v, evs)
    elif t == "trades":
        check_trades(v, evs)
    elif t == "tickers":
        check_tickers(v, evs)
    elif t == "bbo":
        check_bbo(v, evs)
    elif t == "candles":
        check_candles(v, evs)
    elif t == "public_liquidations":
        check_liquidations(v, evs)
    elif t == "stats":
        assert [ev.kind for ev in evs] == ["stats"] * len(e["entries"])
        assert [ev.fields for ev in evs] == e["entries"]
        assert [ev.symbol for ev in evs] == [x.get("contract") for x in e["entries"]]
    elif t == "private":
        check_private(v, evs)
    elif t in ("api_ack", "api_response", "api_error"):
        check_api(v, evs)
    elif t == "unknown":
        assert [ev.kind for ev in evs] == ["unknown"]
        assert evs[0].raw == v["frame"]
    else:
        pytest.fail(f"vector type {t} not covered")
    for ev in evs:
        if t not in ("api_ack", "api_response", "api_error"):
            check_common(v, ev, 42)
        json.dumps(ev.to_dict())


def test_vector_counts() -> None:
    assert (len(VALID), len(BAD)) == (97, 25)


@pytest.mark.parametrize("v", VALID, ids=[v["name"] for v in VALID])
def test_valid_vector(v: dict[str, Any]) -> None:
    p = parser(v["market"])
    evs = p.parse(v["frame"], 42)
    check_valid(v, evs)
    # the bytes fast path gives the same events
    assert p.parse(v["frame"].encode(), 42) == evs


@pytest.mark.parametrize("v", BAD, ids=[v["name"] for v in BAD])
def test_malformed_vector(v: dict[str, Any]) -> None:
    p = parser(v["market"])
    with pytest.raises(hft_ws.ParseError) as info:
        p.parse(v["frame"])
    assert str(info.value)
    assert isinstance(info.value, hft_ws.HftWsError)
    # the parser keeps working
    assert [ev.kind for ev in p.parse('{"time":1,"channel":"spot.pong","event":"","result":null}')] == [
        "pong"
    ]


def test_error_messages_name_the_problem() -> None:
    by_name = {v["name"]: v for v in BAD}
    cases = {
        "bad_U_greater_than_u": "U",
        "bad_incremental_without_U": "U",
        "bad_obu_stream_name": "ob.",
        "bad_error_code_not_int": "error.code",
        "bad_missing_channel": "channel",
        "bad_price_not_numeric": "decimal",
        "bad_deep_nesting": "nesting",
    }
    for name, needle in cases.items():
        v = by_name[name]
        with pytest.raises(hft_ws.ParseError, match=needle):
            parser(v["market"]).parse(v["frame"])


def test_interleaved_header_latin1_bytes() -> None:
    (v,) = [v for v in BAD if v["name"] == "bad_interleaved_ws_header_bytes"]
    with pytest.raises(hft_ws.ParseError):
        GateSpotParser().parse(v["frame"].encode("latin-1"))
    with pytest.raises(hft_ws.ParseError, match="UTF-8"):
        GateSpotParser().parse(b'{"channel":"spot.pong","x":"\xff"}')


def test_same_json_same_events() -> None:
    for v in VALID:
        if v["expected"]["type"] == "unknown":
            continue
        p = parser(v["market"])
        obj = json.loads(v["frame"])
        again = json.dumps(dict(reversed(list(obj.items()))), indent=1, ensure_ascii=True)
        assert p.parse(again) == p.parse(v["frame"]), v["name"]


def _book_sha(book: OrderBook) -> str:
    lines = [f"b {p} {q}" for p, q in book.bids_str()] + [f"a {p} {q}" for p, q in book.asks_str()]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


@pytest.mark.parametrize("market", ["spot", "futures"])
def test_replay(market: str) -> None:
    exp = json.loads((VDIR / f"replay_{market}_btc_usdt.expected.json").read_text())
    p = parser(market)
    snap = p.parse_snapshot((VDIR / exp["snapshot_file"]).read_bytes(), "BTC_USDT")
    assert snap.is_snapshot and snap.last_seq == exp["snapshot_id"]
    book = OrderBook("gateio", market, "BTC_USDT")
    book.apply(snap)
    counts: dict[str, int] = {}
    trades = buy = sell = 0
    total = Decimal(0)
    ids: list[int] = []
    with (VDIR / f"replay_{market}_btc_usdt.jsonl").open() as f:
        for line in f:
            evs = p.parse(line.rstrip("\n").encode(), 1)
            chans = {ev.channel for ev in evs}
            assert len(chans) == 1
            counts[chans.pop()] = counts.get(evs[0].channel, 0) + 1
            for ev in evs:
                if ev.kind == "depth":
                    book.apply(ev)
                else:
                    assert ev.kind == "trade"
                    trades += 1
                    buy += ev.side == "buy"
                    sell += ev.side == "sell"
                    total += Decimal(ev.qty_str)
                    ids.append(int(ev.trade_id))
    t = exp["trades"]
    assert counts == {f"{market}.order_book_update": exp["book_frames"], f"{market}.trades": exp["trade_frames"]}
    assert (trades, buy, sell) == (t["count"], t["buy"], t["sell"])
    assert total == Decimal(str(t.get("sum_amount", t.get("sum_abs_size"))))
    assert (ids[0], ids[-1]) == (t["first_id"], t["last_id"])
    assert book.last_seq == exp["final"]["last_update_id"]
    assert _book_sha(book) == exp["final"]["book_sha256"]


def test_real_frames() -> None:
    n = 0
    for r in _load(REAL):
        if r.get("exchange") != "gateio":
            continue
        n += 1
        p = parser(r["market"])
        if r.get("protocol") == "gate-ws-v3-legacy":
            try:
                p.parse(r["frame"])
            except hft_ws.ParseError:
                pass
            continue
        evs = p.parse(r["frame"])
        assert evs, r.get("source")
        assert all(ev.kind != "unknown" for ev in evs), r.get("channel")
    assert n > 700


def test_snapshot_rejects_junk() -> None:
    for body in (b"", b"[]", b'{"id":1,"bids":[["x","1"]],"asks":[]}', b'{"label":"INVALID","message":"no"}'):
        with pytest.raises(hft_ws.ParseError):
            GateSpotParser().parse_snapshot(body)


# (the 100,000-deep nesting vector is covered above; its repr would swamp hypothesis)
_FRAMES = [v["frame"] for v in VECTORS if len(v["frame"]) < 20_000]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_fuzz_bytes(data: bytes) -> None:
    for p in (GateSpotParser(), GateFuturesParser()):
        try:
            p.parse(data)
        except hft_ws.ParseError:
            pass


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
    max_leaves=20,
)
_keys = st.sampled_from(["channel", "event", "result", "error", "time_ms", "id", "header", "U", "u", "s"])


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(_FRAMES), _keys, _json)
def test_fuzz_mutated_json(frame: str, key: str, value: Any) -> None:
    try:
        obj = json.loads(frame)
    except ValueError:
        return
    if isinstance(obj, dict):
        if isinstance(obj.get("result"), dict):
            obj["result"][key] = value
        obj[key] = json.loads(json.dumps(value))
    for p in (GateSpotParser(), GateFuturesParser()):
        try:
            p.parse(json.dumps(obj))
        except hft_ws.ParseError:
            pass


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(_FRAMES), st.integers(min_value=0, max_value=10_000), st.binary(max_size=4))
def test_fuzz_byte_mutations(frame: str, pos: int, insert: bytes) -> None:
    raw = frame.encode("utf-8", "surrogatepass")
    i = pos % (len(raw) + 1)
    for data in (raw[:i] + insert + raw[i + 1 :], raw[:i]):
        for p in (GateSpotParser(), GateFuturesParser()):
            try:
                p.parse(data)
            except hft_ws.ParseError:
                pass
