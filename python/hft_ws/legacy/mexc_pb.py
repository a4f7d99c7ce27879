"""MEXC spot v3 push messages for the `protobuf` package, built at import time from descriptors.

The schema is a table transcribed from ``protocols/mexc.md`` §5 (``mexcdevelop/websocket-proto``
@ 7b8ac7a, 2026.6 fields included), mirroring ``rust/src/mexc/proto.rs``. A
``FileDescriptorProto`` is filled from it and the classes come from ``message_factory``: no
generated ``_pb2`` code and no ``protoc`` at run time. The upstream files have no ``package``
statement; one is added here (wire bytes do not depend on it).
"""

from __future__ import annotations

from typing import Any

from google.protobuf import (  # type: ignore[import-untyped]
    descriptor_pb2,
    descriptor_pool,
    message_factory,
)

_F = descriptor_pb2.FieldDescriptorProto
STR, I64, I32, BOOL, MSG = _F.TYPE_STRING, _F.TYPE_INT64, _F.TYPE_INT32, _F.TYPE_BOOL, _F.TYPE_MESSAGE
_OPT, _REP = _F.LABEL_OPTIONAL, _F.LABEL_REPEATED

PACKAGE = "hftws.legacy.mexc"

# A field: (name, number, type, message type name or "", repeated, proto3 `optional`).
Field = tuple[str, int, int, str, bool, bool]


def _f(name: str, num: int, typ: int, *, optional: bool = False) -> Field:
    return (name, num, typ, "", False, optional)


def _rep(name: str, num: int, msg: str) -> Field:
    return (name, num, MSG, msg, True, False)


def _strs(*names: str, start: int = 1) -> list[Field]:
    return [_f(n, i, STR) for i, n in enumerate(names, start)]


_LEVEL = _strs("price", "quantity")
_BOOK_TICKER = _strs("bidPrice", "bidQuantity", "askPrice", "askQuantity")

# Body member number -> (member name, message name), the wrapper's `oneof body`.
BODIES: dict[int, tuple[str, str]] = {
    301: ("publicDeals", "PublicDealsV3Api"),
    302: ("publicIncreaseDepths", "PublicIncreaseDepthsV3Api"),
    303: ("publicLimitDepths", "PublicLimitDepthsV3Api"),
    304: ("privateOrders", "PrivateOrdersV3Api"),
    305: ("publicBookTicker", "PublicBookTickerV3Api"),
    306: ("privateDeals", "PrivateDealsV3Api"),
    307: ("privateAccount", "PrivateAccountV3Api"),
    308: ("publicSpotKline", "PublicSpotKlineV3Api"),
    309: ("publicMiniTicker", "PublicMiniTickerV3Api"),
    310: ("publicMiniTickers", "PublicMiniTickersV3Api"),
    311: ("publicBookTickerBatch", "PublicBookTickerBatchV3Api"),
    312: ("publicIncreaseDepthsBatch", "PublicIncreaseDepthsBatchV3Api"),
    313: ("publicAggreDepths", "PublicAggreDepthsV3Api"),
    314: ("publicAggreDeals", "PublicAggreDealsV3Api"),
    315: ("publicAggreBookTicker", "PublicAggreBookTickerV3Api"),
}

# Message name -> fields. Order of definition does not matter to the pool.
SCHEMA: dict[str, list[Field]] = {
    "PushDataV3ApiWrapper": [
        _f("channel", 1, STR),
        _f("symbol", 3, STR, optional=True),
        _f("symbolId", 4, STR, optional=True),
        _f("createTime", 5, I64, optional=True),
        _f("sendTime", 6, I64, optional=True),
    ]
    + [(member, num, MSG, msg, False, False) for num, (member, msg) in BODIES.items()],
    # market data
    "PublicAggreDepthsV3Api": [
        _rep("asks", 1, "PublicAggreDepthV3ApiItem"),
        _rep("bids", 2, "PublicAggreDepthV3ApiItem"),
        *_strs("eventType", "fromVersion", "toVersion", start=3),
        _f("lastOrderCreateTime", 6, I64),  # 2026.6
    ],
    "PublicAggreDepthV3ApiItem": list(_LEVEL),
    "PublicAggreDealsV3Api": [_rep("deals", 1, "PublicAggreDealsV3ApiItem"), _f("eventType", 2, STR)],
    "PublicAggreDealsV3ApiItem": [
        *_strs("price", "quantity"),
        _f("tradeType", 3, I32),
        _f("time", 4, I64),
        _f("tradeId", 5, STR),  # 2026.6
    ],
    "PublicAggreBookTickerV3Api": [
        *_BOOK_TICKER,
        _f("version", 5, STR),  # 2026.6
        _f("lastOrderCreateTime", 6, I64),  # 2026.6
    ],
    "PublicLimitDepthsV3Api": [
        _rep("asks", 1, "PublicLimitDepthV3ApiItem"),
        _rep("bids", 2, "PublicLimitDepthV3ApiItem"),
        *_strs("eventType", "version", start=3),
        _f("lastOrderCreateTime", 5, I64),  # 2026.6
    ],
    "PublicLimitDepthV3ApiItem": list(_LEVEL),
    "PublicBookTickerV3Api": list(_BOOK_TICKER),
    "PublicBookTickerBatchV3Api": [
        _rep("items", 1, "PublicBookTickerV3Api"),
        _f("version", 2, STR),  # 2026.6
        _f("lastOrderCreateTime", 3, I64),  # 2026.6
    ],
    "PublicSpotKlineV3Api": [
        _f("interval", 1, STR),
        _f("windowStart", 2, I64),
        *_strs("openingPrice", "closingPrice", "highestPrice", "lowestPrice", "volume", "amount", start=3),
        _f("windowEnd", 9, I64),
    ],
    "PublicMiniTickerV3Api": _strs(
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
    "PublicMiniTickersV3Api": [_rep("items", 1, "PublicMiniTickerV3Api")],
    "PublicDealsV3Api": [_rep("deals", 1, "PublicDealsV3ApiItem"), _f("eventType", 2, STR)],
    "PublicDealsV3ApiItem": [*_strs("price", "quantity"), _f("tradeType", 3, I32), _f("time", 4, I64)],
    "PublicIncreaseDepthsV3Api": [
        _rep("asks", 1, "PublicIncreaseDepthV3ApiItem"),
        _rep("bids", 2, "PublicIncreaseDepthV3ApiItem"),
        *_strs("eventType", "version", start=3),
    ],
    "PublicIncreaseDepthV3ApiItem": list(_LEVEL),
    "PublicIncreaseDepthsBatchV3Api": [
        _rep("items", 1, "PublicIncreaseDepthsV3Api"),
        _f("eventType", 2, STR),
    ],
    # private (listenKey connection)
    "PrivateOrdersV3Api": [
        *_strs("id", "clientId", "price", "quantity", "amount", "avgPrice"),
        _f("orderType", 7, I32),
        _f("tradeType", 8, I32),
        _f("isMaker", 9, BOOL),
        *_strs("remainAmount", "remainQuantity", start=10),
        _f("lastDealQuantity", 12, STR, optional=True),
        *_strs("cumulativeQuantity", "cumulativeAmount", start=13),
        _f("status", 15, I32),
        _f("createTime", 16, I64),
        _f("market", 17, STR, optional=True),
        _f("triggerType", 18, I32, optional=True),
        _f("triggerPrice", 19, STR, optional=True),
        _f("state", 20, I32, optional=True),
        _f("ocoId", 21, STR, optional=True),
        _f("routeFactor", 22, STR, optional=True),
        _f("symbolId", 23, STR, optional=True),
        _f("marketId", 24, STR, optional=True),
        _f("marketCurrencyId", 25, STR, optional=True),
        _f("currencyId", 26, STR, optional=True),
    ],
    "PrivateDealsV3Api": [
        *_strs("price", "quantity", "amount"),
        _f("tradeType", 4, I32),
        _f("isMaker", 5, BOOL),
        _f("isSelfTrade", 6, BOOL),
        *_strs("tradeId", "clientOrderId", "orderId", "feeAmount", "feeCurrency", start=7),
        _f("time", 12, I64),
    ],
    "PrivateAccountV3Api": [
        *_strs(
            "vcoinName",
            "coinId",
            "balanceAmount",
            "balanceAmountChange",
            "frozenAmount",
            "frozenAmountChange",
            "type",
        ),
        _f("time", 8, I64),
    ],
}


def file_descriptor() -> descriptor_pb2.FileDescriptorProto:
    """The schema as one proto3 file descriptor."""
    fdp = descriptor_pb2.FileDescriptorProto(
        name="hftws_legacy_mexc_push.proto", package=PACKAGE, syntax="proto3"
    )
    for msg_name, fields in SCHEMA.items():
        m = fdp.message_type.add(name=msg_name)
        if msg_name == "PushDataV3ApiWrapper":
            m.oneof_decl.add(name="body")
        for name, num, typ, type_name, repeated, p3opt in fields:
            fd = m.field.add(name=name, number=num, type=typ, label=_REP if repeated else _OPT)
            if type_name:
                fd.type_name = f".{PACKAGE}.{type_name}"
            if p3opt:
                # proto3 `optional`: a synthetic oneof holding only this field (must follow the real one).
                fd.proto3_optional = True
                fd.oneof_index = len(m.oneof_decl)
                m.oneof_decl.add(name=f"_{name}")
            elif msg_name == "PushDataV3ApiWrapper" and num in BODIES:
                fd.oneof_index = 0
    return fdp


def _build() -> dict[str, Any]:
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file_descriptor())
    return {
        name: message_factory.GetMessageClass(pool.FindMessageTypeByName(f"{PACKAGE}.{name}"))
        for name in SCHEMA
    }


CLASSES: dict[str, Any] = _build()
PushDataV3ApiWrapper: Any = CLASSES["PushDataV3ApiWrapper"]

__all__ = ["BODIES", "CLASSES", "SCHEMA", "PushDataV3ApiWrapper", "file_descriptor"]
