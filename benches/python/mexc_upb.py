"""Python `protobuf` (upb) baseline for the MEXC spot benchmarks.

The message classes are the legacy path's (`hft_ws.legacy.mexc_pb`: descriptors built at run time from the
field numbers in `protocols/mexc.md` §5; no generated `_pb2` code); here they are used bare, the way a
hand-rolled client decodes, without the legacy parser's wire checks.
"""

from __future__ import annotations

from hft_ws.legacy.mexc_pb import PushDataV3ApiWrapper as Wrapper


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
