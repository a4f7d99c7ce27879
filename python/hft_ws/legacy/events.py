"""Pure-Python event classes of the legacy path, one per Rust event class of ``hft_ws._core``.

Every class is generated from one field list (``SPECS``), as the Rust macro in
``rust/src/python/events.rs`` generates the pyclasses, so attributes, ``to_dict()``, ``__repr__``
and ``__eq__`` cannot drift apart. Decimal fields are stored as their exact text (the ``x_str``
twin); the float ``x`` is ``float(text)``, built on access like the Rust getters do.

A legacy event compares equal to the Rust event with the same fields (both directions: the Rust
``__eq__`` returns ``NotImplemented`` for a foreign object, so Python falls back to ours). Like the
Rust classes, events are unhashable and frozen.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

# Field types: "dec" = exact decimal text (float on access + `x_str` twin), "levels" = list of
# (price_text, qty_text) (float tuples on access + `x_str` twin), "value" = JSON-like value as
# sent (dict / list / int / str ...; copied on access), "raw" = str or bytes (base64 in to_dict),
# "" = plain immutable value (str / int / bool / None).
Spec = tuple[str, str, tuple[tuple[str, str], ...]]


def _spec(name: str, kind: str, fields: str) -> Spec:
    parsed = []
    for item in fields.split():
        fname, _, ftype = item.partition(":")
        parsed.append((fname, ftype))
    return (name, kind, tuple(parsed))


# kind "" = per instance (PriceUpdate: index_price / mark_price; ControlEvent: subscribed ...).
SPECS: tuple[Spec, ...] = (
    _spec("DepthUpdate", "depth", "bids:levels asks:levels first_seq last_seq is_snapshot"),
    _spec("Trade", "trade", "price:dec qty:dec side side_code trade_id"),
    _spec("BookTicker", "book_ticker", "bid_price:dec bid_qty:dec ask_price:dec ask_qty:dec update_id"),
    _spec(
        "Ticker",
        "ticker",
        "last:dec bid:dec ask:dec high:dec low:dec base_volume:dec quote_volume:dec change_pct:dec",
    ),
    _spec(
        "Kline",
        "kline",
        "interval open_time_ms open:dec high:dec low:dec close:dec volume:dec quote_volume:dec closed",
    ),
    _spec(
        "OrderUpdate",
        "order",
        "order_id client_order_id side side_code order_type order_type_code status status_code"
        " price:dec qty:dec filled_qty:dec avg_price:dec update_ts_ms",
    ),
    _spec(
        "Fill",
        "fill",
        "trade_id order_id side side_code price:dec qty:dec fee:dec fee_asset is_maker",
    ),
    _spec("BalanceUpdate", "balance", "asset free:dec locked:dec"),
    _spec(
        "PositionUpdate",
        "position",
        "size:dec entry_price:dec leverage:dec margin_mode liq_price:dec",
    ),
    _spec("FundingRate", "funding_rate", "rate:dec next_funding_ms"),
    _spec("PriceUpdate", "", "price:dec"),
    _spec("Liquidation", "liquidation", "price:dec qty:dec side"),
    _spec("StatsUpdate", "stats", "fields:value"),
    _spec("AccountEvent", "account", "topic fields:value"),
    _spec("ControlEvent", "", "request_id:value detail"),
    _spec("ApiReply", "api_reply", "request_id ok ack status result:value code message"),
    _spec("ErrorReply", "error_reply", "code message request_id:value"),
    _spec("Unknown", "unknown", "raw:raw"),
)

COMMON = ("exchange", "market", "symbol", "channel", "exchange_ts_ms", "recv_ts_ns")
_PRICE_KINDS = frozenset({"index_price", "mark_price"})
_CONTROL_KINDS = frozenset({"subscribed", "unsubscribed", "login", "system", "pong"})


def _copy_value(v: Any) -> Any:
    """A fresh copy of a JSON-like value (the Rust getters build a new object per access)."""
    if isinstance(v, dict):
        return {k: _copy_value(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_copy_value(x) for x in v]
    return v


def _tagged(v: Any) -> Any:
    """A comparison key that keeps JSON types apart (``True`` != ``1``) and dict order, as the
    Rust ``Value`` equality does."""
    if isinstance(v, dict):
        return ("d", tuple((k, _tagged(x)) for k, x in v.items()))
    if isinstance(v, (list, tuple)):
        return ("l", tuple(_tagged(x) for x in v))
    return (type(v).__name__, v)


def _float_levels(levels: list[tuple[str, str]]) -> list[tuple[float, float]]:
    return [(float(p), float(q)) for p, q in levels]


def rust_debug_str(s: str) -> str:
    """Rust's ``{:?}`` rendering of a ``str`` (what the Rust ``__repr__`` prints for the symbol)."""
    out = ['"']
    for ch in s:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\0":
            out.append("\\0")
        elif ch.isprintable() or ch == " ":
            out.append(ch)
        else:
            out.append("\\u{%x}" % ord(ch))
    out.append('"')
    return "".join(out)


class LegacyEvent:
    """Base of every legacy event class (never instantiated itself)."""

    __slots__ = COMMON
    __hash__ = None  # type: ignore[assignment]  # unhashable, like the Rust events

    _name: str = ""
    _spec_fields: tuple[tuple[str, str], ...] = ()
    _init_slots: tuple[str, ...] = ()
    exchange: str
    market: str
    symbol: str | None
    channel: str
    exchange_ts_ms: int | None
    recv_ts_ns: int | None

    def __init__(self, *args: Any) -> None:  # replaced per class by a generated __init__
        raise TypeError("LegacyEvent is abstract")

    @property
    def kind(self) -> str:
        raise NotImplementedError

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def _key(self) -> tuple[Any, ...]:
        return _key_of(self, type(self)._spec_fields)

    def to_dict(self) -> dict[str, Any]:
        raise NotImplementedError

    def __eq__(self, other: object) -> Any:
        cls = type(self)
        if type(other) is cls:
            return self._key() == other._key()
        if type(other).__name__ == cls._name and type(other).__module__ == "hft_ws._core":
            return self._key() == _key_of(other, cls._spec_fields)
        return NotImplemented

    def __ne__(self, other: object) -> Any:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __reduce__(self) -> tuple[Any, ...]:
        cls = type(self)
        return (cls, tuple(object.__getattribute__(self, s) for s in cls._init_slots))


def _key_of(ev: Any, fields: tuple[tuple[str, str], ...]) -> tuple[Any, ...]:
    """What equality compares: the common fields and every field as exact text / tagged value."""
    key: list[Any] = [ev.kind]
    for name in COMMON:
        key.append(getattr(ev, name))
    for fname, ftype in fields:
        if ftype == "dec":
            key.append(getattr(ev, fname + "_str"))
        elif ftype == "levels":
            key.append([tuple(x) for x in getattr(ev, fname + "_str")])
        elif ftype == "value":
            key.append(_tagged(getattr(ev, fname)))
        else:
            v = getattr(ev, fname)
            key.append((type(v).__name__, v))
    return tuple(key)


def _make_class(spec: Spec) -> type[LegacyEvent]:
    name, kind, fields = spec
    # stored slots: decimals and levels under their text twin's name, values/raw under `_name`
    slots: list[str] = ["_kind"] if kind == "" else []
    params: list[str] = ["kind"] if kind == "" else []
    params += list(COMMON)
    for fname, ftype in fields:
        if ftype in ("dec", "levels"):
            stored = fname + "_str_"
        elif ftype in ("value", "raw"):
            stored = "_" + fname
        else:
            stored = fname
        slots.append(stored)
        params.append(fname + "_str" if ftype in ("dec", "levels") else fname)
    init_params = (["_kind"] if kind == "" else []) + list(COMMON) + slots[1 if kind == "" else 0 :]
    ns: dict[str, Any] = {
        "__slots__": tuple(slots),
        "__module__": __name__,
        "__qualname__": name,
        "_name": name,
        "_spec_fields": fields,
        "_init_slots": tuple(init_params),
    }
    init_doc = f"{name}({', '.join(params)})"

    def kind_var(self: Any) -> str:
        return str(object.__getattribute__(self, "_kind"))

    def kind_fixed(self: Any, _k: str = kind) -> str:
        return _k

    ns["kind"] = property(kind_var if kind == "" else kind_fixed)

    getters: list[tuple[str, Callable[[Any], Any]]] = []  # to_dict order: fields, then text twins
    texts: list[tuple[str, Callable[[Any], Any]]] = []
    for fname, ftype in fields:
        if ftype == "dec":
            stored = fname + "_str_"

            def fget(self: Any, _s: str = stored) -> Any:
                t = object.__getattribute__(self, _s)
                return None if t is None else float(t)

            def tget(self: Any, _s: str = stored) -> Any:
                return object.__getattribute__(self, _s)

            ns[fname] = property(fget)
            ns[fname + "_str"] = property(tget)
            getters.append((fname, fget))
            texts.append((fname + "_str", tget))
        elif ftype == "levels":
            stored = fname + "_str_"

            def lget(self: Any, _s: str = stored) -> Any:
                return _float_levels(object.__getattribute__(self, _s))

            def ltget(self: Any, _s: str = stored) -> Any:
                return list(object.__getattribute__(self, _s))

            ns[fname] = property(lget)
            ns[fname + "_str"] = property(ltget)
            getters.append((fname, lget))
            texts.append((fname + "_str", ltget))
        elif ftype == "value":

            def vget(self: Any, _s: str = "_" + fname) -> Any:
                return _copy_value(object.__getattribute__(self, _s))

            ns[fname] = property(vget)
            getters.append((fname, vget))
        elif ftype == "raw":

            def rget(self: Any, _s: str = "_" + fname) -> Any:
                return object.__getattribute__(self, _s)

            def rdict(self: Any, _s: str = "_" + fname) -> Any:
                v = object.__getattribute__(self, _s)
                if isinstance(v, (bytes, bytearray, memoryview)):
                    return base64.b64encode(bytes(v)).decode("ascii")
                return v

            ns[fname] = property(rget)
            getters.append((fname, rdict))
        else:

            def pget(self: Any, _s: str = fname) -> Any:
                return object.__getattribute__(self, _s)

            getters.append((fname, pget))

    def to_dict(self: Any) -> dict[str, Any]:
        """A JSON-ready dict of every field."""
        d: dict[str, Any] = {
            "kind": self.kind,
            "exchange": self.exchange,
            "market": self.market,
            "symbol": self.symbol,
            "channel": self.channel,
            "exchange_ts_ms": self.exchange_ts_ms,
            "recv_ts_ns": self.recv_ts_ns,
        }
        for n, g in getters:
            d[n] = g(self)
        for n, g in texts:
            d[n] = g(self)
        return d

    def __repr__(self: Any) -> str:
        sym = self.symbol
        out = [f"{name}({self.exchange} {self.market} {rust_debug_str('-' if sym is None else sym)}"]
        for n, g in texts:
            out.append(f" {n}={g(self)!r}")
        for n, g in getters:
            out.append(f" {n}={g(self)!r}")
        out.append(")")
        return "".join(out)

    ns["to_dict"] = to_dict
    ns["__repr__"] = __repr__
    cls = type(name, (LegacyEvent,), ns)
    # generated __init__: positional arguments in `_init_slots` order, each stored through its slot
    # descriptor's __set__ (cheaper than object.__setattr__; the class itself refuses setattr)
    body = [f"def __init__(self, {', '.join(init_params)}):"]
    if kind == "":
        allowed = _PRICE_KINDS if name == "PriceUpdate" else _CONTROL_KINDS
        body.append(f"    if _kind not in {sorted(allowed)!r}: raise ValueError('invalid kind ' + repr(_kind))")
    local: dict[str, Any] = {}
    for i, s in enumerate(init_params):
        local[f"_s{i}"] = getattr(cls, s).__set__
        body.append(f"    _s{i}(self, {s})")
    exec("\n".join(body), local)  # noqa: S102 - generated from the fixed field lists above
    init = local["__init__"]
    init.__doc__ = init_doc
    init.__qualname__ = f"{name}.__init__"
    type.__setattr__(cls, "__init__", init)
    return cls


_CLASSES: dict[str, type[LegacyEvent]] = {spec[0]: _make_class(spec) for spec in SPECS}

DepthUpdate = _CLASSES["DepthUpdate"]
Trade = _CLASSES["Trade"]
BookTicker = _CLASSES["BookTicker"]
Ticker = _CLASSES["Ticker"]
Kline = _CLASSES["Kline"]
OrderUpdate = _CLASSES["OrderUpdate"]
Fill = _CLASSES["Fill"]
BalanceUpdate = _CLASSES["BalanceUpdate"]
PositionUpdate = _CLASSES["PositionUpdate"]
FundingRate = _CLASSES["FundingRate"]
PriceUpdate = _CLASSES["PriceUpdate"]
Liquidation = _CLASSES["Liquidation"]
StatsUpdate = _CLASSES["StatsUpdate"]
AccountEvent = _CLASSES["AccountEvent"]
ControlEvent = _CLASSES["ControlEvent"]
ApiReply = _CLASSES["ApiReply"]
ErrorReply = _CLASSES["ErrorReply"]
Unknown = _CLASSES["Unknown"]

EVENT_CLASSES: dict[str, type[LegacyEvent]] = dict(_CLASSES)

__all__ = [
    "COMMON",
    "EVENT_CLASSES",
    "SPECS",
    "AccountEvent",
    "ApiReply",
    "BalanceUpdate",
    "BookTicker",
    "ControlEvent",
    "DepthUpdate",
    "ErrorReply",
    "Fill",
    "FundingRate",
    "Kline",
    "LegacyEvent",
    "Liquidation",
    "OrderUpdate",
    "PositionUpdate",
    "PriceUpdate",
    "StatsUpdate",
    "Ticker",
    "Trade",
    "Unknown",
    "rust_debug_str",
]
