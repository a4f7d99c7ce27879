"""A tiny protobuf encoder (and a minimal wire reader) for MEXC spot pushes.

Field numbers follow ``shared/protocols/mexc.md`` §5 (``PushDataV3ApiWrapper`` and its bodies). proto3 rules:
fields with implicit presence are omitted when they hold their default (``""``, ``0``, ``False``, empty list);
``optional`` fields are written whenever they are not ``None``. No generated code is used.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

# oneof body member numbers in PushDataV3ApiWrapper (mexc.md §5.2)
PUBLIC_LIMIT_DEPTHS = 303
PRIVATE_ORDERS = 304
PRIVATE_DEALS = 306
PRIVATE_ACCOUNT = 307
PUBLIC_AGGRE_DEPTHS = 313
PUBLIC_AGGRE_DEALS = 314
PUBLIC_AGGRE_BOOK_TICKER = 315

_VARINT = 0
_LEN = 2


def varint(value: int) -> bytes:
    """Base-128 varint; negative values are written as their 64-bit two's complement (10 bytes)."""
    if value < 0:
        value += 1 << 64
    if value >= 1 << 64:
        raise ValueError("varint out of range")
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def tag(field: int, wire_type: int) -> bytes:
    return varint((field << 3) | wire_type)


def f_bytes(field: int, data: bytes) -> bytes:
    return tag(field, _LEN) + varint(len(data)) + data


def f_str(field: int, text: str | None, *, optional: bool = False) -> bytes:
    """String field: implicit presence omits ``""``; ``optional`` writes any non-None value."""
    if text is None or (not optional and text == ""):
        return b""
    return f_bytes(field, text.encode())


def f_int(field: int, value: int | None, *, optional: bool = False) -> bytes:
    if value is None or (not optional and value == 0):
        return b""
    return tag(field, _VARINT) + varint(value)


def f_bool(field: int, value: bool | None, *, optional: bool = False) -> bytes:
    if value is None or (not optional and not value):
        return b""
    return tag(field, _VARINT) + (b"\x01" if value else b"\x00")


def f_msgs(field: int, messages: Iterable[bytes]) -> bytes:
    return b"".join(f_bytes(field, m) for m in messages)


# ------------------------------------------------------------------------------------------ bodies


def _level(price: str, qty: str) -> bytes:
    # PublicAggreDepthV3ApiItem / PublicLimitDepthV3ApiItem: 1 price, 2 quantity
    return f_str(1, price) + f_str(2, qty)


def aggre_depths(
    asks: Sequence[tuple[str, str]],
    bids: Sequence[tuple[str, str]],
    event_type: str,
    from_version: str,
    to_version: str,
    last_order_create_time: int = 0,
) -> bytes:
    """PublicAggreDepthsV3Api."""
    return (
        f_msgs(1, (_level(p, q) for p, q in asks))
        + f_msgs(2, (_level(p, q) for p, q in bids))
        + f_str(3, event_type)
        + f_str(4, from_version)
        + f_str(5, to_version)
        + f_int(6, last_order_create_time)
    )


def limit_depths(
    asks: Sequence[tuple[str, str]],
    bids: Sequence[tuple[str, str]],
    event_type: str,
    version: str,
    last_order_create_time: int = 0,
) -> bytes:
    """PublicLimitDepthsV3Api."""
    return (
        f_msgs(1, (_level(p, q) for p, q in asks))
        + f_msgs(2, (_level(p, q) for p, q in bids))
        + f_str(3, event_type)
        + f_str(4, version)
        + f_int(5, last_order_create_time)
    )


@dataclass(frozen=True, slots=True)
class Deal:
    price: str
    quantity: str
    trade_type: int  # 1 buy, 2 sell
    time_ms: int
    trade_id: str = ""


def aggre_deals(deals: Sequence[Deal], event_type: str) -> bytes:
    """PublicAggreDealsV3Api."""
    items = (
        f_str(1, d.price) + f_str(2, d.quantity) + f_int(3, d.trade_type) + f_int(4, d.time_ms) + f_str(5, d.trade_id)
        for d in deals
    )
    return f_msgs(1, items) + f_str(2, event_type)


def aggre_book_ticker(
    bid_price: str,
    bid_qty: str,
    ask_price: str,
    ask_qty: str,
    version: str = "",
    last_order_create_time: int = 0,
) -> bytes:
    """PublicAggreBookTickerV3Api."""
    return (
        f_str(1, bid_price)
        + f_str(2, bid_qty)
        + f_str(3, ask_price)
        + f_str(4, ask_qty)
        + f_str(5, version)
        + f_int(6, last_order_create_time)
    )


@dataclass(frozen=True, slots=True)
class PrivateOrder:
    id: str
    client_id: str
    price: str
    quantity: str
    amount: str
    avg_price: str
    order_type: int
    trade_type: int
    is_maker: bool
    remain_amount: str
    remain_quantity: str
    last_deal_quantity: str | None
    cumulative_quantity: str
    cumulative_amount: str
    status: int
    create_time: int


def private_orders(o: PrivateOrder) -> bytes:
    """PrivateOrdersV3Api (field 12 ``lastDealQuantity`` has explicit presence)."""
    return (
        f_str(1, o.id)
        + f_str(2, o.client_id)
        + f_str(3, o.price)
        + f_str(4, o.quantity)
        + f_str(5, o.amount)
        + f_str(6, o.avg_price)
        + f_int(7, o.order_type)
        + f_int(8, o.trade_type)
        + f_bool(9, o.is_maker)
        + f_str(10, o.remain_amount)
        + f_str(11, o.remain_quantity)
        + f_str(12, o.last_deal_quantity, optional=True)
        + f_str(13, o.cumulative_quantity)
        + f_str(14, o.cumulative_amount)
        + f_int(15, o.status)
        + f_int(16, o.create_time)
    )


@dataclass(frozen=True, slots=True)
class PrivateDeal:
    price: str
    quantity: str
    amount: str
    trade_type: int
    is_maker: bool
    is_self_trade: bool
    trade_id: str
    client_order_id: str
    order_id: str
    fee_amount: str
    fee_currency: str
    time_ms: int


def private_deals(d: PrivateDeal) -> bytes:
    """PrivateDealsV3Api."""
    return (
        f_str(1, d.price)
        + f_str(2, d.quantity)
        + f_str(3, d.amount)
        + f_int(4, d.trade_type)
        + f_bool(5, d.is_maker)
        + f_bool(6, d.is_self_trade)
        + f_str(7, d.trade_id)
        + f_str(8, d.client_order_id)
        + f_str(9, d.order_id)
        + f_str(10, d.fee_amount)
        + f_str(11, d.fee_currency)
        + f_int(12, d.time_ms)
    )


@dataclass(frozen=True, slots=True)
class PrivateAccount:
    vcoin_name: str
    coin_id: str
    balance_amount: str
    balance_amount_change: str
    frozen_amount: str
    frozen_amount_change: str
    type: str
    time_ms: int


def private_account(a: PrivateAccount) -> bytes:
    """PrivateAccountV3Api."""
    return (
        f_str(1, a.vcoin_name)
        + f_str(2, a.coin_id)
        + f_str(3, a.balance_amount)
        + f_str(4, a.balance_amount_change)
        + f_str(5, a.frozen_amount)
        + f_str(6, a.frozen_amount_change)
        + f_str(7, a.type)
        + f_int(8, a.time_ms)
    )


def wrapper(
    channel: str,
    body_field: int,
    body: bytes,
    *,
    symbol: str | None = None,
    symbol_id: str | None = None,
    create_time: int | None = None,
    send_time: int | None = None,
) -> bytes:
    """PushDataV3ApiWrapper: 1 channel, 3 symbol, 4 symbolId, 5 createTime, 6 sendTime (optional), body oneof."""
    return (
        f_str(1, channel)
        + f_str(3, symbol, optional=True)
        + f_str(4, symbol_id, optional=True)
        + f_int(5, create_time, optional=True)
        + f_int(6, send_time, optional=True)
        + f_bytes(body_field, body)
    )


# ----------------------------------------------------------------------------- minimal wire reader


class WireError(ValueError):
    """Malformed protobuf bytes."""


def read_varint(data: bytes, pos: int) -> tuple[int, int]:
    result = 0
    for i in range(10):
        if pos >= len(data):
            raise WireError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << (7 * i)
        if not byte & 0x80:
            return result & ((1 << 64) - 1), pos
    raise WireError("varint longer than 10 bytes")


def fields(data: bytes) -> Iterator[tuple[int, int, int | bytes]]:
    """Yield ``(field, wire_type, value)``; value is an int (varint/fixed) or bytes (LEN)."""
    pos = 0
    while pos < len(data):
        key, pos = read_varint(data, pos)
        field, wire_type = key >> 3, key & 7
        if field == 0:
            raise WireError("field number 0")
        if wire_type == _VARINT:
            value, pos = read_varint(data, pos)
            yield field, wire_type, value
        elif wire_type == _LEN:
            size, pos = read_varint(data, pos)
            if size > len(data) - pos:
                raise WireError("length prefix beyond end")
            yield field, wire_type, data[pos : pos + size]
            pos += size
        elif wire_type == 1:
            if pos + 8 > len(data):
                raise WireError("truncated fixed64")
            yield field, wire_type, int.from_bytes(data[pos : pos + 8], "little")
            pos += 8
        elif wire_type == 5:
            if pos + 4 > len(data):
                raise WireError("truncated fixed32")
            yield field, wire_type, int.from_bytes(data[pos : pos + 4], "little")
            pos += 4
        else:
            raise WireError(f"unsupported wire type {wire_type}")
