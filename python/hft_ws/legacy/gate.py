"""Gate.io spot / futures message parsers of the legacy path, in pure Python.

A line-by-line port of ``rust/src/gate/`` (same channels, same events, same ``ParseError`` kinds for
the same malformed frames), producing the legacy event classes of ``hft_ws.legacy.events`` (equal to
the Rust events). JSON is read by ``hft_ws.legacy.jsonread`` (orjson when installed, else ``json``;
a port of the Rust reader decides whatever those two cannot).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from itertools import chain
from typing import Any, ClassVar

from hft_ws.errors import ParseError
from hft_ws.legacy import events as E
from hft_ws.legacy import jsonread, num
from hft_ws.legacy.events import rust_debug_str
from hft_ws.legacy.jsonread import NeedExact, Num, load_exact, load_fast, payload_text

_MISSING: Any = object()
_is_dec = num._is_dec
_I64_MIN = -(1 << 63)
_I64_MAX = (1 << 63) - 1
_U64_MAX = (1 << 64) - 1

Depth = E.DepthUpdate
Trade = E.Trade


# ---- errors and typed accessors (rust/src/gate/util.rs) --------------------------------------------


def _invalid(field: str, ctx: str, reason: str) -> ParseError:
    return ParseError(f"invalid `{field}` in {ctx}: {reason}", "invalid_value")


def _missing(field: str, ctx: str) -> ParseError:
    return ParseError(f"missing `{field}` in {ctx}", "missing_field")


def _type_name(v: Any) -> str:
    t = type(v)
    if v is None:
        return "null"
    if t is bool:
        return "bool"
    if t is Num or t is int or t is float:
        return "number"
    if t is str:
        return "string"
    if t is list:
        return "array"
    return "object"


def _get(v: Any, key: str) -> Any:
    """``J::get``: a member of an object (``None`` for absent, null, or when ``v`` is no object)."""
    return v.get(key) if type(v) is dict else None


def _has(v: Any, key: str) -> bool:
    """Member present (also when ``null``)."""
    return type(v) is dict and key in v


def _trunc(s: str) -> str:
    return rust_debug_str(s[:40])


def _num_text(v: Any) -> str:
    """A number's exact token (``Num`` or an orjson ``int``); an orjson ``float`` lost it."""
    t = type(v)
    if t is Num:
        return str(v)
    if t is int:
        return str(v)
    raise NeedExact


def dec(v: Any, field: str, ctx: str) -> str | None:
    """Optional decimal: absent, null or ``""`` → ``None``; a string must be a decimal; a number keeps
    its exact token."""
    t = type(v)
    if t is str:
        if not v:
            return None
        if _is_dec(v) is not None:
            return v  # type: ignore[no-any-return]
        raise _invalid(field, ctx, f"not a decimal: {_trunc(v)}")
    if v is None:
        return None
    if t is Num or t is int:
        return str(v)
    if t is float:
        raise NeedExact
    raise _invalid(field, ctx, f"expected a decimal string or number, got {_type_name(v)}")


def req_dec(v: Any, field: str, ctx: str) -> str:
    d = dec(v, field, ctx)
    if d is None:
        raise _missing(field, ctx)
    return d


def abs_dec(d: str, field: str, ctx: str) -> str:
    try:
        return num.abs_str(d)
    except num.NumError as e:
        raise _invalid(field, ctx, str(e)) from None


def sign(d: str) -> int:
    return num.sign(d)


def _u64_text(text: str) -> int | None:
    """Rust ``str::parse::<u64>``: optional ``+``, ASCII digits, at most u64::MAX."""
    body = text[1:] if text[:1] == "+" else text
    if not body or not body.isascii() or not body.isdigit() or len(body.lstrip("0")) > 20:
        return None
    v = int(body)
    return v if v <= _U64_MAX else None


def opt_u64(v: Any, field: str, ctx: str) -> int | None:
    t = type(v)
    if v is None:
        return None
    if t is int:
        if 0 <= v <= _U64_MAX:
            return int(v)
        text = str(v)
    elif t is str:
        if not v:
            return None
        text = v
    elif t is Num:
        text = v
    elif t is float:
        raise NeedExact
    else:
        raise _invalid(field, ctx, f"expected an integer, got {_type_name(v)}")
    out = _u64_text(text)
    if out is None:
        raise _invalid(field, ctx, f"not an unsigned integer: {_trunc(text)}")
    return out


def opt_ms(v: Any) -> int | None:
    """Millisecond time: JSON integer or string, a fractional part floored; anything else ``None``."""
    t = type(v)
    if t is int:
        return int(v) if 0 <= v <= _I64_MAX else None
    if t is str or t is Num:
        text = v
    elif t is float:
        raise NeedExact
    else:
        return None
    dot = text.find(".")
    if dot >= 0:
        text = text[:dot]
    if not text or not text.isascii() or not text.isdigit() or len(text.lstrip("0")) > 19:
        return None
    out = int(text)
    return out if out <= _I64_MAX else None


def secs_to_ms(v: Any) -> int | None:
    """Seconds with an optional fraction (``1681195484.462``) → milliseconds (truncated)."""
    t = type(v)
    if t is str or t is Num:
        text = str(v)
    elif t is int:
        text = str(v)
    elif t is float:
        raise NeedExact
    else:
        return None
    int_part, _, frac = text.partition(".")
    if not int_part or not int_part.isascii() or not int_part.isdigit():
        return None
    if frac and not (frac.isascii() and frac.isdigit()):
        return None
    ms = (frac[:3] + "000")[:3]
    if len(int_part.lstrip("0")) > 19:
        return None
    secs = int(int_part)
    if secs > _I64_MAX:
        return None
    out = secs * 1000 + int(ms)
    return out if out <= _I64_MAX else None


def id_text(v: Any) -> str | None:
    t = type(v)
    if t is str:
        return v if v else None
    if t is Num or t is int:
        return str(v)
    if t is float:
        raise NeedExact
    return None


def opt_str(v: Any) -> str | None:
    return v if type(v) is str and v else None


def opt_bool(v: Any) -> bool | None:
    return v if type(v) is bool else None


def to_value(v: Any) -> Any:
    """A JSON value kept as sent: integers stay ``int``, other numbers keep their token (``str``)."""
    t = type(v)
    if t is Num:
        if "." in v or "e" in v or "E" in v:
            return str(v)
        return int(v)
    if t is float:
        raise NeedExact
    if t is dict:
        return {k: to_value(x) for k, x in v.items()}
    if t is list:
        return [to_value(x) for x in v]
    return v


def entries(result: Any, ctx: str) -> list[Any]:
    t = type(result)
    if t is list:
        return result  # type: ignore[no-any-return]
    if t is dict:
        return [result]
    raise _invalid("result", ctx, f"expected an object or array, got {_type_name(result)}")


def require_object(v: Any, field: str, ctx: str) -> None:
    if type(v) is not dict:
        raise _invalid(field, ctx, f"expected an object, got {_type_name(v)}")


# ---- the parser (rust/src/gate/mod.rs) --------------------------------------------------------------


class _Frame:
    __slots__ = ("market", "channel", "time_ms", "recv")

    def __init__(self, market: str, channel: str, time_ms: int | None, recv: int | None) -> None:
        self.market = market
        self.channel = channel
        self.time_ms = time_ms
        self.recv = recv


_KNOWN_COMMON = frozenset(
    {"tickers", "trades", "candlesticks", "book_ticker", "order_book_update", "order_book", "obu", "orders",
     "usertrades", "balances"}
)
_KNOWN = {
    "spot": _KNOWN_COMMON
    | {"trades_v2", "orders_v2", "usertrades_v2", "margin_balances", "funding_balances", "cross_balances",
       "cross_loan", "priceorders"},
    "futures": _KNOWN_COMMON
    | {"contract_stats", "public_liquidates", "positions", "autoorders", "liquidates", "auto_deleverages",
       "position_closes", "reduce_risk_limits", "position_adl_rank"},
}


def _recv(recv_ts_ns: Any) -> int | None:
    """``Option<i64>`` as the Rust binding extracts it (TypeError / OverflowError otherwise)."""
    if recv_ts_ns is None:
        return None
    v = operator.index(recv_ts_ns)
    if not _I64_MIN <= v <= _I64_MAX:
        raise OverflowError("Python int too large to convert to C long")
    return int(v)


def parse(payload: Any, market: str, recv_ts_ns: Any = None) -> list[Any]:
    """One text frame (``str`` or UTF-8 bytes) of ``market`` → list of events."""
    recv = None if recv_ts_ns is None else _recv(recv_ts_ns)
    fast = jsonread._orjson
    if fast is not None and type(payload) is bytes and b"-0" not in payload:
        # hot path: UTF-8 bytes straight to orjson (it validates UTF-8), no str built
        try:
            v = fast.loads(payload)
        except fast.JSONDecodeError:
            v = _MISSING
        if v is not _MISSING and payload.count(b"[") + payload.count(b"{") <= jsonread.MAX_DEPTH:
            try:
                return _parse(v, payload, market, recv)
            except NeedExact:
                pass
    text, raw = payload_text(payload)
    try:
        return _parse(load_fast(text, raw), text, market, recv)
    except NeedExact:
        return _parse(load_exact(text), text, market, recv)


def _parse(v: Any, text: str | bytes, market: str, recv: int | None) -> list[Any]:
    require_object(v, "frame", "top level")
    channel = v.get("channel", _MISSING)
    if channel is _MISSING and "header" in v:
        return [_api_reply(v, market, recv)]
    if type(channel) is not str:
        if channel is _MISSING:
            raise _missing("channel", "frame")
        raise _invalid("channel", "frame", f"expected a string, got {_type_name(channel)}")
    f = _Frame(market, channel, opt_ms(v.get("time_ms")), recv)
    event = v.get("event")
    if event is not None and type(event) is not str:
        raise _invalid("event", channel, f"expected a string, got {_type_name(event)}")
    rid = v.get("id")
    request_id = None if rid is None else to_value(rid)
    result = v.get("result")

    err = v.get("error")
    if err is not None:
        return [_error_reply(f, err, request_id)]
    dot = channel.find(".")
    base = channel if dot < 0 else channel[dot + 1 :]
    if base == "pong":
        return [_control(f, "pong", request_id, None)]
    if event == "subscribe" or event == "unsubscribe":
        kind = "subscribed" if event == "subscribe" else "unsubscribed"
        return [_control(f, kind, request_id, opt_str(_get(result, "status")))]
    if base == "system":
        detail = opt_str(_get(result, "msg")) or opt_str(_get(result, "type"))
        return [_control(f, "system", request_id, detail)]
    if base not in _KNOWN[market]:
        raw = text if type(text) is str else text.decode("utf-8")  # type: ignore[union-attr]
        return [E.Unknown("gateio", market, None, channel, f.time_ms, recv, raw)]
    if result is None:
        raise _missing("result", channel)
    handler = _HANDLERS.get(base)
    if handler is not None:
        if base == "order_book" and event == "update" and market == "futures":
            return [_legacy_update(f, result)]
        return handler(f, result)
    return _each(result, channel, lambda e: _account(f, e))


def _each(result: Any, ctx: str, one: Callable[[Any], Any]) -> list[Any]:
    out = []
    for item in entries(result, ctx):
        require_object(item, "result entry", ctx)
        out.append(one(item))
    return out


def _control(f: _Frame, kind: str, request_id: Any, detail: str | None) -> Any:
    return E.ControlEvent(kind, "gateio", f.market, None, f.channel, f.time_ms, f.recv, request_id, detail)


def _error_reply(f: _Frame, err: Any, request_id: Any) -> Any:
    require_object(err, "error", f.channel)
    c = err.get("code")
    code: int | None = None
    if c is not None:
        code = _as_i64(c)
        if code is None:
            raise _invalid("error.code", f.channel, f"expected an integer, got {_type_name(c)}")
    m = err.get("message")
    message = m if type(m) is str else None
    return E.ErrorReply("gateio", f.market, None, f.channel, f.time_ms, f.recv, code, message, request_id)


def _as_i64(v: Any) -> int | None:
    """``J::as_i64``: a JSON integer token that fits an i64."""
    t = type(v)
    if t is int:
        return int(v) if _I64_MIN <= v <= _I64_MAX else None
    if t is float:
        raise NeedExact
    if t is Num and not ("." in v or "e" in v or "E" in v):
        i = int(v)
        return i if _I64_MIN <= i <= _I64_MAX else None
    return None


def _account(f: _Frame, e: dict[str, Any]) -> Any:
    symbol = opt_str(e.get("currency_pair")) or opt_str(e.get("contract"))
    return E.AccountEvent("gateio", f.market, symbol, f.channel, f.time_ms, f.recv, f.channel, to_value(e))


def _tickers(f: _Frame, result: Any) -> list[Any]:
    c = f.channel

    def one(t: dict[str, Any]) -> Any:
        symbol = opt_str(t.get("currency_pair")) or opt_str(t.get("contract"))
        if f.market == "spot":
            bv = dec(t.get("base_volume"), "base_volume", c)
            qv = dec(t.get("quote_volume"), "quote_volume", c)
        else:
            bv = dec(t.get("volume_24h_base"), "volume_24h_base", c)
            qv = dec(t.get("volume_24h_quote"), "volume_24h_quote", c)
        ts = opt_ms(t.get("t"))
        return E.Ticker(
            "gateio",
            f.market,
            symbol,
            c,
            f.time_ms if ts is None else ts,
            f.recv,
            dec(t.get("last"), "last", c),
            dec(t.get("highest_bid"), "highest_bid", c),
            dec(t.get("lowest_ask"), "lowest_ask", c),
            dec(t.get("high_24h"), "high_24h", c),
            dec(t.get("low_24h"), "low_24h", c),
            bv,
            qv,
            dec(t.get("change_percentage"), "change_percentage", c),
        )

    return _each(result, c, one)


def _dec_fast(v: Any, field: str, ctx: str) -> str:
    """``req_dec`` with the common case (a non-empty decimal string) inlined by the callers' type check."""
    if type(v) is str and _is_dec(v) is not None:
        return v
    return req_dec(v, field, ctx)


def _trades(f: _Frame, result: Any) -> list[Any]:
    c = f.channel
    spot = f.market == "spot"
    if type(result) is dict:
        items = [result]
    elif type(result) is list:
        items = result
    else:
        items = entries(result, c)
    out = []
    recv = f.recv
    is_dec = _is_dec
    for t in items:
        if type(t) is not dict:
            require_object(t, "result entry", c)
        price = t.get("price")
        if type(price) is not str or is_dec(price) is None:
            price = req_dec(price, "price", c)
        ts = opt_ms(t.get("create_time_ms"))
        if ts is None:
            ts = f.time_ms
        tid = t.get("id")
        trade_id = str(tid) if type(tid) is int else id_text(tid)
        if spot:
            amount = t.get("amount")
            if type(amount) is not str or is_dec(amount) is None:
                amount = req_dec(amount, "amount", c)
            qty = amount[1:] if amount[0] in "+-" else amount
            side_code = t.get("side")
            if type(side_code) is not str or not side_code:
                side_code = None
            side = side_code if side_code == "buy" or side_code == "sell" else None
            sym = t.get("currency_pair")
            out.append(
                Trade("gateio", "spot", sym if type(sym) is str and sym else None, c, ts, recv, price, qty, side,
                      side_code, trade_id)
            )
        else:
            size = req_dec(t.get("size"), "size", c)
            sg = sign(size)
            side = "buy" if sg == 1 else ("sell" if sg == -1 else None)
            out.append(
                Trade("gateio", "futures", opt_str(t.get("contract")), c, ts, recv, price,
                      size[1:] if size[0] in "+-" else size, side, None, trade_id)
            )
    return out


def _candles(f: _Frame, result: Any) -> list[Any]:
    c = f.channel

    def one(k: dict[str, Any]) -> Any:
        name = k.get("n", _MISSING)
        if type(name) is not str:
            if name is _MISSING:
                raise _missing("n", c)
            raise _invalid("n", c, "expected a string")
        interval, sep, symbol = name.partition("_")
        if not sep:
            raise _invalid("n", c, "expected <interval>_<symbol>")
        t = opt_ms(k.get("t"))
        open_time_ms = None if t is None or t * 1000 > _I64_MAX else t * 1000
        if f.market == "spot":
            volume, quote_volume = dec(k.get("a"), "a", c), dec(k.get("v"), "v", c)
        else:
            volume, quote_volume = dec(k.get("v"), "v", c), None
        return E.Kline(
            "gateio",
            f.market,
            symbol,
            c,
            f.time_ms,
            f.recv,
            interval,
            open_time_ms,
            dec(k.get("o"), "o", c),
            dec(k.get("h"), "h", c),
            dec(k.get("l"), "l", c),
            dec(k.get("c"), "c", c),
            volume,
            quote_volume,
            opt_bool(k.get("w")),
        )

    return _each(result, c, one)


def _book_ticker(f: _Frame, r: Any) -> list[Any]:
    c = f.channel
    require_object(r, "result", c)
    ts = opt_ms(r.get("t"))
    return [
        E.BookTicker(
            "gateio",
            f.market,
            opt_str(r.get("s")),
            c,
            f.time_ms if ts is None else ts,
            f.recv,
            dec(r.get("b"), "b", c),
            dec(r.get("B"), "B", c),
            dec(r.get("a"), "a", c),
            dec(r.get("A"), "A", c),
            opt_u64(r.get("u"), "u", c),
        )
    ]


def _rename(e: ParseError, name: str) -> ParseError:
    """``at_level``: name the level in a level's error (``b[3].price``)."""
    msg = str(e)
    if e.kind == "missing_field":
        ctx = msg.split(" in ", 1)[1]
        return ParseError(f"missing `{name}` in {ctx}", "missing_field")
    if e.kind == "invalid_value":
        rest = msg.split("` in ", 1)[1]
        return ParseError(f"invalid `{name}` in {rest}", "invalid_value")
    return e


def _level_slow(level: Any, i: int, field: str, ctx: str) -> tuple[str, str]:
    t = type(level)
    if t is list:
        if len(level) != 2:
            raise _invalid(field, ctx, f"level {i} has {len(level)} elements, expected 2")
        p, s = level
    elif t is dict:
        p, s = level.get("p"), level.get("s")
    else:
        raise _invalid(field, ctx, f"level {i} is a {_type_name(level)}")
    try:
        price = req_dec(p, field, ctx)
    except ParseError as e:
        raise _rename(e, f"{field}[{i}].price") from None
    try:
        size = req_dec(s, field, ctx)
    except ParseError as e:
        raise _rename(e, f"{field}[{i}].size") from None
    return (price, size)


# possessive quantifiers: no backtracking, one pass over the joined texts
_DECS_NL = re.compile(r"(?:[+-]?+[0-9]++(?:\.[0-9]++)?+(?:[eE][+-]?+[0-9]++)?+\n)++").fullmatch
# the usual market-data shape (unsigned, no exponent) checks faster; the full pattern decides otherwise
_PLAIN_NL = re.compile(r"(?:[0-9]++(?:\.[0-9]++)?+\n)++").fullmatch
_get_p = operator.itemgetter("p")
_get_s = operator.itemgetter("s")
_STR_ONLY = {str}
_LIST_ONLY = {list}
_DICT_ONLY = {dict}
_TWO = {2}


def _all_decimal(texts: list[str]) -> bool:
    """Every text a decimal (one regex pass; no text may hide the separator)."""
    joined = "\n".join(texts) + "\n"
    if joined.count("\n") != len(texts):
        return False
    return _PLAIN_NL(joined) is not None or _DECS_NL(joined) is not None


def levels(v: Any, field: str, ctx: str) -> list[tuple[str, str]]:
    """One book side: ``[[price, size], …]`` or ``[{"p": price, "s": size}, …]``; absent = no change."""
    if v is None:
        return []
    if type(v) is not list:
        raise _invalid(field, ctx, f"expected an array of levels, got {_type_name(v)}")
    if not v:
        return []
    # fast paths, all C-level passes: every level well-formed and every text a decimal
    kinds = set(map(type, v))
    if kinds == _LIST_ONLY and set(map(len, v)) == _TWO:
        flat = list(chain.from_iterable(v))
        if set(map(type, flat)) == _STR_ONLY and _all_decimal(flat):
            return list(map(tuple, v))
    elif kinds == _DICT_ONLY:
        try:
            prices = list(map(_get_p, v))
            sizes = list(map(_get_s, v))
        except KeyError:
            return _levels_slow(v, field, ctx)
        if set(map(type, prices)) == _STR_ONLY and _all_decimal(prices):
            st = set(map(type, sizes))
            if st == _STR_ONLY:
                if _all_decimal(sizes):
                    return list(zip(prices, sizes))
            elif st <= _NUMS:
                return list(zip(prices, map(str, sizes)))
    return _levels_slow(v, field, ctx)


_NUMS = {int, Num}


def _levels_slow(v: list[Any], field: str, ctx: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    append = out.append
    is_dec = _is_dec
    for i, lv in enumerate(v):
        if type(lv) is list and len(lv) == 2:
            p, q = lv
            if type(p) is str and type(q) is str and is_dec(p) is not None and is_dec(q) is not None:
                append((p, q))
                continue
        append(_level_slow(lv, i, field, ctx))
    return out


def _book_update(f: _Frame, r: Any, obu: bool) -> Any:
    c = f.channel
    require_object(r, "result", c)
    full_v = r.get("full")
    if full_v is None:
        full = False
    elif type(full_v) is bool:
        full = full_v
    else:
        raise _invalid("full", c, f"expected a bool, got {_type_name(full_v)}")
    if obu:
        stream = opt_str(r.get("s"))
        if stream is None:
            raise _missing("s", c)
        symbol: str | None = None
        if stream.startswith("ob."):
            sym, dot, level = stream[3:].rpartition(".")
            if dot and sym and level and level.isascii() and level.isdigit():
                symbol = sym
        if symbol is None:
            raise _invalid("s", c, f"stream name {rust_debug_str(stream)} is not ob.<symbol>.<level>")
    else:
        symbol = opt_str(r.get("s"))
    last = r.get("u")
    if type(last) is not int or not 0 <= last <= _U64_MAX:
        last = opt_u64(last, "u", c)
        if last is None:
            raise _missing("u", c)
    first = r.get("U")
    if type(first) is not int or not 0 <= first <= _U64_MAX:
        first = opt_u64(first, "U", c)
    if first is not None:
        if first > last:
            raise _invalid("U", c, f"first update id {first} > last update id {last}")
    elif not full:
        raise _missing("U", f"{c} incremental update")
    ts = opt_ms(r.get("t"))
    return Depth(
        "gateio",
        f.market,
        symbol,
        c,
        f.time_ms if ts is None else ts,
        f.recv,
        levels(r.get("b"), "b", c),
        levels(r.get("a"), "a", c),
        first,
        last,
        full,
    )


def _order_book_update(f: _Frame, r: Any) -> list[Any]:
    return [_book_update(f, r, False)]


def _obu(f: _Frame, r: Any) -> list[Any]:
    return [_book_update(f, r, True)]


def _book_snapshot(f: _Frame, r: Any) -> list[Any]:
    c = f.channel
    require_object(r, "result", c)
    symbol = opt_str(r.get("s")) or opt_str(r.get("contract"))
    last = opt_u64(r.get("lastUpdateId"), "lastUpdateId", c)
    if last is None:
        last = opt_u64(r.get("id"), "id", c)
    ts = opt_ms(r.get("t"))
    return [
        Depth(
            "gateio",
            f.market,
            symbol,
            c,
            f.time_ms if ts is None else ts,
            f.recv,
            levels(r.get("bids"), "bids", c),
            levels(r.get("asks"), "asks", c),
            None,
            last,
            True,
        )
    ]


def _legacy_update(f: _Frame, result: Any) -> Any:
    c = f.channel
    rows = entries(result, c)
    bids: list[tuple[str, str]] = []
    asks: list[tuple[str, str]] = []
    lo: int | None = None
    hi: int | None = None
    symbol: Any = _MISSING
    for i, row in enumerate(rows):
        require_object(row, "result entry", c)
        price = req_dec(row.get("p"), f"result[{i}].p", c)
        size = req_dec(row.get("s"), f"result[{i}].s", c)
        rid = opt_u64(row.get("id"), "id", c)
        if rid is not None:
            lo = rid if lo is None else min(lo, rid)
            hi = rid if hi is None else max(hi, rid)
        sym = opt_str(row.get("c")) or opt_str(row.get("contract"))
        if symbol is _MISSING:
            symbol = sym
        elif symbol != sym:
            symbol = None
        sg = sign(size)
        if sg == 1:
            bids.append((price, size))
        elif sg == -1:
            asks.append((price, abs_dec(size, "s", c)))
        else:
            bids.append((price, size))
            asks.append((price, size))
    return Depth("gateio", f.market, None if symbol is _MISSING else symbol, c, f.time_ms, f.recv, bids, asks, lo,
                 hi, False)


def _contract_stats(f: _Frame, result: Any) -> list[Any]:
    def one(e: dict[str, Any]) -> Any:
        return E.StatsUpdate("gateio", f.market, opt_str(e.get("contract")), f.channel, f.time_ms, f.recv,
                             to_value(e))

    return _each(result, f.channel, one)


def _liquidations(f: _Frame, result: Any) -> list[Any]:
    c = f.channel

    def one(li: dict[str, Any]) -> Any:
        size = dec(li.get("size"), "size", c)
        qty = None if size is None else abs_dec(size, "size", c)
        ts = opt_ms(li.get("time_ms"))
        if ts is None:
            t = opt_ms(li.get("time"))
            ts = t if t is not None and t >= 100_000_000_000 else None
        return E.Liquidation("gateio", f.market, opt_str(li.get("contract")), c, f.time_ms if ts is None else ts,
                             f.recv, dec(li.get("price"), "price", c), qty, None)

    return _each(result, c, one)


def _order_type(kind: str | None, tif: str | None) -> str:
    if kind == "market":
        return "market"
    if tif == "ioc":
        return "ioc"
    if tif == "fok":
        return "fok"
    if tif == "poc":
        return "post_only"
    if kind == "limit" or kind is None:
        return "limit"
    return "other"


_CANCELLED = frozenset(
    {"cancelled", "liquidated", "ioc", "stp", "reduce_only", "position_close", "reduce_out", "auto_deleveraging",
     "liquidate_cancelled"}
)
_REJECTED = frozenset({"poc", "fok", "trader_not_enough", "depth_not_enough", "small"})


def _finish_status(finish_as: str | None) -> str:
    if finish_as == "filled":
        return "filled"
    if finish_as in _CANCELLED:
        return "cancelled"
    if finish_as in _REJECTED:
        return "rejected"
    return "unknown"


def _order(f: _Frame, o: dict[str, Any]) -> Any:
    c = f.channel
    tif = opt_str(o.get("time_in_force")) or opt_str(o.get("tif"))
    finish_as = opt_str(o.get("finish_as"))
    if f.market == "spot":
        kind = opt_str(o.get("type"))
        ev = opt_str(o.get("event"))
        qty = dec(o.get("amount"), "amount", c)
        left = dec(o.get("left"), "left", c)
        filled_amount = dec(o.get("filled_amount"), "filled_amount", c)
        filled_qty = filled_amount
        if qty is not None and left is not None:
            d = num.sub_text(qty, left)
            filled_qty = d if d is not None else filled_amount
        partly = filled_qty is not None and sign(filled_qty) != 0
        if ev == "put":
            status = "new"
        elif ev == "update":
            status = "partially_filled" if partly else "open"
        elif ev == "finish":
            status = _finish_status(finish_as)
        else:
            status = "unknown"
        status_code = finish_as if ev == "finish" and finish_as is not None else ev
        side_code = opt_str(o.get("side"))
        ts = opt_ms(o.get("update_time_ms"))
        return E.OrderUpdate(
            "gateio",
            "spot",
            opt_str(o.get("currency_pair")),
            c,
            f.time_ms if ts is None else ts,
            f.recv,
            id_text(o.get("id")),
            opt_str(o.get("text")),
            side_code if side_code == "buy" or side_code == "sell" else None,
            side_code,
            _order_type(kind, tif),
            kind,
            status,
            status_code,
            dec(o.get("price"), "price", c),
            qty,
            filled_qty,
            dec(o.get("avg_deal_price"), "avg_deal_price", c),
            ts,
        )
    size = dec(o.get("size"), "size", c)
    left = dec(o.get("left"), "left", c)
    side = None
    if size is not None:
        sg = sign(size)
        side = "buy" if sg == 1 else ("sell" if sg == -1 else None)
    qty = None if size is None else abs_dec(size, "size", c)
    filled_qty = None
    if qty is not None and left is not None:
        filled_qty = num.sub_text(qty, abs_dec(left, "left", c))
    st = opt_str(o.get("status"))
    partly = filled_qty is not None and sign(filled_qty) != 0
    if st == "open":
        status = "partially_filled" if partly else "open"
    elif st == "finished":
        status = _finish_status(finish_as)
    else:
        status = "unknown"
    price = dec(o.get("price"), "price", c)
    is_market = price is not None and sign(price) == 0 and tif == "ioc"
    order_type = "market" if is_market else _order_type("limit", tif)
    status_code = finish_as if st == "finished" and finish_as is not None else st
    update_ts = opt_ms(o.get("update_time"))
    if update_ts is None:
        t = opt_ms(o.get("finish_time_ms"))
        update_ts = t if t is not None and t > 0 else None
    return E.OrderUpdate(
        "gateio",
        "futures",
        opt_str(o.get("contract")),
        c,
        f.time_ms if update_ts is None else update_ts,
        f.recv,
        id_text(o.get("id")),
        opt_str(o.get("text")),
        side,
        None,
        order_type,
        tif,
        status,
        status_code,
        price,
        qty,
        filled_qty,
        dec(o.get("fill_price"), "fill_price", c),
        update_ts,
    )


def _fill(f: _Frame, t: dict[str, Any]) -> Any:
    c = f.channel
    symbol = opt_str(t.get("currency_pair")) or opt_str(t.get("contract"))
    if f.market == "spot":
        code = opt_str(t.get("side"))
        a = dec(t.get("amount"), "amount", c)
        qty = None if a is None else abs_dec(a, "amount", c)
        side = code if code == "buy" or code == "sell" else None
        side_code = code
    else:
        size = dec(t.get("size"), "size", c)
        side = None
        if size is not None:
            sg = sign(size)
            side = "buy" if sg == 1 else ("sell" if sg == -1 else None)
        qty = None if size is None else abs_dec(size, "size", c)
        side_code = None
    role = t.get("role")
    is_maker = True if role == "maker" and type(role) is str else (False if role == "taker" and type(role) is str else None)
    ts = opt_ms(t.get("create_time_ms"))
    return E.Fill(
        "gateio",
        f.market,
        symbol,
        c,
        f.time_ms if ts is None else ts,
        f.recv,
        id_text(t.get("id")),
        id_text(t.get("order_id")),
        side,
        side_code,
        dec(t.get("price"), "price", c),
        qty,
        dec(t.get("fee"), "fee", c),
        opt_str(t.get("fee_currency")),
        is_maker,
    )


def _balance(f: _Frame, b: dict[str, Any]) -> Any:
    c = f.channel
    if f.market == "spot":
        free = dec(b.get("available"), "available", c)
        locked = dec(b.get("freeze"), "freeze", c)
        ts = opt_ms(b.get("timestamp_ms"))
    else:
        free = dec(b.get("balance"), "balance", c)
        locked = None
        ts = opt_ms(b.get("time_ms"))
    return E.BalanceUpdate("gateio", f.market, None, c, f.time_ms if ts is None else ts, f.recv,
                           opt_str(b.get("currency")), free, locked)


def _position(f: _Frame, p: dict[str, Any]) -> Any:
    c = f.channel
    leverage = dec(p.get("leverage"), "leverage", c)
    margin_mode = None if leverage is None else ("cross" if sign(leverage) == 0 else "isolated")
    ts = opt_ms(p.get("time_ms"))
    return E.PositionUpdate(
        "gateio",
        f.market,
        opt_str(p.get("contract")),
        c,
        f.time_ms if ts is None else ts,
        f.recv,
        dec(p.get("size"), "size", c),
        dec(p.get("entry_price"), "entry_price", c),
        leverage,
        margin_mode,
        dec(p.get("liq_price"), "liq_price", c),
    )


def _api_reply(v: dict[str, Any], market: str, recv: int | None) -> Any:
    header: Any = v.get("header")
    require_object(header, "header", "API reply")
    channel = opt_str(header.get("channel")) or ""
    st = header.get("status")
    if type(st) is str:
        status: str | None = st
    elif type(st) is Num or type(st) is int:
        status = str(st)
    elif type(st) is float:
        raise NeedExact
    else:
        status = None
    data = v.get("data")
    errs = _get(data, "errs")
    if errs is not None:
        code, message = opt_str(_get(errs, "label")), opt_str(_get(errs, "message"))
    else:
        code = message = None
    ok = errs is None and (status is None or status.startswith("2"))
    result = _get(data, "result")
    return E.ApiReply(
        "gateio",
        market,
        None,
        channel,
        opt_ms(header.get("response_time")),
        recv,
        id_text(v.get("request_id")),
        ok,
        opt_bool(v.get("ack")) or False,
        status,
        None if result is None else to_value(result),
        code,
        message,
    )


_HANDLERS: dict[str, Callable[[_Frame, Any], list[Any]]] = {
    "tickers": _tickers,
    "trades": _trades,
    "trades_v2": _trades,
    "candlesticks": _candles,
    "book_ticker": _book_ticker,
    "order_book_update": _order_book_update,
    "obu": _obu,
    "order_book": _book_snapshot,
    "contract_stats": _contract_stats,
    "public_liquidates": _liquidations,
    "orders": lambda f, r: _each(r, f.channel, lambda e: _order(f, e)),
    "orders_v2": lambda f, r: _each(r, f.channel, lambda e: _order(f, e)),
    "usertrades": lambda f, r: _each(r, f.channel, lambda e: _fill(f, e)),
    "usertrades_v2": lambda f, r: _each(r, f.channel, lambda e: _fill(f, e)),
    "balances": lambda f, r: _each(r, f.channel, lambda e: _balance(f, e)),
    "positions": lambda f, r: _each(r, f.channel, lambda e: _position(f, e)),
}


def parse_snapshot(body: Any, market: str, symbol: str | None = None) -> Any:
    """A REST order-book body (``GET /spot/order_book`` or ``/futures/{settle}/order_book``,
    ``with_id=true``) → ``DepthUpdate`` with ``is_snapshot=True``."""
    if symbol is not None and not isinstance(symbol, str):
        raise TypeError(f"argument 'symbol': '{type(symbol).__name__}' object cannot be converted to 'PyString'")
    text, raw = payload_text(body)
    try:
        return _parse_snapshot(load_fast(text, raw), market, symbol)
    except NeedExact:
        return _parse_snapshot(load_exact(text), market, symbol)


def _parse_snapshot(v: Any, market: str, symbol: str | None) -> Any:
    ctx = "REST order book"
    require_object(v, "body", ctx)
    label = opt_str(v.get("label"))
    if label is not None:
        msg = opt_str(v.get("message")) or ""
        raise _invalid("body", ctx, f"REST error {label}: {msg}")
    upd = v.get("update", _MISSING)
    src = v.get("current", _MISSING) if upd is _MISSING else upd
    t = type(src)
    if t is float:
        raise NeedExact
    if t is Num and ("." in src or "e" in src or "E" in src):
        ts = secs_to_ms(src)
    else:
        ts = opt_ms(None if src is _MISSING else src)
    if "bids" not in v and "asks" not in v:
        raise _missing("bids/asks", ctx)
    bids = levels(v.get("bids"), "bids", ctx)
    asks = levels(v.get("asks"), "asks", ctx)
    return Depth("gateio", market, symbol, "rest.order_book", ts, None, bids, asks, None,
                 opt_u64(v.get("id"), "id", ctx), True)


class _GateMessageParser:
    """Pure-Python twin of ``hft_ws.Gate*Parser`` for ``market``: same ``parse`` / ``parse_snapshot`` contract."""

    __slots__ = ()
    exchange = "gateio"
    market: ClassVar[str] = ""

    def parse(self, payload: Any, recv_ts_ns: int | None = None) -> list[Any]:
        return parse(payload, self.market, recv_ts_ns)

    def parse_snapshot(self, body: Any, symbol: str | None = None) -> Any:
        return parse_snapshot(body, self.market, symbol)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class GateSpotMessageParser(_GateMessageParser):
    """Pure-Python ``hft_ws.GateSpotParser``."""

    __slots__ = ()
    market = "spot"


class GateFuturesMessageParser(_GateMessageParser):
    """Pure-Python ``hft_ws.GateFuturesParser``."""

    __slots__ = ()
    market = "futures"


__all__ = ["GateFuturesMessageParser", "GateSpotMessageParser", "parse", "parse_snapshot"]
