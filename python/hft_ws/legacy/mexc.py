"""Pure-Python MEXC parsers of the legacy path: the same events and ``ParseError`` kinds as the
Rust ``hft_ws.MexcSpotParser`` / ``hft_ws.MexcFuturesParser`` (``rust/src/mexc/{spot,futures}.rs``).

Spot binary frames are decoded by the ``protobuf`` package (``mexc_pb``) after the strict wire walk
(``mexc_wire``), which refuses what the runtime would silently accept. JSON goes through
``mexc_json`` (exact number tokens, Rust-identical strictness).
"""

from __future__ import annotations

from typing import Any, cast

from google.protobuf.message import DecodeError  # type: ignore[import-untyped]

from ..errors import ParseError
from . import mexc_wire as wire
from .events import (
    AccountEvent,
    BalanceUpdate,
    BookTicker,
    ControlEvent,
    DepthUpdate,
    ErrorReply,
    Fill,
    FundingRate,
    Kline,
    LegacyEvent,
    OrderUpdate,
    PositionUpdate,
    PriceUpdate,
    Ticker,
    Trade,
    Unknown,
)
from .mexc_json import JFloat, JInt, Pairs, decode_utf8, field_text, loads, loads_pairs
from .mexc_pb import PushDataV3ApiWrapper

MEXC = "mexc"
SPOT = "spot"
FUTURES = "futures"
_I64_MIN, _I64_MAX = -(1 << 63), (1 << 63) - 1
_U64_MAX = (1 << 64) - 1

# ---------------------------------------------------------------------------------------------
# Enum code tables (rust/src/mexc/codes.rs)

_SPOT_SIDE = {1: "buy", 2: "sell"}
_SPOT_STATUS = {1: "new", 2: "filled", 3: "partially_filled", 4: "cancelled", 5: "cancelled"}
_SPOT_TYPE = {1: "limit", 2: "post_only", 3: "ioc", 4: "fok", 5: "market", 100: "stop_limit"}
_FUT_SIDE = {1: "buy", 2: "buy", 3: "sell", 4: "sell"}
_FUT_STATUS = {1: "new", 2: "open", 3: "filled", 4: "cancelled", 5: "rejected"}
_FUT_TYPE = {1: "limit", 2: "post_only", 3: "ioc", 4: "fok", 5: "market"}
_FUT_TRADE_SIDE = {1: "buy", 2: "sell"}
_MARGIN = {1: "isolated", 2: "cross"}


def _is_param(s: str) -> bool:
    return s.endswith("ms") and s[:-2].isascii() and (s[:-2].isdigit() or s[:-2] == "")


def symbol_from_channel(channel: str) -> str | None:
    """The symbol of a spot channel string (``codes.rs::symbol_from_channel``)."""
    parts = channel.split("@")
    if len(parts) < 2:
        return None
    cid = parts[1]
    rest = parts[2:]
    if cid.startswith("private.") or cid.startswith("public.miniTickers."):
        return None
    if not rest:
        return None
    sym = rest[-1] if cid.startswith("public.aggre.") else rest[0]
    if not sym or _is_param(sym):
        return None
    return sym


_MAX_SHIFT = 4096


def times_100(s: str) -> str | None:
    """Exact ``s × 100`` as plain decimal text (``codes.rs::times_100``), ``None`` for non-decimals."""
    if wire.decimal_sign(s) is None:
        return None
    cut = max(s.find("e"), s.find("E"))
    if cut >= 0:
        mantissa, exp_text = s[:cut], s[cut + 1 :]
        exp = _parse_i64(exp_text)
        if exp is None:
            return None
    else:
        mantissa, exp = s, 0
    neg = mantissa.startswith("-")
    digits_part = mantissa[1:] if neg else mantissa
    int_part, _, frac_part = digits_part.partition(".")
    digits = int_part + frac_part
    scale = len(frac_part) - exp - 2
    if abs(scale) > _MAX_SHIFT:
        return None  # the Rust side refuses shifts past i64 or 4096 places (codes.rs MAX_SHIFT)
    return _render(neg, digits, scale)


def _render(neg: bool, digits: str, scale: int) -> str:
    if scale <= 0:
        zeros = min(-scale, 4096)
        int_digits = digits.lstrip("0")
        if not int_digits:
            return "0"
        return ("-" if neg else "") + int_digits + "0" * zeros
    scale = min(scale, 4096)
    padded = "0" * (scale - len(digits) + 1) + digits if len(digits) <= scale else digits
    split = len(padded) - scale
    int_digits = padded[:split].lstrip("0")
    frac = padded[split:]
    is_zero = not int_digits and not frac.strip("0")
    return ("-" if neg and not is_zero else "") + (int_digits or "0") + "." + frac


def _parse_i64(s: str) -> int | None:
    """Rust ``str::parse::<i64>``: optional sign, ASCII digits, in range."""
    body = s[1:] if s[:1] in ("+", "-") else s
    if not body or not body.isascii() or not body.isdigit():
        return None
    digits = body.lstrip("0") or "0"
    if len(digits) > 19:
        return None
    v = int(digits)
    if s[:1] == "-":
        v = -v
    return v if _I64_MIN <= v <= _I64_MAX else None


def _payload_text(payload: Any) -> str:
    """A text payload as ``str`` (bytes-like → strict UTF-8)."""
    if type(payload) is str:
        if not payload.isascii():
            payload.encode("utf-8")  # lone surrogates: the same UnicodeEncodeError as the Rust binding
        return payload
    return decode_utf8(_payload_bytes(payload))


def _payload_bytes(payload: Any) -> bytes:
    if type(payload) is bytes:
        return payload
    if isinstance(payload, (bytearray, memoryview)):
        return bytes(payload)
    if isinstance(payload, str):
        return payload.encode("utf-8")
    tobytes = getattr(payload, "tobytes", None)
    if tobytes is None:
        raise TypeError("payload must be str or bytes-like")
    return bytes(tobytes())


# ---------------------------------------------------------------------------------------------
# Spot


class MexcSpotMessageParser:
    """MEXC spot: ``bytes`` = protobuf push, ``str`` = JSON reply (never guessed from content).
    Stateless."""

    exchange = MEXC
    market = SPOT

    def parse(self, payload: Any, recv_ts_ns: int | None = None) -> list[LegacyEvent]:
        """One WebSocket message: ``bytes``-like for a binary frame, ``str`` for a text frame."""
        if type(payload) is str:
            return self._text(_payload_text(payload), recv_ts_ns)
        return self._binary(_payload_bytes(payload), recv_ts_ns)

    def parse_text(self, payload: Any, recv_ts_ns: int | None = None) -> list[LegacyEvent]:
        """A JSON reply received as a text frame but held as bytes."""
        buf = _payload_bytes(payload)
        if not buf:
            raise ParseError("invalid JSON: empty text frame at byte 0", "json")
        if buf == b"Invalid listen key":
            return [ErrorReply(MEXC, SPOT, None, "", None, recv_ts_ns, None, "Invalid listen key", None)]
        return self._text(decode_utf8(buf), recv_ts_ns)

    def parse_snapshot(self, body: Any, symbol: str | None = None) -> Any:
        """A ``GET /api/v3/depth`` body → ``DepthUpdate`` with ``is_snapshot=True``."""
        v = loads(_payload_text(body) if type(body) is str else decode_utf8(_payload_bytes(body)))
        if type(v) is not dict:
            raise _invalid("body", "spot depth snapshot", "expected a JSON object")
        if "bids" not in v and "asks" not in v:
            err = _rest_error(v)
            if err is not None:
                raise err
        lid = v.get("lastUpdateId")
        t = type(lid)
        if t is JInt or t is JFloat:
            version = _parse_u64(cast(str, lid))
            if version is None:
                raise _invalid("lastUpdateId", "spot depth snapshot", "not a u64")
        elif t is str:
            version = wire.parse_version(cast(str, lid), "lastUpdateId", "spot depth snapshot")
        else:
            raise ParseError("missing `lastUpdateId` in spot depth snapshot", "missing_field")
        bids = _rest_levels(v, "bids")
        asks = _rest_levels(v, "asks")
        return DepthUpdate(MEXC, SPOT, symbol, "", None, None, bids, asks, None, version, True)

    # -- text -------------------------------------------------------------------------------

    def _text(self, text: str, recv: int | None) -> list[LegacyEvent]:
        if not text:
            raise ParseError("invalid JSON: empty text frame at byte 0", "json")
        if text == "Invalid listen key":
            return [ErrorReply(MEXC, SPOT, None, "", None, recv, None, text, None)]
        v = loads(text)
        if type(v) is not dict:
            raise _invalid(
                "frame", "spot text reply", f"top level must be a JSON object, got {_type_name(v)}"
            )
        if "msg" not in v:
            return [Unknown(MEXC, SPOT, None, "", None, recv, text)]
        msg = v["msg"]
        if type(msg) is not str:
            raise _invalid("msg", "spot reply", "msg must be a string")
        code = _opt_int(v, "code", "code must be an integer")
        request_id = _opt_int(v, "id", "id must be an integer")
        failed = (
            (code is not None and code != 0)
            or not msg
            or msg.startswith("Not Subscribed successfully")
            or "msg format invalid" in msg
        )
        if failed:
            return [ErrorReply(MEXC, SPOT, None, "", None, recv, code, msg, request_id)]
        if msg == "PONG":
            return [ControlEvent("pong", MEXC, SPOT, None, "", None, recv, request_id, msg)]
        return [ControlEvent("subscribed", MEXC, SPOT, None, msg, None, recv, request_id, msg)]

    # -- binary -----------------------------------------------------------------------------

    def _binary(self, buf: bytes, recv: int | None) -> list[LegacyEvent]:
        if not buf:
            raise ParseError(
                "invalid `frame` in protobuf push: zero-length binary frame (no channel, no body)",
                "invalid_value",
            )
        first = buf[0]
        if first == 0x7B or first == 0x5B:
            raise ParseError(
                f"wrong frame kind: binary frame holds JSON text (starts with {chr(first)!r}): "
                "pass text replies as str",
                "frame_kind",
            )
        w = _canonical(buf)
        unknown_body = None
        if w is None:
            # not the runtime's own encoding of known fields: the strict walk decides
            try:
                summary = wire.walk(buf)
            except wire.WireError as e:
                raise e.to_parse_error() from None
            if summary.prost_deep:
                _decode_failure(buf, "recursion limit reached")
            try:
                w = PushDataV3ApiWrapper.FromString(wire.strip_unknown(buf) if summary.has_groups else buf)
            except DecodeError:
                _decode_failure(buf, "protobuf runtime refused the frame")
            unknown_body = summary.unknown_body_field
        member = w.WhichOneof("body")
        levels = wire.check_push(w, member)
        if member is None and unknown_body is None:
            raise ParseError(
                "missing `body (oneof 301-315 or an unknown field >= 300)` in PushDataV3ApiWrapper",
                "missing_field",
            )
        channel = w.channel
        symbol = w.symbol if w.HasField("symbol") else ""
        if not symbol:
            symbol = symbol_from_channel(channel)
        if w.HasField("sendTime"):
            ts: int | None = w.sendTime
        elif w.HasField("createTime"):
            ts = w.createTime
        else:
            ts = None
        if member is None:
            return [Unknown(MEXC, SPOT, symbol, channel, ts, recv, buf)]
        body = getattr(w, member)
        head = (MEXC, SPOT, symbol, channel, ts, recv)
        if levels is not None:
            bids, asks = levels
            if member == "publicAggreDepths":
                return [DepthUpdate(*head, bids, asks, int(body.fromVersion), int(body.toVersion), False)]
            v = int(body.version)
            return [DepthUpdate(*head, bids, asks, v, v, member == "publicLimitDepths")]
        if member == "publicAggreDeals":
            return [
                Trade(
                    *head,
                    d.price,
                    d.quantity,
                    _SPOT_SIDE.get(d.tradeType),
                    str(d.tradeType),
                    d.tradeId or None,
                )
                for d in body.deals
            ]
        if member == "publicIncreaseDepthsBatch":
            out: list[LegacyEvent] = []
            for d in body.items:
                v = int(d.version)
                out.append(_depth(head, d, v, v, False))
            return out
        if member == "publicDeals":
            return [
                Trade(*head, d.price, d.quantity, _SPOT_SIDE.get(d.tradeType), str(d.tradeType), None)
                for d in body.deals
            ]
        if member == "publicAggreBookTicker":
            return [_book_ticker(head, body, int(body.version) if body.version else None)]
        if member == "publicBookTicker":
            return [_book_ticker(head, body, None)]
        if member == "publicBookTickerBatch":
            uid = int(body.version) if body.version else None
            return [_book_ticker(head, t, uid) for t in body.items]
        if member == "publicSpotKline":
            start = body.windowStart * 1000
            return [
                Kline(
                    *head,
                    body.interval,
                    start if _I64_MIN <= start <= _I64_MAX else None,
                    body.openingPrice or None,
                    body.highestPrice or None,
                    body.lowestPrice or None,
                    body.closingPrice or None,
                    body.volume or None,
                    body.amount or None,
                    None,
                )
            ]
        if member == "publicMiniTicker":
            return [_mini_ticker(head, body)]
        if member == "publicMiniTickers":
            return [_mini_ticker(head, t) for t in body.items]
        if member == "privateOrders":
            o = body
            return [
                OrderUpdate(
                    *head,
                    o.id or None,
                    o.clientId or None,
                    _SPOT_SIDE.get(o.tradeType),
                    str(o.tradeType),
                    _SPOT_TYPE.get(o.orderType, "other"),
                    str(o.orderType),
                    _SPOT_STATUS.get(o.status, "unknown"),
                    str(o.status),
                    o.price or None,
                    o.quantity or None,
                    o.cumulativeQuantity or None,
                    o.avgPrice or None,
                    o.createTime or None,
                )
            ]
        if member == "privateDeals":
            d = body
            return [
                Fill(
                    *head,
                    d.tradeId or None,
                    d.orderId or None,
                    _SPOT_SIDE.get(d.tradeType),
                    str(d.tradeType),
                    d.price or None,
                    d.quantity or None,
                    d.feeAmount or None,
                    d.feeCurrency or None,
                    d.isMaker,
                )
            ]
        # privateAccount (the last member)
        a = body
        return [BalanceUpdate(*head, a.vcoinName or None, a.balanceAmount or None, a.frozenAmount or None)]


# Frames shorter than this cannot hold more than MAX_REPEATED entries of one field (2+ bytes each).
_CANONICAL_MAX = 2 * wire.MAX_REPEATED


def _canonical(buf: bytes) -> Any:
    """The decoded wrapper when ``buf`` is exactly the runtime's encoding of its known fields
    (MEXC's serializer writes the same canonical bytes), else ``None``. Such bytes pass the strict
    walk by construction (known tags with their wire types, minimal varints, exact lengths, no
    groups, UTF-8 checked by the runtime), so the walk is skipped for them."""
    if len(buf) >= _CANONICAL_MAX:
        return None
    try:
        w = PushDataV3ApiWrapper.FromString(buf)
    except DecodeError:
        return None
    w.DiscardUnknownFields()
    return w if w.SerializeToString() == buf else None


def _decode_failure(buf: bytes, why: str) -> Any:
    """The Rust parser's answer when prost refuses a walked frame: a full walk with the UTF-8
    check names the bad string (``protobuf``), else the decode error itself (``invalid_value``)."""
    try:
        wire.walk(buf, check_utf8=True)
    except wire.WireError as e:
        raise e.to_parse_error() from None
    raise ParseError(f"invalid `frame` in protobuf push: {why}", "invalid_value")


def _depth(head: tuple[Any, ...], d: Any, first: int, last: int, snap: bool) -> Any:
    return DepthUpdate(
        *head,
        [(x.price, x.quantity) for x in d.bids],
        [(x.price, x.quantity) for x in d.asks],
        first,
        last,
        snap,
    )


def _book_ticker(head: tuple[Any, ...], t: Any, update_id: int | None) -> Any:
    return BookTicker(
        *head, t.bidPrice or None, t.bidQuantity or None, t.askPrice or None, t.askQuantity or None, update_id
    )


def _mini_ticker(head: tuple[Any, ...], t: Any) -> Any:
    exchange, market, symbol, channel, ts, recv = head
    if t.symbol:
        symbol = t.symbol
    return Ticker(
        exchange,
        market,
        symbol,
        channel,
        ts,
        recv,
        t.price or None,
        None,
        None,
        t.high or None,
        t.low or None,
        t.quantity or None,
        t.volume or None,
        times_100(t.rate),
    )


# ---------------------------------------------------------------------------------------------
# JSON helpers (J semantics of rust/src/mexc/jsonv.rs on json values)


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
    if t is JInt or t is JFloat:
        return "number"
    if t is str:
        return "string"
    if t is list:
        return "array"
    return "object"


def _get(v: Any, key: str) -> Any:
    """``J::get``: a member of an object (last duplicate wins), else ``None`` (absent)."""
    return v.get(key, _ABSENT) if type(v) is dict else _ABSENT


class _Absent:
    __slots__ = ()


_ABSENT: Any = _Absent()


def _as_i64(v: Any) -> int | None:
    """A JSON integer token that fits an i64."""
    if type(v) is JInt:
        return _parse_i64(v)
    return None


def _parse_u64(tok: str) -> int | None:
    if not tok.isascii() or not tok.isdigit():
        return None
    digits = tok.lstrip("0") or "0"
    if len(digits) > 20:
        return None
    n = int(digits)
    return n if n <= _U64_MAX else None


def _loose_i64(v: Any) -> int | None:
    t = type(v)
    if t is JInt or t is str:
        return _parse_i64(v)
    return None


def _opt_int(v: dict[str, Any], key: str, reason: str) -> int | None:
    x = v.get(key)
    if x is None:
        return None
    n = _as_i64(x)
    if n is None:
        raise _invalid(key, "spot reply", reason)
    return n


def _id_text(v: Any) -> str | None:
    t = type(v)
    if t is JInt or t is JFloat:
        return str.__str__(v)
    if t is str and v:
        return str(v)
    return None


def _number(v: Any, key: str, ctx: str) -> str:
    t = type(v)
    if t is JInt or t is JFloat:
        return str.__str__(v)
    if t is str:
        if wire.decimal_sign(v) is not None:
            return str(v)
        raise _invalid(key, ctx, f"expected a number, got {v!r}")
    raise _invalid(key, ctx, f"expected a number, got {_type_name(v)}")


def _num_text(v: Any, key: str) -> str | None:
    if v is _ABSENT or v is None or (type(v) is str and not v):
        return None
    return _number(v, key, "futures push")


def _str_or_none(v: Any) -> str | None:
    return str(v) if type(v) is str else None


def _rest_error(v: dict[str, Any]) -> ParseError | None:
    if "code" not in v:
        return None
    code = v["code"]
    message = _str_or_none(v.get("msg", _ABSENT)) if "msg" in v else _str_or_none(v.get("message"))
    n = _as_i64(code)
    if n is not None:
        code_text = str(n)
    elif type(code) is str:
        code_text = code
    else:
        return None
    return _invalid("body", "REST depth snapshot", f"MEXC REST error {code_text}: {message or ''}")


def _rest_levels(v: dict[str, Any], side: str) -> list[tuple[str, str]]:
    if side not in v:
        return []
    rows = v[side]
    if type(rows) is not list:
        raise _invalid(side, "depth snapshot", "expected an array of levels")
    out = []
    for row in rows:
        if type(row) is not list or len(row) < 2:
            raise _invalid(side, "depth snapshot", "level must be [price, qty]")
        out.append((_level_text(row[0], side), _level_text(row[1], side)))
    return out


def _level_text(v: Any, side: str) -> str:
    t = type(v)
    if t is not str and t is not JInt and t is not JFloat:
        raise _invalid(side, "depth snapshot", "price/qty must be decimal text")
    if wire.decimal_sign(v) is None:
        raise _invalid(side, "depth snapshot", f"not a decimal number: {v!r}")
    return str.__str__(v)


def _plain(v: Any) -> Any:
    """JSON value → ``AccountEvent.fields`` value: integers ``int``, other numbers exact text."""
    t = type(v)
    if t is JInt:
        return int(v)
    if t is JFloat:
        return str.__str__(v)
    if t is dict:
        return {k: _plain(x) for k, x in v.items()}
    if t is list:
        return [_plain(x) for x in v]
    return v


# ---------------------------------------------------------------------------------------------
# Futures


class MexcFuturesMessageParser:
    """MEXC futures (contract) JSON frames, as ``str`` or UTF-8 bytes. Stateless."""

    exchange = MEXC
    market = FUTURES

    def parse(self, payload: Any, recv_ts_ns: int | None = None) -> list[LegacyEvent]:
        text = _payload_text(payload)
        v = loads(text)
        if type(v) is not dict:
            raise _invalid("frame", "futures frame", f"top level must be a JSON object, got {_type_name(v)}")
        channel = v.get("channel")
        if type(channel) is not str:
            raise _missing("channel", "futures frame")
        ts = _loose_i64(v.get("ts"))
        data = v.get("data")
        sym = v.get("symbol")
        symbol = sym if type(sym) is str else None
        if symbol is None and type(data) is dict:
            s2 = data.get("symbol")
            symbol = s2 if type(s2) is str else None
        recv = recv_ts_ns

        def head(ts_ms: int | None = None) -> tuple[Any, ...]:
            return (MEXC, FUTURES, symbol, channel, ts if ts_ms is None else ts_ms, recv)

        if channel == "pong":
            server = _as_i64(data)
            if server is None:
                raise _invalid("data", "pong", f"expected an integer, got {_type_name(data)}")
            return [ControlEvent("pong", *head(server), None, None)]
        if channel.startswith("rs."):
            return [_reply(head(), channel[3:], data, text)]
        if channel == "push.deal":
            return _deals(head(), data)
        if channel == "push.depth" or channel == "push.depth.full":
            return [_push_depth(head(_loose_i64(_get(data, "cts"))), data, channel == "push.depth.full")]
        if channel == "push.ticker":
            return [_ticker(head(), data)]
        if channel == "push.tickers":
            if type(data) is not list:
                raise _invalid("data", "push.tickers", "expected an array")
            return [_ticker(head(), t) for t in data]
        if channel == "push.kline":
            return [_kline(head(), data)]
        if channel == "push.funding.rate":
            rate = _get(data, "rate")
            if rate is _ABSENT:
                rate = _get(data, "fundingRate")
            return [FundingRate(*head(), _num_text(rate, "rate"), _loose_i64(_get(data, "nextSettleTime")))]
        if channel == "push.index.price" or channel == "push.fair.price":
            kind = "index_price" if channel == "push.index.price" else "mark_price"
            return [PriceUpdate(kind, *head(), _num_text(_get(data, "price"), "price"))]
        if channel == "push.personal.order":
            return [_order(head(), data)]
        if channel == "push.personal.order.deal":
            return [_fill(head(_loose_i64(_get(data, "timestamp"))), data)]
        if channel == "push.personal.position":
            return [_position(head(_loose_i64(_get(data, "updateTime"))), data)]
        if channel == "push.personal.asset":
            return [
                BalanceUpdate(
                    *head(),
                    _str_or_none(_get(data, "currency")),
                    _num_text(_get(data, "availableBalance"), "availableBalance"),
                    _num_text(_get(data, "frozenBalance"), "frozenBalance"),
                )
            ]
        if channel.startswith("push.personal."):
            fields = _plain(data)
            if type(fields) is not dict:
                fields = {"data": fields}
            return [AccountEvent(*head(), channel, fields)]
        return [Unknown(*head(), text)]

    def parse_snapshot(self, body: Any, symbol: str | None = None) -> Any:
        """A ``GET /api/v1/contract/depth/{symbol}`` body (wrapped or bare) → snapshot ``DepthUpdate``."""
        text = _payload_text(body) if type(body) is str else decode_utf8(_payload_bytes(body))
        v = loads(text)
        ctx = "futures depth snapshot"
        if type(v) is not dict:
            raise _invalid("body", ctx, "expected a JSON object")
        code = _as_i64(v.get("code"))
        if v.get("success", _ABSENT) is False or (code is not None and code != 0):
            raise _rest_error(v) or _invalid("body", "REST depth snapshot", "MEXC REST error ?")
        data = v.get("data")
        if type(data) is not dict:
            data = v
        bids, asks, _first, last = _depth_body(data, ctx)
        return DepthUpdate(
            MEXC, FUTURES, symbol, "", _loose_i64(data.get("timestamp")), None, bids, asks, None, last, True
        )


def _reply(head: tuple[Any, ...], method: str, data: Any, text: str) -> Any:
    success = type(data) is str and data == "success"
    if method == "error" or not success:
        if type(data) is str:
            message = str(data)
        elif type(data) is dict:
            # objects are rendered member by member, duplicates included, as the Rust reader keeps them
            message = field_text(_last(loads_pairs(text), "data"))
        elif type(data) is list and "{" in text:
            message = field_text(_last(loads_pairs(text), "data"))
        else:
            message = field_text(data)
        return ErrorReply(*head, None, message, None)
    if method.startswith("sub."):
        kind, detail = "subscribed", method[4:]
    elif method.startswith("unsub."):
        kind, detail = "unsubscribed", method[6:]
    elif method.startswith("usub."):
        kind, detail = "unsubscribed", method[5:]
    elif method == "login":
        kind, detail = "login", "success"
    else:
        kind, detail = "subscribed", method
    return ControlEvent(kind, *head, None, detail)


def _last(pairs: Pairs, key: str) -> Any:
    found: Any = None
    for k, x in pairs:
        if k == key:
            found = x
    return found


def _deals(head: tuple[Any, ...], data: Any) -> list[LegacyEvent]:
    if type(data) is dict:
        items = [data]
    elif type(data) is list:
        items = data
    else:
        raise _invalid(
            "data", "push.deal", f"push.deal data must be an object or an array, got {_type_name(data)}"
        )
    exchange, market, symbol, channel, _ts, recv = head
    out: list[LegacyEvent] = []
    for i, d in enumerate(items):
        ctx = f"push.deal data[{i}]"
        price = _number(_req(d, "p", ctx), "p", "push.deal")
        qty = _number(_req(d, "v", ctx), "v", "push.deal")
        side_code = _as_i64(_req(d, "T", ctx))
        if side_code is None:
            raise _invalid("T", ctx, "expected an integer")
        time = _as_i64(_req(d, "t", ctx))
        if time is None:
            raise _invalid("t", ctx, "expected an integer")
        trade_id = _id_text(d.get("i"))
        out.append(
            Trade(
                exchange,
                market,
                symbol,
                channel,
                time,
                recv,
                price,
                qty.lstrip("-"),
                _FUT_TRADE_SIDE.get(side_code),
                str(side_code),
                trade_id,
            )
        )
    return out


def _req(d: Any, key: str, ctx: str) -> Any:
    x = _get(d, key)
    if x is _ABSENT:
        raise _missing(key, ctx)
    return x


def _seq(data: dict[str, Any], key: str, ctx: str) -> int | None:
    v = data.get(key)
    if v is None:
        return None
    if type(v) is JInt:
        n = _parse_u64(v)
        if n is None:
            raise _invalid(key, ctx, f"depth {key} must be a non-negative integer")
        return n
    raise _invalid(key, ctx, f"depth {key} must be an integer")


def _depth_body(
    data: dict[str, Any], ctx: str
) -> tuple[list[tuple[str, str]], list[tuple[str, str]], int, int]:
    version = _seq(data, "version", ctx)
    begin = _seq(data, "begin", ctx)
    end = _seq(data, "end", ctx)
    last = end if end is not None else version
    if last is None:
        raise _invalid("version", ctx, "depth version must be an integer (no version and no end)")
    first = begin if begin is not None else last
    if first > last:
        raise _invalid("begin", ctx, f"begin {first} > end {last}")
    return _levels(data.get("bids"), "bids", ctx), _levels(data.get("asks"), "asks", ctx), first, last


_NZ = frozenset("123456789")


def _levels(v: Any, side: str, ctx: str) -> list[tuple[str, str]]:
    if v is None:
        return []
    if type(v) is not list:
        raise _invalid(side, ctx, "expected an array of levels")
    out = []
    for row in v:
        if type(row) is not list or not 2 <= len(row) <= 3:
            raise _invalid(side, ctx, "level must be [price, vol] or [price, vol, count]")
        p, q = row[0], row[1]
        tp, tq = type(p), type(q)
        # fast path: number tokens, price with a leading non-zero digit, unsigned volume
        if (tp is JFloat or tp is JInt) and (tq is JInt or tq is JFloat) and p[0] in _NZ and q[0] != "-":
            out.append((str.__str__(p), str.__str__(q)))
            continue
        price = _number(p, "price", ctx)
        if wire.decimal_sign(price) != wire.POSITIVE:
            raise _invalid(side, ctx, f"price must be > 0, got {price}")
        qty = _number(q, "vol", ctx)
        if wire.decimal_sign(qty) == wire.NEGATIVE:
            raise _invalid(side, ctx, f"vol must be >= 0, got {qty}")
        out.append((price, qty))
    return out


def _push_depth(head: tuple[Any, ...], data: Any, snap: bool) -> Any:
    ctx = "push.depth.full" if snap else "push.depth"
    if type(data) is not dict:
        raise _invalid("data", ctx, "expected an object")
    bids, asks, first, last = _depth_body(data, ctx)
    return DepthUpdate(*head, bids, asks, first, last, snap)


def _ticker(head: tuple[Any, ...], t: Any) -> Any:
    if type(t) is not dict:
        raise _invalid("data", "push.ticker", "expected an object")
    exchange, market, symbol, channel, ts, recv = head
    sym = t.get("symbol")
    if type(sym) is str:
        symbol = sym
    own_ts = _loose_i64(t.get("timestamp"))
    if own_ts is not None:
        ts = own_ts
    rate = _num_text(t.get("riseFallRate", _ABSENT), "riseFallRate")
    return Ticker(
        exchange,
        market,
        symbol,
        channel,
        ts,
        recv,
        _num_text(t.get("lastPrice", _ABSENT), "lastPrice"),
        _num_text(t.get("bid1", _ABSENT), "bid1"),
        _num_text(t.get("ask1", _ABSENT), "ask1"),
        _num_text(t.get("high24Price", _ABSENT), "high24Price"),
        _num_text(t.get("lower24Price", _ABSENT), "lower24Price"),
        _num_text(t.get("volume24", _ABSENT), "volume24"),
        _num_text(t.get("amount24", _ABSENT), "amount24"),
        times_100(rate) if rate is not None else None,
    )


def _kline(head: tuple[Any, ...], k: Any) -> Any:
    if type(k) is not dict:
        raise _invalid("data", "push.kline", "expected an object")
    interval = k.get("interval")
    start = _loose_i64(k.get("t"))
    if start is not None:
        start *= 1000
        if not _I64_MIN <= start <= _I64_MAX:
            start = None
    return Kline(
        *head,
        str(interval) if type(interval) is str else "",
        start,
        _num_text(k.get("o", _ABSENT), "o"),
        _num_text(k.get("h", _ABSENT), "h"),
        _num_text(k.get("l", _ABSENT), "l"),
        _num_text(k.get("c", _ABSENT), "c"),
        _num_text(k.get("q", _ABSENT), "q"),
        _num_text(k.get("a", _ABSENT), "a"),
        None,
    )


def _order(head: tuple[Any, ...], o: Any) -> Any:
    if type(o) is not dict:
        raise _invalid("data", "push.personal.order", "expected an object")
    exchange, market, symbol, channel, ts, recv = head
    update = _loose_i64(o.get("updateTime"))
    t = update if update is not None else _loose_i64(o.get("createTime"))
    if t is not None:
        ts = t
    side_code = _loose_i64(o.get("side"))
    type_code = _loose_i64(o.get("orderType"))
    state = _loose_i64(o.get("state"))
    return OrderUpdate(
        exchange,
        market,
        symbol,
        channel,
        ts,
        recv,
        _id_text(o.get("orderId")),
        _id_text(o.get("externalOid")),
        None if side_code is None else _FUT_SIDE.get(side_code),
        None if side_code is None else str(side_code),
        "other" if type_code is None else _FUT_TYPE.get(type_code, "other"),
        None if type_code is None else str(type_code),
        "unknown" if state is None else _FUT_STATUS.get(state, "unknown"),
        None if state is None else str(state),
        _num_text(o.get("price", _ABSENT), "price"),
        _num_text(o.get("vol", _ABSENT), "vol"),
        _num_text(o.get("dealVol", _ABSENT), "dealVol"),
        _num_text(o.get("dealAvgPrice", _ABSENT), "dealAvgPrice"),
        update,
    )


def _fill(head: tuple[Any, ...], d: Any) -> Any:
    if type(d) is not dict:
        raise _invalid("data", "push.personal.order.deal", "expected an object")
    side_code = _loose_i64(d.get("side"))
    is_taker = d.get("isTaker")
    return Fill(
        *head,
        _id_text(d.get("id")),
        _id_text(d.get("orderId")),
        None if side_code is None else _FUT_SIDE.get(side_code),
        None if side_code is None else str(side_code),
        _num_text(d.get("price", _ABSENT), "price"),
        _num_text(d.get("vol", _ABSENT), "vol"),
        _num_text(d.get("fee", _ABSENT), "fee"),
        _str_or_none(d.get("feeCurrency")),
        (not is_taker) if type(is_taker) is bool else None,
    )


def _position(head: tuple[Any, ...], p: Any) -> Any:
    if type(p) is not dict:
        raise _invalid("data", "push.personal.position", "expected an object")
    hold = _num_text(p.get("holdVol", _ABSENT), "holdVol")
    short = _loose_i64(p.get("positionType")) == 2
    size = hold
    if hold is not None and short and wire.decimal_sign(hold) == wire.POSITIVE:
        size = "-" + hold
    entry = _num_text(p.get("holdAvgPrice", _ABSENT), "holdAvgPrice")
    leverage = _num_text(p.get("leverage", _ABSENT), "leverage")
    open_type = _loose_i64(p.get("openType"))
    liq = _num_text(p.get("liquidatePrice", _ABSENT), "liquidatePrice")
    return PositionUpdate(
        *head, size, entry, leverage, None if open_type is None else _MARGIN.get(open_type), liq
    )


__all__ = ["MexcFuturesMessageParser", "MexcSpotMessageParser", "symbol_from_channel", "times_100"]
