"""Private streams end to end under the fill audit (`hft_ws.sim.audit.check_accounts`): through a drop, a
rotation and a legacy-path flip, every fill reaches the handler exactly once and the account keeps delivering.
Runs every private class this build has (Gate's appear when they land)."""

from __future__ import annotations

import asyncio
import importlib
from typing import Any

import pytest

import hft_ws
from hft_ws.sim import Simulator
from hft_ws.sim.audit import AuditRecorder, check_accounts

from e2e_support import wait_until

PRIVATE = [
    ("mexc", "spot", "hft_ws.exchanges.mexc", "MexcSpotPrivate", ["orders", "fills", "balances"]),
    ("mexc", "futures", "hft_ws.exchanges.mexc", "MexcFuturesPrivate", ["orders", "fills", "balances", "positions"]),
    ("gateio", "spot", "hft_ws.exchanges.gateio", "GateSpotPrivate", ["orders", "fills", "balances"]),
    ("gateio", "futures", "hft_ws.exchanges.gateio", "GateFuturesPrivate", ["orders", "fills", "balances", "positions"]),
]


def private_class(module: str, name: str) -> Any:
    return getattr(importlib.import_module(module), name)


@pytest.mark.parametrize("exchange,market,module,name,channels", PRIVATE, ids=[p[3] for p in PRIVATE])
@pytest.mark.parametrize("fault", ["drop", "rotation", "legacy_flip"])
def test_fills_exactly_once(exchange: str, market: str, module: str, name: str, channels: list[str],
                            fault: str) -> None:
    cls = private_class(module, name)
    rec = AuditRecorder()

    def fills() -> int:
        return rec.counts[(exchange, market, "fill")]

    async def main() -> None:
        async with asyncio.timeout(25.0):
            async with Simulator(seed=41, symbols=["BTC_USDT", "ETH_USDT"], rate_hz=20, private_rate_hz=40) as sim:
                urls = sim.urls[(exchange, market)]
                kw: dict[str, Any] = {"api_key": sim.credentials.api_key, "api_secret": sim.credentials.api_secret,
                                      "channels": channels, "ws_url": urls["ws"], "rest_url": urls["rest"]}
                if exchange == "gateio" and market == "futures":
                    kw["user_id"] = sim.gate_user_id
                mgr_kw: dict[str, Any] = {"ping_interval": 0.2, "backoff_base": 0.05, "backoff_cap": 0.2}
                if fault == "rotation":
                    mgr_kw["max_connection_age"] = 0.8
                async with hft_ws.WebSocketManager(rec, **mgr_kw) as mgr:
                    ex = cls(**kw)
                    mgr.add(ex)
                    await wait_until(lambda: fills() >= 5)
                    if fault == "drop":
                        await sim.inject(exchange, market, "drop")
                        await wait_until(lambda: rec.count_states("connected") >= 2)
                    elif fault == "rotation":
                        await wait_until(lambda: ex.metrics_snapshot()["rotations"] >= 2, 8.0)
                    else:
                        mgr.set_legacy(exchange, True)
                        n = fills()
                        await wait_until(lambda: fills() >= n + 5)
                        mgr.set_legacy(exchange, False)
                    n = fills()
                    await wait_until(lambda: fills() >= n + 5)  # still delivering after the event

    asyncio.run(main())
    report = check_accounts(rec)[(exchange, market)]
    assert report.ok, report.problems()
    assert report.fills >= 10
    # fill ids skip only across a reported connection change (fills sent while no connection existed)
    assert not report.id_jumps_unreported, report
