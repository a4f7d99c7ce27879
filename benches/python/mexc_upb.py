"""Python `protobuf` (upb) baseline for the MEXC spot benchmarks.

The descriptor is built at run time with `descriptor_pb2` from the field numbers in
`protocols/mexc.md` §5 (only the messages the benchmarks need); no generated `_pb2` code.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

_F = descriptor_pb2.FieldDescriptorProto
_STR, _I64, _I32, _MSG = _F.TYPE_STRING, _F.TYPE_INT64, _F.TYPE_INT32, _F.TYPE_MESSAGE
_OPT, _REP = _F.LABEL_OPTIONAL, _F.LABEL_REPEATED

# message -> [(name, number, type, label, type_name or "", proto3_optional)]
_SCHEMA: dict[str, list[tuple[str, int, int, int, str, bool]]] = {
    "PublicAggreDepthV3ApiItem": [
        ("price", 1, _STR, _OPT, "", False),
        ("quantity", 2, _STR, _OPT, "", False),
    ],
    "PublicAggreDepthsV3Api": [
        ("asks", 1, _MSG, _REP, "PublicAggreDepthV3ApiItem", False),
        ("bids", 2, _MSG, _REP, "PublicAggreDepthV3ApiItem", False),
        ("eventType", 3, _STR, _OPT, "", False),
        ("fromVersion", 4, _STR, _OPT, "", False),
        ("toVersion", 5, _STR, _OPT, "", False),
        ("lastOrderCreateTime", 6, _I64, _OPT, "", False),
    ],
    "PublicAggreDealsV3ApiItem": [
        ("price", 1, _STR, _OPT, "", False),
        ("quantity", 2, _STR, _OPT, "", False),
        ("tradeType", 3, _I32, _OPT, "", False),
        ("time", 4, _I64, _OPT, "", False),
        ("tradeId", 5, _STR, _OPT, "", False),
    ],
    "PublicAggreDealsV3Api": [
        ("deals", 1, _MSG, _REP, "PublicAggreDealsV3ApiItem", False),
        ("eventType", 2, _STR, _OPT, "", False),
    ],
    "PushDataV3ApiWrapper": [
        ("channel", 1, _STR, _OPT, "", False),
        ("symbol", 3, _STR, _OPT, "", True),
        ("symbolId", 4, _STR, _OPT, "", True),
        ("createTime", 5, _I64, _OPT, "", True),
        ("sendTime", 6, _I64, _OPT, "", True),
        ("publicAggreDepths", 313, _MSG, _OPT, "PublicAggreDepthsV3Api", False),
        ("publicAggreDeals", 314, _MSG, _OPT, "PublicAggreDealsV3Api", False),
    ],
}
_PKG = "hftwsbench"


def _build() -> dict[str, Any]:
    fdp = descriptor_pb2.FileDescriptorProto(name="hftws_bench_mexc.proto", package=_PKG, syntax="proto3")
    for msg_name, fields in _SCHEMA.items():
        m = fdp.message_type.add(name=msg_name)
        if msg_name == "PushDataV3ApiWrapper":
            m.oneof_decl.add(name="body")
        for name, num, typ, label, type_name, p3opt in fields:
            fd = m.field.add(name=name, number=num, type=typ, label=label)
            if type_name:
                fd.type_name = f".{_PKG}.{type_name}"
            if p3opt:
                # proto3 `optional` = a synthetic oneof holding just this field.
                fd.proto3_optional = True
                fd.oneof_index = len(m.oneof_decl)
                m.oneof_decl.add(name=f"_{name}")
            elif num >= 300:
                fd.oneof_index = 0
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    return {
        name: message_factory.GetMessageClass(pool.FindMessageTypeByName(f"{_PKG}.{name}"))
        for name in _SCHEMA
    }


CLASSES = _build()
Wrapper = CLASSES["PushDataV3ApiWrapper"]


def aggre_depth_frame(levels: int = 10) -> bytes:
    """A `publicAggreDepths` push with `levels` bids and `levels` asks."""
    w = Wrapper()
    w.channel = "spot@public.aggre.depth.v3.api.pb@100ms@BTCUSDT"
    w.symbol = "BTCUSDT"
    w.sendTime = 1754741322152
    d = w.publicAggreDepths
    for i in range(levels):
        a = d.asks.add()
        a.price, a.quantity = f"{117145.49 + i * 0.01:.2f}", f"{0.5 + i * 0.125:.8f}"
        b = d.bids.add()
        b.price, b.quantity = f"{117145.48 - i * 0.01:.2f}", f"{1.25 + i * 0.0625:.8f}"
    d.eventType = "spot@public.aggre.depth.v3.api.pb@100ms"
    d.fromVersion = "43296363236"
    d.toVersion = "43296363255"
    d.lastOrderCreateTime = 1754741322150
    return bytes(w.SerializeToString())


def aggre_deals_frame(n: int = 3) -> bytes:
    """A `publicAggreDeals` push with `n` deals."""
    w = Wrapper()
    w.channel = "spot@public.aggre.deals.v3.api.pb@100ms@BTCUSDT"
    w.symbol = "BTCUSDT"
    w.sendTime = 1754741322152
    d = w.publicAggreDeals
    for i in range(n):
        x = d.deals.add()
        x.price, x.quantity = f"{117145.49 + i * 0.01:.2f}", f"{0.0443 + i * 0.001:.8f}"
        x.tradeType = 1 + i % 2
        x.time = 1754741322100 + i
        x.tradeId = f"73157988356140646{i}"
    d.eventType = "spot@public.aggre.deals.v3.api.pb@100ms"
    return bytes(w.SerializeToString())


def upb_depth_walk(
    frame: bytes,
) -> tuple[list[tuple[float, float]], list[tuple[float, float]], int, int]:
    """Decode + field walk a depth push the way a hand-rolled client does."""
    w = Wrapper.FromString(frame)
    d = w.publicAggreDepths
    bids = [(float(x.price), float(x.quantity)) for x in d.bids]
    asks = [(float(x.price), float(x.quantity)) for x in d.asks]
    return bids, asks, int(d.fromVersion), int(d.toVersion)


def upb_deals_walk(frame: bytes) -> list[tuple[float, float, str, int, str]]:
    w = Wrapper.FromString(frame)
    return [
        (
            float(x.price),
            float(x.quantity),
            "buy" if x.tradeType == 1 else "sell",
            x.time,
            x.tradeId,
        )
        for x in w.publicAggreDeals.deals
    ]
