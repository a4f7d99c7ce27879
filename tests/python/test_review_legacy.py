"""Review: ``hft_ws.legacy.set_path`` / ``WebSocketStrategySet.install`` on the object the user added must
flip the connections that parse: a sharded object's shards (the facade itself receives nothing)."""

from __future__ import annotations

import hft_ws
from hft_ws.exchanges.mexc import MexcSpotPublic
from hft_ws.legacy import WebSocketStrategySet, is_legacy_parser, set_path

SYMBOLS = [f"C{i:02d}USDT" for i in range(16)]  # x (trades + book) = 32 > 30: two shards


def test_set_path_on_a_sharded_object_flips_its_shards() -> None:
    mgr = hft_ws.WebSocketManager(hft_ws.Handler())
    ex = MexcSpotPublic(SYMBOLS, ["trades", "book"], ws_url="ws://127.0.0.1:9/ws", rest_url="http://127.0.0.1:9")
    mgr.add(ex)
    assert len(ex._shards) == 2
    assert set_path(ex, True)
    assert all(is_legacy_parser(sh._parser) for sh in ex._shards)
    # the shards' books went over too (so the flip keeps them continuous)
    assert all(type(s).__module__.startswith("hft_ws.legacy") for sh in ex._shards for s in sh._books.syncs.values())
    assert set_path(ex, False)
    assert all(not is_legacy_parser(sh._parser) for sh in ex._shards)
    WebSocketStrategySet.for_exchange(ex).install(ex)
    assert all(is_legacy_parser(sh._parser) for sh in ex._shards)
