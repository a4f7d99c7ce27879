"""Legacy event classes: same names, attributes, to_dict(), repr and equality as the Rust ones."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

import hft_ws._core as core
from hft_ws.legacy import events as E


def _rust_attrs(cls: type) -> set[str]:
    return {n for n, v in vars(cls).items() if type(v).__name__ == "getset_descriptor"}


def _legacy_attrs(cls: type[E.LegacyEvent]) -> set[str]:
    out = {"kind", *E.COMMON}
    for fname, ftype in cls._spec_fields:
        out.add(fname)
        if ftype in ("dec", "levels"):
            out.add(fname + "_str")
    return out


def test_one_legacy_class_per_rust_event_class() -> None:
    rust_names = {
        n for n, v in vars(core).items() if isinstance(v, type) and "to_dict" in vars(v) and n != "OrderBook"
    }
    assert rust_names == set(E.EVENT_CLASSES)


@pytest.mark.parametrize("name", sorted(E.EVENT_CLASSES))
def test_field_lists_match_rust(name: str) -> None:
    legacy = E.EVENT_CLASSES[name]
    assert _rust_attrs(getattr(core, name)) == _legacy_attrs(legacy)
    # every attribute is reachable on the legacy class as a property / slot
    for attr in _legacy_attrs(legacy):
        assert hasattr(legacy, attr), attr


def _trade(**over: Any) -> Any:
    args: dict[str, Any] = dict(
        exchange="gateio",
        market="spot",
        symbol="BTC_USDT",
        channel="spot.trades",
        exchange_ts_ms=1000,
        recv_ts_ns=7,
        price_str="6e1",
        qty_str="1.50",
        side="buy",
        side_code="buy",
        trade_id="5",
    )
    args.update(over)
    return E.Trade(*args.values())


RUST_TRADE = (
    '{"time":1,"time_ms":1000,"channel":"spot.trades","event":"update","result":{"id":5,'
    '"create_time":1,"create_time_ms":"1000","side":"buy","currency_pair":"BTC_USDT",'
    '"amount":"1.50","price":"6e1"}}'
)


def test_trade_matches_rust_both_directions() -> None:
    rust = core.GateSpotParser().parse(RUST_TRADE, 7)[0]
    leg = _trade()
    assert leg == rust and rust == leg
    assert not (leg != rust) and not (rust != leg)
    assert leg.to_dict() == rust.to_dict()
    assert list(leg.to_dict()) == list(rust.to_dict())
    assert repr(leg) == repr(rust)
    # exact text, not floats, decides equality ("1.50" vs "1.5" are different events)
    other = _trade(qty_str="1.5")
    assert other != rust and rust != other and other != leg
    assert _trade(recv_ts_ns=8) != rust


def test_events_are_frozen_and_unhashable() -> None:
    leg = _trade()
    with pytest.raises(AttributeError):
        leg.price = 1.0
    with pytest.raises(TypeError):
        hash(leg)
    assert pickle.loads(pickle.dumps(leg)) == leg
    assert leg != object() and leg != 5


def test_value_fields_are_copied_and_typed() -> None:
    ev = E.StatsUpdate("gateio", "futures", "BTC_USDT", "futures.contract_stats", None, None, {"a": [1]})
    got = ev.fields
    got["a"].append(2)
    assert ev.fields == {"a": [1]}
    # JSON types stay apart as in the Rust Value equality: true is not 1
    ev_true = E.StatsUpdate("gateio", "futures", "BTC_USDT", "futures.contract_stats", None, None, {"a": True})
    ev_one = E.StatsUpdate("gateio", "futures", "BTC_USDT", "futures.contract_stats", None, None, {"a": 1})
    assert ev_true != ev_one


def test_variable_kinds_and_unknown_bytes() -> None:
    ev = E.PriceUpdate("mark_price", "mexc", "futures", "BTC_USDT", "push.fair.price", 5, None, "1.5")
    assert ev.kind == "mark_price" and ev.price == 1.5
    with pytest.raises(ValueError):
        E.PriceUpdate("depth", "mexc", "futures", None, "c", None, None, "1")
    unk = E.Unknown("mexc", "spot", None, "", None, None, b"\x01\x02")
    assert unk.raw == b"\x01\x02"
    assert unk.to_dict()["raw"] == "AQI="


def test_rust_debug_str() -> None:
    assert E.rust_debug_str('a"b\\c\n\t\x01é') == '"a\\"b\\\\c\\n\\t\\u{1}é"'
