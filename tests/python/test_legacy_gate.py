"""Differential suite: the pure-Python Gate parsers of the legacy path against the Rust ones.

Every Gate vector, every real Gate frame and every replay frame goes through both paths; the event
sequences must be equal (``==`` both ways, ``to_dict()`` with the same keys in the same order, same
``repr``), malformed frames must raise ``ParseError`` with the same ``kind`` (and the same message) on both. Each test runs
with the orjson fast reader and with the plain ``json`` reader. Hypothesis then generates Gate-shaped
frames with exotic number tokens and mutates real frames byte by byte.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hft_ws
from hft_ws.errors import ParseError
from hft_ws.legacy import jsonread
from hft_ws.legacy.gate import GateFuturesMessageParser, GateSpotMessageParser

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
GATE = SHARED / "vectors" / "gateio"

RUST = {"spot": hft_ws.GateSpotParser(), "futures": hft_ws.GateFuturesParser()}
LEGACY = {"spot": GateSpotMessageParser(), "futures": GateFuturesMessageParser()}

VECTORS = [json.loads(line) for line in (GATE / "vectors.jsonl").read_text().splitlines() if line.strip()]
REAL = [
    json.loads(line)
    for line in (SHARED / "realdata" / "frames.jsonl").read_text().splitlines()
    if line.strip() and json.loads(line)["exchange"] == "gateio"
]


@pytest.fixture(params=["orjson", "json"])
def reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Runs a test with the orjson fast reader and again with the plain json reader."""
    if request.param == "json":
        monkeypatch.setattr(jsonread, "_orjson", None)
    else:
        # orjson is pinned in requirements-dev.txt: without it this run would silently test json twice
        assert jsonread._orjson is not None, "orjson is not installed"
    yield request.param


def _run(parser: Any, method: str, *args: Any) -> Any:
    try:
        return ("ok", getattr(parser, method)(*args))
    except ParseError as e:
        return ("ParseError", e.kind, str(e))
    except Exception as e:  # noqa: BLE001 - the class is what is compared
        return (type(e).__name__,)


def assert_same_events(rust: list[Any], legacy: list[Any], *, deep: bool = True) -> None:
    assert len(rust) == len(legacy)
    for r, g in zip(rust, legacy, strict=True):
        assert type(r).__name__ == type(g).__name__
        dr, dg = r.to_dict(), g.to_dict()
        assert dg == dr
        assert list(dg) == list(dr)
        assert g == r and r == g
        assert not (g != r) and not (r != g)
        if deep:
            assert repr(g) == repr(r)
            for key in dr:
                assert getattr(g, key) == getattr(r, key), key


def check(market: str, *args: Any, method: str = "parse", deep: bool = True) -> Any:
    """Both parsers on the same input: same events, or the same error (class and kind)."""
    a = _run(RUST[market], method, *args)
    b = _run(LEGACY[market], method, *args)
    assert a[0] == b[0], (args[0][:200] if isinstance(args[0], (str, bytes)) else args[0], a, b)
    if a[0] == "ok":
        ra, rb = a[1], b[1]
        if method == "parse_snapshot":
            ra, rb = [ra], [rb]
        assert_same_events(ra, rb, deep=deep)
    else:
        assert a == b, (args[0][:200] if isinstance(args[0], (str, bytes)) else args[0], a, b)
    return a


@pytest.mark.parametrize("vec", VECTORS, ids=[v["name"] for v in VECTORS])
def test_vectors(vec: dict[str, Any], reader: str) -> None:
    frame: str = vec["frame"]
    market = vec["market"]
    raw = frame.encode()
    a = check(market, frame, 1_700_000_000_000_000_123)
    for payload in (raw, bytearray(raw), memoryview(raw)):
        check(market, payload, None)
    if vec["expected"].get("error"):
        assert a[0] == "ParseError"
        # the parser stays usable after an error
        check(market, VECTORS[0]["frame"] if VECTORS[0]["market"] == market else "{}")
    else:
        assert a[0] == "ok"


def test_real_frames(reader: str) -> None:
    n = 0
    for fr in REAL:
        payload = fr["frame"]
        check(fr["market"], payload)
        check(fr["market"], payload.encode(), 5)
        n += 1
    assert n == len(REAL) > 700


@pytest.mark.parametrize("name", ["replay_spot_btc_usdt", "replay_futures_btc_usdt"])
def test_replay_frames(name: str, reader: str) -> None:
    market = "spot" if "spot" in name else "futures"
    lines = (GATE / f"{name}.jsonl").read_text().splitlines()
    assert len(lines) > 1000
    for i, line in enumerate(lines):
        raw = line.encode()
        r = RUST[market].parse(raw, i)
        g = LEGACY[market].parse(raw, i)
        assert_same_events(r, g, deep=False)
    snap = (GATE / f"{name}.snapshot.json").read_bytes()
    check(market, snap, "BTC_USDT", method="parse_snapshot")
    check(market, snap, method="parse_snapshot")


SNAPSHOT_BODIES = [
    b'{"id":17,"current":1700000000123,"update":1700000000120,"asks":[["2","1"]],"bids":[["1","3"]]}',
    b'{"id":9,"current":1700000000.123,"update":1700000000.1,"asks":[{"p":"2","s":4}],"bids":[]}',
    b'{"id":9,"update":null,"current":5,"asks":[],"bids":[]}',
    b'{"id":9,"current":1.5e3,"asks":[]}',
    b'{"id":"9","bids":[]}',
    b'{"id":"x","bids":[]}',
    b'{"id":-1,"bids":[]}',
    b'{"id":18446744073709551616,"bids":[]}',
    b'{"id":1}',
    b'{"id":1,"bids":null}',
    b'{"label":"INVALID_CURRENCY_PAIR","message":"bad pair"}',
    b'{"label":"","bids":[]}',
    b'[]',
    b'{"bids":[["1"]]}',
    b'{"bids":[["1","x"]]}',
    b'{"bids":[{"p":"1"}]}',
    b'{"bids":[5]}',
    b'{"asks":{"p":"1","s":"2"}}',
    b'{"bids":[["1","2"]],"bids":[]}',
    b'{"bids":[["-0","-0"]],"id":1}',
    b'\xff',
    b"",
]


@pytest.mark.parametrize("body", SNAPSHOT_BODIES)
@pytest.mark.parametrize("market", ["spot", "futures"])
def test_snapshot_bodies(body: bytes, market: str, reader: str) -> None:
    check(market, body, "BTC_USDT", method="parse_snapshot")
    check(market, body.decode("utf-8", "replace"), None, method="parse_snapshot")


def test_argument_handling(reader: str) -> None:
    frame = VECTORS[0]["frame"]
    m = VECTORS[0]["market"]
    for recv in (None, 0, -5, True, 2**63 - 1, 2**63, -(2**63) - 1, 1.5, "5"):
        check(m, frame, recv)
    for payload in (5, None, ["x"], "\ud800", '{"a":"\ud800"}'):
        check(m, payload)
    for symbol in (None, "X", 5):
        check(m, b'{"id":1,"bids":[]}', symbol, method="parse_snapshot")


EDGE_FRAMES = [
    # JSON syntax and the reader's limits
    "",
    " ",
    "null",
    "[]",
    "{}",
    '{"channel":"spot.trades"} x',
    '{"channel":"spot.trades",}',
    '{"channel":"spot.pong","id":NaN}',
    '{"channel":"spot.pong","id":-Infinity}',
    '{"channel":"spot.pong","id":01}',
    '{"channel":"spot.pong","id":1.}',
    '{"channel":"spot.pong","id":-}',
    '{"channel":"spot.pong","id":"\\x"}',
    '{"channel":"spot.pong","id":"\\u00e9\\ud83d\\ude00"}',
    '{"channel":"spot.pong","id":"\\ud800"}',
    '{"channel":"spot.pong","id":"\\udc00"}',
    '{"channel":"spot.pong","id":"\\ud800\\u0041"}',
    '{"channel":"spot.pong","id":"\\\\ud800"}',
    '{"channel":"spot.pong","id":"\\u+041"}',
    '{"channel":"spot.pong","id":"a\tb"}',
    '\ufeff{"channel":"spot.pong"}',
    '{"channel":"spot.pong","id":' + "[" * 63 + "]" * 63 + "}",
    '{"channel":"spot.pong","id":' + "[" * 64 + "]" * 64 + "}",
    '{"channel":"spot.pong","id":' + "[" * 200 + "]" * 200 + "}",
    "[" * 5000,
    '{"channel":"spot.pong","id":' + '{"a":' * 70 + "1" + "}" * 70 + "}",
    '{"channel":"spot.pong","id":"\\ud800","x":' + "[" * 70 + "]" * 70 + "}",
    '{"channel":"spot.pong","x":' + "[" * 70 + "]" * 70 + ',"id":"\\ud800"}',
    '{"channel":"spot.pong","id":123456789012345678901234567890}',
    '{"channel":"spot.pong","id":-0}',
    '{"channel":"spot.pong","id":1.5e400}',
    '{"channel":"spot.pong","id":true}',
    '{"channel":null}',
    '{"channel":5}',
    '{"header":null}',
    '{"channel":"spot.trades","event":5,"result":[]}',
    # numbers as exact tokens through the channels
    '{"channel":"futures.trades","event":"update","result":[{"size":-0,"id":1,"price":"1","contract":"X"}]}',
    '{"channel":"futures.trades","event":"update","result":[{"size":-0.0,"id":1.0,"price":1e2,"contract":"X"}]}',
    '{"channel":"futures.trades","event":"update","result":[{"size":1E+3,"price":0.1000,"create_time_ms":1.5e12}]}',
    '{"channel":"futures.trades","event":"update","result":[{"size":"+5","price":"-0.0","id":"+7"}]}',
    '{"channel":"futures.trades","event":"update","result":{"size":"1","price":"2"}}',
    '{"channel":"futures.trades","event":"update","result":[{"size":"1","price":"2"},5]}',
    '{"channel":"futures.trades","event":"update","result":"x"}',
    '{"channel":"spot.trades","event":"update","result":[{"amount":"١","price":"2"}]}',
    '{"channel":"spot.trades","event":"update","result":[{"amount":"1 ","price":"2"}]}',
    '{"channel":"spot.trades","event":"update","result":[{"amount":"","price":"2"}]}',
    '{"channel":"spot.trades","event":"update","time_ms":"-5","result":[{"amount":"1","price":"2","create_time_ms":"12.9"}]}',
    '{"channel":"spot.trades","event":"update","time_ms":18446744073709551615,"result":[{"amount":"1","price":"2"}]}',
    '{"channel":"spot.order_book_update","event":"update","result":{"s":"X","U":1.0,"u":2,"b":[],"a":[]}}',
    '{"channel":"spot.order_book_update","event":"update","result":{"s":"X","U":"1","u":"+2","b":[],"a":[]}}',
    '{"channel":"spot.order_book_update","event":"update","result":{"s":"X","U":3,"u":2}}',
    '{"channel":"spot.order_book_update","event":"update","result":{"s":"X","u":2,"full":1}}',
    '{"channel":"spot.order_book_update","event":"update","result":{"s":"X","u":2,"full":null,"U":1}}',
    '{"channel":"spot.order_book_update","event":"update","result":{"s":"X","U":1,"u":18446744073709551616}}',
    '{"channel":"spot.order_book_update","event":"update","result":{"U":1,"u":2,"b":[["1",2],[3.5,"4"]]}}',
    '{"channel":"spot.order_book_update","event":"update","result":{"U":1,"u":2,"b":[["1","2","3"]]}}',
    '{"channel":"spot.order_book_update","event":"update","result":{"U":1,"u":2,"b":[{"p":"1"}]}}',
    '{"channel":"spot.order_book_update","event":"update","result":{"U":1,"u":2,"b":[null]}}',
    '{"channel":"spot.order_book_update","event":"update","result":{"U":1,"u":2,"a":"x"}}',
    '{"channel":"spot.obu","result":{"s":"ob.BTC_USDT.50","u":3,"full":true,"b":[],"a":[]}}',
    '{"channel":"spot.obu","result":{"s":"ob..50","u":3,"full":true}}',
    '{"channel":"spot.obu","result":{"s":"ob.X.5x","u":3,"full":true}}',
    '{"channel":"spot.obu","result":{"s":"BTC_USDT","u":3,"full":true}}',
    '{"channel":"futures.order_book","event":"update","result":[]}',
    '{"channel":"futures.order_book","event":"update","result":[{"p":"1","s":0,"c":"A","id":3},'
    '{"p":"2","s":-1,"contract":"B","id":1}]}',
    '{"channel":"futures.order_book","event":"all","result":{"contract":"X","id":5,"asks":[{"p":"1","s":2}]}}',
    '{"channel":"spot.candlesticks","event":"update","result":{"t":"1700000000","n":"1m_BTC_USDT","o":"1"}}',
    '{"channel":"spot.candlesticks","event":"update","result":{"t":"99999999999999999","n":"1m"}}',
    '{"channel":"spot.candlesticks","event":"update","result":{"n":null}}',
    '{"channel":"spot.candlesticks","event":"update","result":{"w":1,"n":"a_b"}}',
    '{"channel":"spot.subscribe","event":"subscribe","id":"7","result":[1]}',
    '{"channel":"spot.trades","event":"unsubscribe","id":{"a":[1,2.5,true]},"result":{"status":5}}',
    '{"channel":"spot.system","result":{"type":"upgrade"}}',
    '{"channel":"spot.trades","event":"subscribe","error":{"code":"2","message":"x"}}',
    '{"channel":"spot.trades","event":"subscribe","error":{"code":2.0}}',
    '{"channel":"spot.trades","event":"subscribe","error":{"code":9223372036854775808}}',
    '{"channel":"spot.trades","event":"subscribe","error":[]}',
    '{"channel":"spot.trades","event":"subscribe","error":null,"result":{"status":"success"}}',
    '{"channel":"spot.nope","event":"update","result":{}}',
    '{"channel":"nodot","event":"update"}',
    '{"channel":"spot.orders","event":"update","result":[{"amount":"1e-31","left":"0","filled_amount":"0.5",'
    '"event":"update","type":"limit","time_in_force":"poc"}]}',
    '{"channel":"spot.orders","event":"update","result":[{"amount":"99999999999999999999999999999999999999",'
    '"left":"-1","event":"finish","finish_as":"stp"}]}',
    '{"channel":"futures.orders","event":"update","result":[{"size":-10,"left":-4,"price":"0","tif":"ioc",'
    '"status":"open","finish_time_ms":0}]}',
    '{"channel":"futures.positions","event":"update","result":[{"contract":"A","size":1,"size":-3,'
    '"entry_price":40000.36666661111,"leverage":0,"liq_price":-1.25e-8}]}',
    '{"channel":"futures.usertrades","event":"update","result":[{"size":0,"role":"maker","id":1.5}]}',
    '{"channel":"futures.contract_stats","event":"update","result":[{"contract":"X","a":1.50,"b":'
    "123456789012345678901234567890,\"c\":[-0,1e5,null,false]}]}",
    '{"channel":"futures.public_liquidates","event":"update","result":[{"time":1700000000,"size":-5}]}',
    '{"channel":"futures.public_liquidates","event":"update","result":{"time":1700000000000,"size":"-5"}}',
    '{"channel":"spot.cross_loan","event":"update","result":[{"currency_pair":"","contract":"C","x":1.0}]}',
    '{"header":{"status":"200","channel":"spot.order_place","response_time":"1700000000000"},'
    '"data":{"result":{"a":1.0}},"request_id":12,"ack":true}',
    '{"header":{"status":400},"data":{"errs":{"label":"X","message":"m"}},"request_id":"r"}',
    '{"header":{"status":2.5},"data":5}',
    '{"header":{},"data":{"errs":null,"result":null}}',
    '{"header":[]}',
]


@pytest.mark.parametrize("frame", EDGE_FRAMES)
@pytest.mark.parametrize("market", ["spot", "futures"])
def test_edge_frames(frame: str, market: str, reader: str) -> None:
    check(market, frame, 7)
    check(market, frame.encode("utf-8", "surrogatepass") if "\ud800" not in frame else frame.encode(), None)


def test_invalid_utf8(reader: str) -> None:
    for raw in (b'{"channel":"\xff"}', b'{"channel":"\xc0\x80"}', b'{"channel":"\xed\xa0\x80"}', b"\xe2\x82"):
        for m in ("spot", "futures"):
            assert check(m, raw)[:2] == ("ParseError", "utf8")


# ---- hypothesis -----------------------------------------------------------------------------------


class Tok(str):
    """A raw JSON number token for the generator's serializer."""


def dump(v: Any, ascii_only: bool) -> str:
    if isinstance(v, Tok):
        return str(v)
    if isinstance(v, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{dump(x, ascii_only)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ",".join(dump(x, ascii_only) for x in v) + "]"
    return json.dumps(v, ensure_ascii=ascii_only)


KEYS = [
    "s", "u", "U", "b", "a", "t", "p", "full", "price", "amount", "size", "id", "side", "currency_pair",
    "contract", "create_time_ms", "last", "highest_bid", "lowest_ask", "n", "o", "c", "h", "l", "v", "w",
    "status", "left", "event", "finish_as", "type", "time_in_force", "tif", "fee", "role", "leverage",
    "available", "freeze", "balance", "currency", "time", "time_ms", "B", "A", "lastUpdateId", "bids", "asks",
    "order_id", "text", "update_time_ms", "update_time", "finish_time_ms", "liq_price", "entry_price",
]
CHANNELS = [
    f"{m}.{b}"
    for m in ("spot", "futures")
    for b in (
        "trades", "trades_v2", "tickers", "candlesticks", "book_ticker", "order_book_update", "order_book",
        "obu", "orders", "usertrades", "balances", "positions", "contract_stats", "public_liquidates",
        "cross_loan", "autoorders", "pong", "ping", "system", "nope",
    )
]
number_tokens = st.one_of(
    st.integers(-(2**70), 2**70).map(lambda i: Tok(str(i))),
    st.sampled_from(["-0", "0.0", "1E+3", "1e-31", "-1.25e-8", "0.10", "1e400", "9" * 40, "5e0"]).map(Tok),
    st.decimals(allow_nan=False, allow_infinity=False).map(lambda d: Tok(str(d))),
)
decimal_strings = st.one_of(
    st.sampled_from(["1", "0", "-0", "0.5", "-3", "1e5", "+2", "", " 1", "x", "1.", ".5", "1e-31", "60000.10"]),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
    st.text(max_size=5),
)
leaf = st.one_of(
    st.none(),
    st.booleans(),
    number_tokens,
    decimal_strings,
    decimal_strings,
    st.sampled_from(["buy", "sell", "ob.X.5", "1m_X", "maker", "open", "finished", "filled", "ioc"]),
)
json_values = st.recursive(
    leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(KEYS), inner, max_size=6),
    ),
    max_leaves=20,
)
result_values = st.one_of(
    json_values,
    st.lists(st.dictionaries(st.sampled_from(KEYS), json_values, max_size=8), max_size=3),
    st.dictionaries(st.sampled_from(KEYS), json_values, max_size=10),
)


@st.composite
def gate_frames(draw: Any) -> str:
    frame: dict[str, Any] = {}
    if draw(st.booleans()):
        frame["time_ms"] = draw(st.one_of(number_tokens, decimal_strings))
    if draw(st.integers(0, 9)) == 0:
        frame["header"] = draw(json_values)
        frame["data"] = draw(json_values)
    else:
        odd = draw(st.integers(0, 9)) == 0
        frame["channel"] = draw(st.text(max_size=3) if odd else st.sampled_from(CHANNELS))
    if draw(st.booleans()):
        frame["event"] = draw(st.sampled_from(["update", "all", "subscribe", "unsubscribe", None, "put", "x"]))
    if draw(st.integers(0, 5)) == 0:
        frame["id"] = draw(json_values)
    if draw(st.integers(0, 8)) == 0:
        frame["error"] = draw(json_values)
    frame["result"] = draw(result_values)
    return dump(frame, draw(st.booleans()))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frame=gate_frames(), market=st.sampled_from(["spot", "futures"]), use_orjson=st.booleans())
def test_fuzz_generated_frames(frame: str, market: str, use_orjson: bool) -> None:
    saved = jsonread._orjson
    try:
        if not use_orjson:
            jsonread._orjson = None
        check(market, frame, 3)
        check(market, frame.encode(), None)
    finally:
        jsonread._orjson = saved


SEEDS = [v["frame"].encode() for v in VECTORS][:60] + [
    line.encode() for line in (GATE / "replay_futures_btc_usdt.jsonl").read_text().splitlines()[:5]
]


@st.composite
def mutated(draw: Any) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.integers(0, 3))
        pos = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == 0 and data:
            data[pos] = draw(st.sampled_from(b'{}[]",:-.0123456789eE+ \\u\xff\x00tfn'))
        elif op == 1 and data:
            del data[pos : pos + draw(st.integers(1, 8))]
        elif op == 2:
            data[pos:pos] = draw(st.sampled_from([b"-0", b"1.5", b"[", b"]", b"\\ud800", b'"x":1,', b"e5", b"null"]))
        else:
            data = data[:pos]
    return bytes(data)


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payload=mutated(), market=st.sampled_from(["spot", "futures"]), use_orjson=st.booleans())
def test_fuzz_mutated_frames(payload: bytes, market: str, use_orjson: bool) -> None:
    saved = jsonread._orjson
    try:
        if not use_orjson:
            jsonread._orjson = None
        check(market, payload, 11)
        try:
            text = payload.decode()
        except UnicodeDecodeError:
            return
        check(market, text, None)
        check(market, payload, "BTC_USDT", method="parse_snapshot")
    finally:
        jsonread._orjson = saved


def test_reader_fallbacks_are_exercised() -> None:
    """The three readers really are used (else the suite above would prove less than it says)."""
    text = '{"channel":"futures.trades","event":"update","result":[{"size":-0,"price":1.50}]}'
    assert jsonread.load_exact(text)["result"][0]["price"] == "1.50"
    deep = "[" * 65 + "]" * 65
    with pytest.raises(ParseError) as ei:
        jsonread.load_exact(deep)
    assert ei.value.kind == "too_deep"
    with pytest.raises(ParseError) as ei:
        jsonread.load_exact('"\\ud800"')
    assert ei.value.kind == "json"
    with pytest.raises(ParseError):
        jsonread.load_exact('"\\u+041"')  # a sign is not a hex digit (both paths refuse it)


dec_texts = st.one_of(
    st.from_regex(r"-?[0-9]{1,40}(\.[0-9]{1,35})?([eE][+-]?[0-9]{1,2})?", fullmatch=True),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
)


@settings(max_examples=300, deadline=None)
@given(amount=dec_texts, left=dec_texts, filled=dec_texts, price=dec_texts, as_number=st.booleans())
def test_order_arithmetic_matches_rust(amount: str, left: str, filled: str, price: str, as_number: bool) -> None:
    """filled_qty = amount - left exactly (num.rs semantics: limits, canonical text), abs of sizes."""
    q = (lambda t: t) if as_number and not any(c in amount + left for c in "+") else json.dumps
    spot = (
        '{"channel":"spot.orders","event":"update","result":[{"event":"update","amount":%s,"left":%s,'
        '"filled_amount":%s,"price":%s,"side":"buy","type":"limit"}]}' % (q(amount), q(left), json.dumps(filled),
                                                                          json.dumps(price))
    )
    fut = (
        '{"channel":"futures.orders","event":"update","result":[{"status":"open","size":%s,"left":%s,'
        '"price":%s,"tif":"ioc"}]}' % (q(amount), q(left), json.dumps(price))
    )
    check("spot", spot)
    check("futures", fut)
