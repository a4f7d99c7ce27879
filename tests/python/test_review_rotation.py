"""Review: a rotation attempt that fails because the old connection died meanwhile must hand over to the
reconnect path at once (``_serve`` waits for the rotation task), not after the retry delay."""

from __future__ import annotations

import asyncio
from typing import Any

import hft_ws
from hft_ws.exchanges.gateio import GateSpotPublic
from hft_ws.manager import _Slot


class _FakeConn:
    def __init__(self) -> None:
        self.is_open = True


def test_failed_rotation_after_old_connection_died_returns_at_once() -> None:
    async def main() -> None:
        mgr = hft_ws.WebSocketManager(hft_ws.Handler())
        ex = GateSpotPublic(["BTC_USDT"], ["trades"], ws_url="ws://127.0.0.1:9/", rest_url="http://127.0.0.1:9")
        slot = _Slot(ex, "x")
        old = _FakeConn()
        slot.conn = old  # type: ignore[assignment]
        slot.opened_at = asyncio.get_running_loop().time() - 10_000.0  # overdue: rotate at once

        async def rotate(slot_: _Slot, conn: Any) -> bool:
            old.is_open = False  # the old connection ended while the replacement was prepared...
            raise hft_ws.ConnectionLost("connection is not open")  # ...and the replacement failed too

        mgr._rotate = rotate  # type: ignore[method-assign]
        # age 1000 s: lead 100 s, retry delay 25 s; the attempt must not sit in that delay
        done = await asyncio.wait_for(mgr._rotate_later(slot, old, 1000.0), 2.0)  # type: ignore[arg-type]
        assert done is False
        assert ex.metrics.rotation_failures == 1
        await ex._aclose()

    asyncio.run(main())
