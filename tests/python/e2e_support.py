"""Shared harness of the end-to-end audit tests: one exchange class against the in-process simulator, the
`AuditRecorder` as handler, books settled against the truth before and after the scenario, and the delivery
audit (`hft_ws.sim.audit`) run once the manager is closed (the simulator's sent log is then complete)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import hft_ws
from hft_ws.sim import Simulator, native_symbol
from hft_ws.sim.audit import AuditRecorder, AuditReport, BookProbe, audit_sim, check_books, sim_truth


async def wait_until(cond: Callable[[], bool], timeout: float = 8.0) -> None:
    async with asyncio.timeout(timeout):
        while not cond():
            await asyncio.sleep(0.01)


@dataclass
class Ctx:
    sim: Simulator
    mgr: hft_ws.WebSocketManager
    ex: Any
    rec: AuditRecorder
    exchange: str
    market: str
    symbols: list[str]  # exchange-native

    def metrics(self) -> dict[str, Any]:
        return next(iter(self.mgr.metrics().values()))

    def count(self, state: str, symbol: str | None = None) -> int:
        return self.rec.count_states(state, symbol)

    def synced_again(self, times: int = 2) -> bool:
        return all(self.count("synced", s) >= times for s in self.symbols)

    async def settle(self, timeout: float = 8.0) -> None:
        """Every book equals the truth at an equal last_seq (asserted)."""
        probes = [BookProbe((self.exchange, self.market, s), self._getter(s)) for s in self.symbols]
        checks = await check_books(sim_truth(self.sim), probes, timeout=timeout)
        assert all(c.ok for c in checks), checks

    def _getter(self, symbol: str) -> Callable[[], Any]:
        return lambda: self.ex.book(symbol)

    async def inject(self, kind: str, seconds: float = 0.0, **kw: Any) -> None:
        await self.sim.inject(self.exchange, self.market, kind, seconds, **kw)


def run(
    exchange: str,
    market: str,
    cls: Callable[..., Any],
    symbols: Sequence[str],
    channels: Sequence[str],
    body: Callable[[Ctx], Awaitable[None]],
    *,
    seed: int = 17,
    **mgr_kwargs: Any,
) -> tuple[AuditRecorder, AuditReport]:
    """Runs ``body`` between two book settlements, then audits; asserts the audit holds for every symbol."""
    rec = AuditRecorder()
    report: AuditReport | None = None
    native = [native_symbol(exchange, market, s) for s in symbols]

    async def main() -> None:
        nonlocal report
        async with asyncio.timeout(25.0):
            async with Simulator(seed=seed, symbols=list(symbols), rate_hz=50) as sim:
                urls = sim.urls[(exchange, market)]
                kwargs: dict[str, Any] = {"ping_interval": 0.2, "backoff_base": 0.05, "backoff_cap": 0.2}
                kwargs.update(mgr_kwargs)
                async with hft_ws.WebSocketManager(rec, **kwargs) as mgr:
                    ex = cls(native, list(channels), ws_url=urls["ws"], rest_url=urls["rest"])
                    mgr.add(ex)
                    ctx = Ctx(sim, mgr, ex, rec, exchange, market, native)
                    await ctx.settle()
                    await body(ctx)
                    await ctx.settle()
                report = audit_sim(rec, sim)

    asyncio.run(main())
    assert report is not None
    assert set(report.streams) == {(exchange, market, s) for s in native}
    report.assert_ok()
    for r in report.streams.values():
        assert r.delivered > 0 and r.syncs >= 1
        assert not r.trade_breaks_unreported, r
    return rec, report
