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


def test_connection_lost_during_handover_grace_removes_the_dedupe_filter() -> None:
    """A drop within ``handover_grace`` after a rotation's switch cancelled the grace timer without ending
    the handover: the dedupe shadow of ``_deliver`` (content keys per event) stayed on the next connection."""
    from hft_ws.sim import Simulator

    from test_manager_gate import Recorder, wait_until

    seen: list[object] = []

    class Probe(Recorder):
        ex: Any = None

        def on_state(self, change: hft_ws.StateChange) -> None:
            super().on_state(change)
            if change.state == "connected" and self.ex is not None:
                # what the new connection's events will be delivered through
                seen.append(self.ex.__dict__.get("_deliver"))

    rec = Probe()

    async def main() -> None:
        async with asyncio.timeout(40.0):
            async with Simulator(seed=4, symbols=["BTC_USDT"], rate_hz=50) as sim:
                urls = sim.urls[("gateio", "spot")]
                mgr = hft_ws.WebSocketManager(rec, ping_interval=0.2, max_connection_age=1.5, handover_grace=60.0)
                async with mgr:
                    ex = GateSpotPublic(["BTC_USDT"], ["trades", "book"], ws_url=urls["ws"], rest_url=urls["rest"])
                    rec.ex = ex
                    mgr.add(ex)
                    await wait_until(lambda: ex.metrics.rotations >= 1, 15.0)
                    assert "_deliver" in ex.__dict__  # the grace period is running
                    await sim.inject("gateio", "spot", "drop")
                    await wait_until(lambda: len(seen) >= 2, 15.0)

    asyncio.run(main())
    assert seen[0] is None
    assert seen[1] is None, "the previous rotation's dedupe filter is still installed on the new connection"


def test_protocol_violation_on_the_replacement_is_counted() -> None:
    """The replacement connection's transport errors went to a no-op during a rotation: a server protocol
    violation there (which ends that connection and fails the attempt) was neither counted nor reported."""
    errors: list[BaseException] = []

    class H(hft_ws.Handler):
        def on_error(self, error: Any) -> None:
            errors.append(error)

    async def main() -> None:
        mgr = hft_ws.WebSocketManager(H())
        ex = GateSpotPublic(["BTC_USDT"], ["trades"], ws_url="ws://127.0.0.1:9/", rest_url="http://127.0.0.1:9")
        mgr.add(ex)
        slot = mgr._slots[0]
        captured: list[Any] = []

        async def fake_open(ex_: Any, on_message: Any, on_pong: Any, on_error: Any) -> Any:
            captured.append(on_error)
            raise OSError("refused")  # the attempt fails after the transport got its callbacks

        mgr._open = fake_open  # type: ignore[method-assign]
        assert await mgr._rotate(slot, _FakeConn()) is False  # type: ignore[arg-type]
        captured[0](hft_ws.FrameError("masked frame from server", 1002, "masked"))
        assert ex.metrics.parse_errors.get("frame_masked") == 1
        assert any(isinstance(e, hft_ws.FrameError) for e in errors)
        await mgr.close()

    asyncio.run(main())
