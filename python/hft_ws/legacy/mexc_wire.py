"""Strict checks of MEXC spot pushes that the `protobuf` runtime does not do.

The runtime (upb) silently accepts malformed encodings: a known field with the wrong wire type
becomes an unknown field, a 10-byte varint with bits beyond 64 is truncated, a missing oneof body
is just unset. ``walk()`` checks the bytes against the schema of ``protocols/mexc.md`` §5 in one
linear pass, mirroring ``rust/src/mexc/wire.rs`` (same limits, same error classes, the same
first error). ``check_push()`` applies the semantic rules of ``rust/src/mexc/check.rs`` to the
decoded message. Every failure is a ``hft_ws.ParseError`` with the Rust parser's ``kind``.
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import ParseError
from .mexc_pb import BODIES

MAX_REPEATED = 50_000
"""Most entries a single repeated field may hold in one frame (P9 of the vectors README)."""
MAX_DEPTH = 100
"""Nesting limit for messages plus groups, the prost/upb default."""
MAX_FIELD = 536_870_911

_VARINT, _STR, _MSG = 0, 1, 2

# Message indices.
(
    WRAPPER,
    DEALS,
    DEALS_ITEM,
    INC_DEPTHS,
    LEVEL,
    LIMIT_DEPTHS,
    ORDERS,
    BOOK_TICKER,
    PRIV_DEALS,
    ACCOUNT,
    KLINE,
    MINI_TICKER,
    MINI_TICKERS,
    BOOK_TICKER_BATCH,
    INC_DEPTHS_BATCH,
    AGGRE_DEPTHS,
    AGGRE_DEALS,
    AGGRE_DEALS_ITEM,
    AGGRE_BOOK_TICKER,
) = range(19)

# A field definition: (name, kind, expected wire type, child message index or -1, counter slot or -1).
FieldDef = tuple[str, int, int, int, int]


def _s(name: str) -> FieldDef:
    return (name, _STR, 2, -1, -1)


def _v(name: str) -> FieldDef:
    return (name, _VARINT, 0, -1, -1)


def _m(name: str, child: int) -> FieldDef:
    return (name, _MSG, 2, child, -1)


def _r(name: str, child: int, slot: int) -> FieldDef:
    return (name, _MSG, 2, child, slot)


def _strs(*names: str) -> dict[int, FieldDef]:
    return {i: _s(n) for i, n in enumerate(names, 1)}


_BODY_MSG = {
    301: DEALS,
    302: INC_DEPTHS,
    303: LIMIT_DEPTHS,
    304: ORDERS,
    305: BOOK_TICKER,
    306: PRIV_DEALS,
    307: ACCOUNT,
    308: KLINE,
    309: MINI_TICKER,
    310: MINI_TICKERS,
    311: BOOK_TICKER_BATCH,
    312: INC_DEPTHS_BATCH,
    313: AGGRE_DEPTHS,
    314: AGGRE_DEALS,
    315: AGGRE_BOOK_TICKER,
}

# Per message: field number -> definition (as in wire.rs; counter slots 0..10 for repeated fields).
MSGS: tuple[dict[int, FieldDef], ...] = (
    {
        1: _s("channel"),
        3: _s("symbol"),
        4: _s("symbolId"),
        5: _v("createTime"),
        6: _v("sendTime"),
        **{num: _m(BODIES[num][0], child) for num, child in _BODY_MSG.items()},
    },
    {1: _r("deals", DEALS_ITEM, 0), 2: _s("eventType")},
    {1: _s("price"), 2: _s("quantity"), 3: _v("tradeType"), 4: _v("time")},
    {1: _r("asks", LEVEL, 1), 2: _r("bids", LEVEL, 2), 3: _s("eventType"), 4: _s("version")},
    {1: _s("price"), 2: _s("quantity")},
    {
        1: _r("asks", LEVEL, 3),
        2: _r("bids", LEVEL, 4),
        3: _s("eventType"),
        4: _s("version"),
        5: _v("lastOrderCreateTime"),
    },
    {
        **_strs("id", "clientId", "price", "quantity", "amount", "avgPrice"),
        7: _v("orderType"),
        8: _v("tradeType"),
        9: _v("isMaker"),
        10: _s("remainAmount"),
        11: _s("remainQuantity"),
        12: _s("lastDealQuantity"),
        13: _s("cumulativeQuantity"),
        14: _s("cumulativeAmount"),
        15: _v("status"),
        16: _v("createTime"),
        17: _s("market"),
        18: _v("triggerType"),
        19: _s("triggerPrice"),
        20: _v("state"),
        21: _s("ocoId"),
        22: _s("routeFactor"),
        23: _s("symbolId"),
        24: _s("marketId"),
        25: _s("marketCurrencyId"),
        26: _s("currencyId"),
    },
    _strs("bidPrice", "bidQuantity", "askPrice", "askQuantity"),
    {
        **_strs("price", "quantity", "amount"),
        4: _v("tradeType"),
        5: _v("isMaker"),
        6: _v("isSelfTrade"),
        7: _s("tradeId"),
        8: _s("clientOrderId"),
        9: _s("orderId"),
        10: _s("feeAmount"),
        11: _s("feeCurrency"),
        12: _v("time"),
    },
    {
        **_strs(
            "vcoinName",
            "coinId",
            "balanceAmount",
            "balanceAmountChange",
            "frozenAmount",
            "frozenAmountChange",
            "type",
        ),
        8: _v("time"),
    },
    {
        1: _s("interval"),
        2: _v("windowStart"),
        3: _s("openingPrice"),
        4: _s("closingPrice"),
        5: _s("highestPrice"),
        6: _s("lowestPrice"),
        7: _s("volume"),
        8: _s("amount"),
        9: _v("windowEnd"),
    },
    _strs(
        "symbol",
        "price",
        "rate",
        "zonedRate",
        "high",
        "low",
        "volume",
        "quantity",
        "lastCloseRate",
        "lastCloseZonedRate",
        "lastCloseHigh",
        "lastCloseLow",
    ),
    {1: _r("items", MINI_TICKER, 5)},
    {1: _r("items", BOOK_TICKER, 6), 2: _s("version"), 3: _v("lastOrderCreateTime")},
    {1: _r("items", INC_DEPTHS, 7), 2: _s("eventType")},
    {
        1: _r("asks", LEVEL, 8),
        2: _r("bids", LEVEL, 9),
        3: _s("eventType"),
        4: _s("fromVersion"),
        5: _s("toVersion"),
        6: _v("lastOrderCreateTime"),
    },
    {1: _r("deals", AGGRE_DEALS_ITEM, 10), 2: _s("eventType")},
    {1: _s("price"), 2: _s("quantity"), 3: _v("tradeType"), 4: _v("time"), 5: _s("tradeId")},
    {
        **_strs("bidPrice", "bidQuantity", "askPrice", "askQuantity"),
        5: _s("version"),
        6: _v("lastOrderCreateTime"),
    },
)
_SLOTS = 11
_MAX_OPEN = 5  # known messages nest at most 4 deep (wrapper -> batch -> depths -> level)


class WireError(Exception):
    """A wire-level problem (becomes ``ParseError`` kind ``protobuf``)."""

    def __init__(self, what: str, offset: int, field: int, path: str) -> None:
        super().__init__(what)
        self.what = what
        self.offset = offset
        self.field = field
        self.path = path

    def to_parse_error(self) -> ParseError:
        return ParseError(
            f"invalid protobuf: {self.what} ({self.path}) at byte {self.offset} in field {self.field}",
            "protobuf",
        )


class Summary:
    """What one walk found besides errors."""

    __slots__ = ("unknown_body_field", "has_groups", "prost_deep")

    def __init__(self) -> None:
        # First length-delimited wrapper field >= 300 that is no known body member.
        self.unknown_body_field: int | None = None
        # Whether any unknown group was skipped (the frame is re-encoded without unknown fields
        # before the runtime decodes it, so upb's own group limits never differ from prost's).
        self.has_groups = False
        # prost's recursion limit refuses a field inside a group at depth 100 (messages plus
        # groups) although the walk allows such a group: prost then fails with a decode error.
        self.prost_deep = False


def _path(names: list[str], leaf: str | None) -> str:
    parts = names[1:]
    if leaf is None:
        owner = ".".join(parts) if parts else "wrapper"
        return f"unknown field of {owner}"
    parts = [*parts, leaf]
    return ".".join(parts)


def _varint(
    buf: bytes, pos: int, limit: int, field: int, names: list[str], leaf: str | None
) -> tuple[int, int]:
    """Read a varint ending no later than ``limit``: ``(value, new position)``."""
    value = 0
    shift = 0
    at = pos
    for i in range(10):
        if at >= limit:
            raise WireError("truncated varint", pos, field, _path(names, leaf))
        b = buf[at]
        if i == 9 and b > 1:
            what = "varint longer than 10 bytes" if b & 0x80 else "varint overflows 64 bits"
            raise WireError(what, pos, field, _path(names, leaf))
        value |= (b & 0x7F) << shift
        at += 1
        if b < 0x80:
            return value, at
        shift += 7
    raise WireError("varint longer than 10 bytes", pos, field, _path(names, leaf))  # pragma: no cover


def walk(buf: bytes, check_utf8: bool = False) -> Summary:
    """Walk ``buf`` as a ``PushDataV3ApiWrapper``; raise ``WireError`` at the first problem.

    Unknown fields of every wire type (groups included) are skipped with the same bounds checks.
    With ``check_utf8`` the known string fields must be UTF-8 (the runtime checks that itself).
    """
    summary = Summary()
    counts = [0] * _SLOTS
    n = len(buf)
    # The open messages: schema, end offset, field name that opened it.
    msgs: list[int] = [WRAPPER]
    ends: list[int] = [n]
    names: list[str] = [""]
    defs = MSGS[WRAPPER]
    end = n
    pos = 0
    depth = 1
    while True:
        if pos >= end:
            depth -= 1
            if depth == 0:
                return summary
            msgs.pop()
            ends.pop()
            names.pop()
            defs = MSGS[msgs[-1]]
            end = ends[-1]
            continue
        tag_at = pos
        b = buf[pos]
        if b < 0x80:
            tag = b
            pos += 1
        else:
            tag, pos = _varint(buf, pos, end, 0, names, "tag")
        field = tag >> 3
        wt = tag & 7
        if field == 0:
            raise WireError("field number 0", tag_at, 0, _path(names, "tag"))
        if field > MAX_FIELD:
            raise WireError("field number out of range", tag_at, min(field, 0xFFFFFFFF), _path(names, "tag"))
        if wt > 5:
            raise WireError(f"invalid wire type {wt}", tag_at, field, _path(names, None))
        fd = defs.get(field)
        if fd is None:
            pos = _skip_unknown(buf, pos, end, field, wt, tag_at, names, summary)
            if depth == 1 and wt == 2 and field >= 300 and summary.unknown_body_field is None:
                summary.unknown_body_field = field
            continue
        name, kind, want, child, slot = fd
        if wt != want:
            raise WireError(f"wrong wire type {wt} (expected {want})", tag_at, field, _path(names, name))
        if kind == _VARINT:
            if pos < end and buf[pos] < 0x80:
                pos += 1
            else:
                _, pos = _varint(buf, pos, end, field, names, name)
            continue
        len_at = pos
        if pos < end and buf[pos] < 0x80:
            ln = buf[pos]
            pos += 1
        else:
            ln, pos = _varint(buf, pos, end, field, names, name)
        if ln > end - pos:
            of = "the frame" if end == n else "its enclosing message"
            raise WireError(
                f"length prefix {ln} runs past the end of {of}", len_at, field, _path(names, name)
            )
        stop = pos + ln
        if kind == _STR:
            if check_utf8:
                try:
                    buf[pos:stop].decode("utf-8")
                except UnicodeDecodeError as e:
                    raise WireError(
                        "invalid UTF-8 in string", pos + e.start, field, _path(names, name)
                    ) from None
            pos = stop
            continue
        if slot >= 0:
            counts[slot] += 1
            if counts[slot] > MAX_REPEATED:
                raise WireError(f"more than {MAX_REPEATED} entries", tag_at, field, _path(names, name))
        if _LEAF[child] and not check_utf8 and _leaf_ok(buf, pos, stop, MSGS[child]):
            # a well-formed item of known fields only: nothing to open (the general walk below
            # re-reads anything irregular and names its first problem)
            pos = stop
            continue
        if depth >= _MAX_OPEN:  # pragma: no cover - unreachable with this schema
            raise WireError("nesting too deep", tag_at, field, _path(names, name))
        msgs.append(child)
        ends.append(stop)
        names.append(name)
        defs = MSGS[child]
        end = stop
        depth += 1


# Messages without nested messages (depth items, deal items, tickers, private bodies).
_LEAF = tuple(all(fd[1] != _MSG for fd in m.values()) for m in MSGS)


def _leaf_ok(buf: bytes, pos: int, stop: int, defs: dict[int, FieldDef]) -> bool:
    """True when ``buf[pos:stop]`` is a sequence of known fields with the right wire types,
    well-formed varints and in-bounds lengths (one-byte tags and lengths; else ``False``)."""
    while pos < stop:
        t = buf[pos]
        if t >= 0x80:
            return False
        fd = defs.get(t >> 3)
        if fd is None or (t & 7) != fd[2]:
            return False
        pos += 1
        if fd[2] == 0:
            for i in range(10):
                if pos >= stop:
                    return False
                b = buf[pos]
                pos += 1
                if b < 0x80:
                    if i == 9 and b > 1:
                        return False
                    break
            else:
                return False
        else:
            if pos >= stop:
                return False
            ln = buf[pos]
            if ln >= 0x80 or ln > stop - pos - 1:
                return False
            pos += 1 + ln
    return pos == stop


def _skip_unknown(
    buf: bytes,
    pos: int,
    limit: int,
    field: int,
    wt: int,
    tag_at: int,
    names: list[str],
    summary: Summary,
) -> int:
    """Skip one unknown field whose tag was read; return the position after it."""
    if wt == 0:
        return _varint(buf, pos, limit, field, names, None)[1]
    if wt == 1 or wt == 5:
        need = 8 if wt == 1 else 4
        if limit - pos < need:
            bits = 64 if wt == 1 else 32
            raise WireError(f"truncated fixed{bits}", pos, field, _path(names, None))
        return pos + need
    if wt == 2:
        len_at = pos
        ln, pos = _varint(buf, pos, limit, field, names, None)
        if ln > limit - pos:
            of = "the frame" if limit == len(buf) else "its enclosing message"
            raise WireError(
                f"length prefix {ln} runs past the end of {of}", len_at, field, _path(names, None)
            )
        return pos + ln
    if wt == 3:
        return _skip_group(buf, pos, limit, field, tag_at, names, summary)
    if wt == 4:
        raise WireError("end-group without a start-group", tag_at, field, _path(names, None))
    raise WireError(f"invalid wire type {wt}", tag_at, field, _path(names, None))  # pragma: no cover


def _skip_group(
    buf: bytes, pos: int, limit: int, field: int, tag_at: int, names: list[str], summary: Summary
) -> int:
    summary.has_groups = True
    base = len(names) - 1  # open messages below the wrapper
    open_groups = [field]
    if base + 1 > MAX_DEPTH:  # pragma: no cover - base <= 4
        raise WireError(
            f"nesting deeper than {MAX_DEPTH} (messages and groups)", tag_at, field, _path(names, None)
        )
    while open_groups:
        if pos >= limit:
            raise WireError("unterminated group", tag_at, open_groups[0], _path(names, None))
        at = pos
        tag, pos = _varint(buf, pos, limit, field, names, None)
        num = tag >> 3
        wt = tag & 7
        if num == 0:
            raise WireError("field number 0", at, 0, _path(names, None))
        if num > MAX_FIELD:
            raise WireError("field number out of range", at, min(num, 0xFFFFFFFF), _path(names, None))
        depth = base + len(open_groups)
        if wt != 4 and depth >= MAX_DEPTH:
            summary.prost_deep = True
        if wt == 3:
            if depth + 1 > MAX_DEPTH:
                raise WireError(
                    f"nesting deeper than {MAX_DEPTH} (messages and groups)", at, num, _path(names, None)
                )
            open_groups.append(num)
        elif wt == 4:
            expect = open_groups[-1]
            if num != expect:
                raise WireError(
                    f"end-group does not match the open group {expect}", at, num, _path(names, None)
                )
            open_groups.pop()
        elif wt in (0, 1, 2, 5):
            pos = _skip_unknown(buf, pos, limit, num, wt, at, names, summary)
        else:
            raise WireError(f"invalid wire type {wt}", at, num, _path(names, None))
    return pos


def _encode_varint(v: int) -> bytes:
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def strip_unknown(buf: bytes, start: int = 0, end: int | None = None, msg: int = WRAPPER) -> bytes:
    """Re-encode an already walked message with its known fields only (values byte for byte)."""
    if end is None:
        end = len(buf)
    defs = MSGS[msg]
    out = bytearray()
    pos = start
    while pos < end:
        tag_at = pos
        tag, pos = _varint(buf, pos, end, 0, [""], "tag")
        field, wt = tag >> 3, tag & 7
        fd = defs.get(field)
        if fd is None:
            pos = _skip_unknown(buf, pos, end, field, wt, tag_at, [""], Summary())
            continue
        if wt == 0:
            _, pos = _varint(buf, pos, end, field, [""], None)
            out += buf[tag_at:pos]
            continue
        ln, p = _varint(buf, pos, end, field, [""], None)
        stop = p + ln
        if fd[1] == _MSG:
            inner = strip_unknown(buf, p, stop, fd[3])
            out += buf[tag_at:pos] + _encode_varint(len(inner)) + inner
        else:
            out += buf[tag_at:stop]
        pos = stop
    return bytes(out)


# ---------------------------------------------------------------------------------------------
# Semantic rules (rust/src/mexc/check.rs)

_DECIMAL = re.compile(r"(-?)([0-9]+(?:\.[0-9]+)?)(?:[eE][+-]?[0-9]+)?")
NEGATIVE, ZERO, POSITIVE = -1, 0, 1


def decimal_sign(s: str) -> int | None:
    """Sign class of ``-?digits(.digits)?([eE][+-]?digits)?``; ``None`` for other text."""
    m = _DECIMAL.fullmatch(s)
    if m is None:
        return None
    if not m.group(2).strip("0."):
        return ZERO
    return NEGATIVE if m.group(1) else POSITIVE


def _invalid(field: str, ctx: str, reason: str) -> ParseError:
    return ParseError(f"invalid `{field}` in {ctx}: {reason}", "invalid_value")


_U64_MAX = (1 << 64) - 1


def parse_version(s: str, field: str, ctx: str) -> int:
    """A version: non-empty ASCII decimal digits that fit a u64."""
    if not s or not s.isascii() or not s.isdigit():
        raise _invalid(field, ctx, f"version must be a non-empty string of decimal digits, got {s!r}")
    digits = s.lstrip("0") or "0"
    if len(digits) > 20 or int(digits) > _U64_MAX:
        raise _invalid(field, ctx, f"version {s!r} exceeds 64 bits")
    return int(digits)


def parse_opt_version(s: str, field: str, ctx: str) -> int | None:
    return None if s == "" else parse_version(s, field, ctx)


def _price(s: str, ctx: str) -> None:
    sign = decimal_sign(s)
    if sign != POSITIVE:
        raise _invalid(
            "price",
            ctx,
            f"price must be > 0, got {s!r}" if sign is not None else f"not a decimal number: {s!r}",
        )


def _quantity(s: str, ctx: str) -> None:
    sign = decimal_sign(s)
    if sign is None or sign == NEGATIVE:
        raise _invalid(
            "quantity",
            ctx,
            f"quantity must be >= 0, got {s!r}" if sign is not None else f"not a decimal number: {s!r}",
        )


def opt_decimal(s: str, field: str, ctx: str) -> None:
    if s and decimal_sign(s) is None:
        raise _invalid(field, ctx, f"not a decimal number: {s!r}")


_PLAIN_LIST = re.compile(r"[0-9]+(?:\.[0-9]+)?(?:\n[0-9]+(?:\.[0-9]+)?)*")
_ZERO_ITEM = re.compile(r"(?:^|\n)0+(?:\.0+)?(?:\n|$)")


def levels_ok(prices: list[str], quantities: list[str]) -> bool:
    """Fast acceptance test: every price a plain decimal > 0 and every quantity a plain decimal
    (one regex pass per side; the newline count rules out texts holding the separator). ``False``
    means "check one by one" (exponents, signs, or an actual error)."""
    if not prices:
        return True
    jp = "\n".join(prices)
    jq = "\n".join(quantities)
    n = len(prices) - 1
    return (
        _PLAIN_LIST.fullmatch(jp) is not None
        and _PLAIN_LIST.fullmatch(jq) is not None
        and jp.count("\n") == n
        and jq.count("\n") == n
        and ("\n0" not in "\n" + jp or _ZERO_ITEM.search(jp) is None)
    )


def check_levels(levels: list[tuple[str, str]], ctx: str) -> None:
    """``check.rs::levels`` on ``(price, quantity)`` pairs: the first bad text in order."""
    if levels and levels_ok([p for p, _ in levels], [q for _, q in levels]):
        return
    for p, q in levels:
        _price(p, ctx)
        _quantity(q, ctx)


def _levels(items: Any, ctx: str) -> list[tuple[str, str]]:
    pairs = [(it.price, it.quantity) for it in items]
    check_levels(pairs, ctx)
    return pairs


def _book_ticker(t: Any, ctx: str) -> None:
    opt_decimal(t.bidPrice, "bidPrice", ctx)
    opt_decimal(t.bidQuantity, "bidQuantity", ctx)
    opt_decimal(t.askPrice, "askPrice", ctx)
    opt_decimal(t.askQuantity, "askQuantity", ctx)


_MINI = (
    "price",
    "rate",
    "zonedRate",
    "high",
    "low",
    "volume",
    "quantity",
    "lastCloseRate",
    "lastCloseZonedRate",
    "lastCloseHigh",
    "lastCloseLow",
)


def _mini_ticker(t: Any, ctx: str) -> None:
    for name in _MINI:
        opt_decimal(getattr(t, name), name, ctx)


def _increase(d: Any, ctx: str) -> tuple[Levels, Levels]:
    parse_version(d.version, "version", ctx)
    asks = _levels(d.asks, ctx + ".asks")
    return _levels(d.bids, ctx + ".bids"), asks


def _check_fields(msg: Any, names: tuple[str, ...], ctx: str) -> None:
    for name in names:
        opt_decimal(getattr(msg, name), name, ctx)


_KLINE = ("openingPrice", "closingPrice", "highestPrice", "lowestPrice", "volume", "amount")
_ORDERS = (
    "price",
    "quantity",
    "amount",
    "avgPrice",
    "remainAmount",
    "remainQuantity",
    "cumulativeQuantity",
    "cumulativeAmount",
    # optional fields: absent reads as "" which passes like an absent value
    "lastDealQuantity",
    "triggerPrice",
)
_PRIV_DEALS = ("price", "quantity", "amount", "feeAmount")
_ACCOUNT = ("balanceAmount", "balanceAmountChange", "frozenAmount", "frozenAmountChange")
_BOOK = ("bidPrice", "bidQuantity", "askPrice", "askQuantity")


Levels = list[tuple[str, str]]


def check_push(w: Any, member: str | None) -> tuple[Levels, Levels] | None:
    """The semantic rules for a decoded wrapper (``member`` = the set oneof member or None).
    For the single-push depth bodies (313, 302, 303) returns the checked ``(bids, asks)`` texts."""
    if not w.channel:
        raise ParseError("missing `channel` in wrapper (field 1)", "missing_field")
    if member is None:
        return None
    body = getattr(w, member)
    if member == "publicAggreDepths":
        ctx = "publicAggreDepths"
        first = parse_version(body.fromVersion, "fromVersion", ctx)
        last = parse_version(body.toVersion, "toVersion", ctx)
        if first > last:
            raise _invalid("fromVersion", ctx, f"fromVersion {first} > toVersion {last}")
        asks = _levels(body.asks, "publicAggreDepths.asks")
        return _levels(body.bids, "publicAggreDepths.bids"), asks
    elif member == "publicAggreDeals":
        _levels(body.deals, "publicAggreDeals.deals")
    elif member == "publicIncreaseDepths":
        return _increase(body, "publicIncreaseDepths")
    elif member == "publicIncreaseDepthsBatch":
        for d in body.items:
            _increase(d, "publicIncreaseDepthsBatch.items")
    elif member == "publicLimitDepths":
        parse_version(body.version, "version", "publicLimitDepths")
        asks = _levels(body.asks, "publicLimitDepths.asks")
        return _levels(body.bids, "publicLimitDepths.bids"), asks
    elif member == "publicDeals":
        _levels(body.deals, "publicDeals.deals")
    elif member == "publicAggreBookTicker":
        _check_fields(body, _BOOK, "publicAggreBookTicker")
        parse_opt_version(body.version, "version", "publicAggreBookTicker")
    elif member == "publicBookTicker":
        _book_ticker(body, "publicBookTicker")
    elif member == "publicBookTickerBatch":
        for t in body.items:
            _book_ticker(t, "publicBookTickerBatch.items")
        parse_opt_version(body.version, "version", "publicBookTickerBatch")
    elif member == "publicSpotKline":
        _check_fields(body, _KLINE, "publicSpotKline")
    elif member == "publicMiniTicker":
        _mini_ticker(body, "publicMiniTicker")
    elif member == "publicMiniTickers":
        for t in body.items:
            _mini_ticker(t, "publicMiniTickers.items")
    elif member == "privateOrders":
        _check_fields(body, _ORDERS, "privateOrders")
    elif member == "privateDeals":
        _check_fields(body, _PRIV_DEALS, "privateDeals")
    elif member == "privateAccount":
        _check_fields(body, _ACCOUNT, "privateAccount")
    return None


__all__ = [
    "MAX_DEPTH",
    "MAX_REPEATED",
    "Summary",
    "WireError",
    "check_push",
    "decimal_sign",
    "opt_decimal",
    "parse_opt_version",
    "parse_version",
    "strip_unknown",
    "walk",
]
