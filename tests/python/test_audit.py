"""The delivery audit (hft_ws.sim.audit) must pass on clean records and fail on every kind of real loss."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp

import hft_ws
from hft_ws.exchanges.gateio import GateFuturesPublic, GateSpotPublic
from hft_ws.sim import Simulator
from hft_ws.sim.audit import (
    BOOK,
    DEPTH,
    FILL,
    STATE,
    TICKER,
    TRADE,
    AuditRecorder,
    BookProbe,
    audit,
    audit_sim,
    check_accounts,
    check_books,
    check_stream,
    sim_truth,
)
from hft_ws.sim.core import SentRange

KEY = ("gateio", "spot", "BTC_USDT")


def sent(*ranges: tuple[int, int] | tuple[int, int, str], conn: int = 1) -> list[SentRange]:
    out = []
    for r in ranges:
        status = r[2] if len(r) == 3 else "sent"  # type: ignore[misc]
        out.append(SentRange(conn, r[0], r[1], status))
    return out


def depth(first: int, last: int, snap: bool = False) -> tuple[Any, ...]:
    return (DEPTH, *KEY, first, last, snap)


def state(name: str, symbol: str | None = "BTC_USDT") -> tuple[Any, ...]:
    return (STATE, "gateio", "spot", symbol, name, None)


def synced(seq: int) -> list[tuple[Any, ...]]:
    return [state("synced"), (BOOK, *KEY, seq)]


SENT = sent((1, 2), (3, 5), (6, 10), (11, 11), (12, 14))


def clean() -> list[tuple[Any, ...]]:
    return [state("resyncing"), depth(1, 2), *synced(2), depth(3, 5), depth(6, 10), depth(11, 11), depth(12, 14)]


def test_clean_record_passes() -> None:
    r = check_stream(clean(), SENT)
    assert r.ok and r.problems() == []
    assert r.delivered == 5 and r.delivered_seqs == 14 == r.sent_seqs and r.tail == 0 and r.syncs == 1


def test_every_removed_delivery_fails() -> None:
    entries = clean()
    for i, e in enumerate(entries):
        if e[0] != DEPTH or i == len(entries) - 1 or entries[i - 1][0] == STATE or i <= 3:
            continue
        r = check_stream(entries[:i] + entries[i + 1 :], SENT)
        assert not r.ok and r.unreported == [(e[4], e[5])], (i, r)


def test_removing_the_last_delivery_is_only_tail() -> None:
    # nothing after it can reveal the loss: the numbers are in flight as far as the record goes
    r = check_stream(clean()[:-1], SENT)
    assert r.ok and r.tail == 3


def test_gap_reported_then_resync_covers_the_hole() -> None:
    entries = [*clean()[:5], depth(11, 11), state("gap"), state("resyncing"), depth(12, 14), *synced(13)]
    r = check_stream(entries, SENT)
    assert r.ok and r.covered_seqs == 5 and r.windows == 3 and r.syncs == 2


def test_gap_reported_late_is_a_loss() -> None:
    entries = [*clean()[:5], depth(11, 11), depth(12, 14), state("gap"), *synced(14)]
    r = check_stream(entries, SENT)
    assert r.unreported == [(6, 10)] and not r.ok


def test_sync_that_does_not_cover_the_hole_fails() -> None:
    entries = [*clean()[:5], depth(11, 11), state("gap"), depth(12, 14), *synced(9)]
    r = check_stream(entries, SENT)
    assert r.bad_sync == [(10, 10)] and not r.ok


def test_disconnect_window_covers_lost_queue() -> None:
    entries = [*clean()[:5], state("disconnected", None), state("connected", None), state("resyncing"),
               depth(12, 14), *synced(11)]
    r = check_stream(entries, SENT)
    assert r.ok and r.covered_seqs == 6  # 6..11: covered by the snapshot at 11
    # the same record without the connection-level report: 6..11 lost silently
    r = check_stream([e for e in entries if e[4] not in ("disconnected", "resyncing")], SENT)
    assert not r.ok and r.unreported == [(6, 11)]


def test_skipped_ranges_count_as_sent() -> None:
    s = sent((1, 2), (3, 5), (6, 10, "skipped"), (11, 11))
    r = check_stream([*clean()[:5], depth(11, 11)], s)
    assert r.unreported == [(6, 10)]
    r = check_stream([*clean()[:5], depth(11, 11), state("gap"), *synced(11)], s)
    assert r.ok


def test_duplicates() -> None:
    entries = [*clean()[:5], depth(3, 5), depth(6, 10)]
    r = check_stream(entries, SENT)
    assert r.duplicates_unflagged == [(3, 5)] and not r.ok
    entries = [*clean()[:5], state("connected", None), depth(3, 5), depth(6, 10)]
    r = check_stream(entries, SENT)
    assert r.ok and r.duplicates_flagged == 1


def test_phantom_and_truncated() -> None:
    s = sent((1, 2), (3, 5), (6, 10, "truncated"), (11, 11))
    r = check_stream([*clean()[:5], depth(6, 10), depth(11, 11)], s)
    assert r.phantoms == [(6, 10)] and not r.ok
    r = check_stream([*clean()[:5], depth(11, 11), depth(20, 21)], s)
    assert (20, 21) in r.phantoms


def test_snapshot_push_covers_everything_before_it() -> None:
    s = sent((1, 2), (3, 5), (6, 10, "full"), (11, 11))
    r = check_stream([*clean()[:5], depth(10, 10, True), depth(11, 11)], s)
    assert r.ok and r.covered_seqs == 0 and r.delivered == 4


def test_conn_filter_and_initial_window() -> None:
    s = sent((1, 2), (3, 5), conn=1) + sent((1, 2), (3, 5), (6, 8), conn=2)
    entries = [state("resyncing"), depth(3, 5), *synced(4), depth(6, 8)]
    r = check_stream(entries, s, conn_ids=[2])
    assert r.ok and r.covered_seqs == 2 and r.sent_seqs == 8  # 1..2 before the first delivery: the snapshot


def test_trades() -> None:
    t = [(TRADE, *KEY, str(i)) for i in (5, 6, 8, 8)]
    r = check_stream(t, [])
    assert r.trade_breaks_unreported == [(7, 7)] and r.trade_duplicates == [8] and not r.ok
    r = check_stream([t[0], t[1], state("gap"), t[2], state("connected", None), t[3]], [])
    assert r.trade_breaks == 1 and not r.trade_breaks_unreported and r.trade_duplicates_flagged == 1 and r.ok


def test_book_ticker_must_not_go_back() -> None:
    t = [(TICKER, *KEY, i) for i in (10, 12, 12, 11)]
    r = check_stream(t, [])
    assert r.ticker_regressions == [(12, 11)] and not r.ok and r.tickers == 4
    r = check_stream([*t[:3], state("disconnected", None), t[3]], [])
    assert r.ok


# ---- against the real library and simulator -------------------------------------------------------

SYMBOLS = ["BTC_USDT", "ETH_USDT"]


class SilentGaps(GateSpotPublic):
    """A broken library: it recovers from gaps but never tells the handler."""

    def _state(self, state: str, reason: str | None = None, symbol: str | None = None) -> None:
        if state not in ("gap", "resyncing"):
            super()._state(state, reason, symbol)


def run(cls: type[GateSpotPublic], faults: list[tuple[str, dict[str, Any]]]) -> tuple[AuditRecorder, dict[Any, Any]]:
    rec = AuditRecorder()
    logs: dict[Any, Any] = {}

    async def main() -> None:
        async with asyncio.timeout(20.0):
            async with Simulator(seed=23, symbols=SYMBOLS, rate_hz=50) as sim:
                urls = sim.urls[("gateio", "spot")]
                async with hft_ws.WebSocketManager(rec, ping_interval=0.2, backoff_base=0.05) as mgr:
                    ex = cls(SYMBOLS, ["trades", "book"], ws_url=urls["ws"], rest_url=urls["rest"])
                    mgr.add(ex)
                    probes = [BookProbe(("gateio", "spot", s), lambda s=s: ex.book(s)) for s in SYMBOLS]
                    assert all(c.ok for c in await check_books(sim_truth(sim), probes))
                    for kind, kw in faults:
                        await sim.inject("gateio", "spot", kind, **kw)
                        await asyncio.sleep(0.4)
                        assert all(c.ok for c in await check_books(sim_truth(sim), probes))
                    await asyncio.sleep(0.3)
                logs.update({k: sim.sent_log(*k) for k in rec.streams()})

    asyncio.run(main())
    return rec, logs


def test_real_run_passes_and_fails_when_any_steady_delivery_is_dropped() -> None:
    rec, logs = run(GateSpotPublic, [("drop", {}), ("gap", {"count": 2}), ("truncated", {"count": 1})])
    report = audit(rec, logs)
    report.assert_ok()
    assert sum(r.covered_seqs for r in report.streams.values()) > 0
    # candidates: deliveries while the book is synced (a loss inside a reported resync window is legitimately
    # covered by the snapshot that closes it)
    candidates = []
    for key in rec.streams():
        ents = rec.entries(key)
        synced_at: list[bool] = []
        in_sync = False
        for i, e in enumerate(ents):
            if e[0] == STATE:
                in_sync = False
            elif e[0] == BOOK and i > 0 and ents[i - 1][0] == STATE and ents[i - 1][4] == "synced":
                in_sync = True
            synced_at.append(in_sync)
        depth_pos = [i for i, e in enumerate(ents) if e[0] == DEPTH and synced_at[i]]
        # every delivery while synced, except one followed by a disconnect before the next delivery (it may
        # legitimately be lost in the dropped connection's queue) and the very last one (nothing reveals it)
        for i, j in zip(depth_pos, depth_pos[1:], strict=False):
            if not any(ents[k][0] == STATE and ents[k][4] not in ("gap", "resyncing") for k in range(i, j)):
                candidates.append((key, ents[i]))
    assert len(candidates) > 50
    for key, victim in candidates:
        idx = next(i for i, e in enumerate(rec.log) if e is victim)
        broken = AuditRecorder()
        broken.log = rec.log[:idx] + rec.log[idx + 1 :]
        bad = audit(broken, logs)
        assert not bad.ok, victim
        r = bad.streams[key]
        # reported as the exact range lost, or as a reported gap whose revealing diff is missing
        assert r.unreported == [(victim[4], victim[5])] or r.gap_without_delivery == [victim[4]], r.problems()
        assert all(r.ok for k, r in bad.streams.items() if k != key)


def test_library_that_hides_gaps_fails_the_audit() -> None:
    rec, logs = run(SilentGaps, [("gap", {"symbol": "BTC_USDT", "count": 2})])
    report = audit(rec, logs)
    assert not report.ok
    btc = report.streams[("gateio", "spot", "BTC_USDT")]
    assert btc.unreported and btc.sent["skipped"] == 2
    assert "lost without a gap report" in "\n".join(report.problems())
    assert report.streams[("gateio", "spot", "ETH_USDT")].ok


def test_book_check_detects_a_corrupted_book() -> None:
    result: list[Any] = []

    async def main() -> None:
        rec = AuditRecorder()
        async with asyncio.timeout(20.0):
            async with Simulator(seed=29, symbols=["ETH_USDT"], rate_hz=50) as sim:
                urls = sim.urls[("gateio", "spot")]
                async with hft_ws.WebSocketManager(rec, ping_interval=0.2) as mgr:
                    ex = GateSpotPublic(["ETH_USDT"], ["book"], ws_url=urls["ws"], rest_url=urls["rest"])
                    mgr.add(ex)
                    probe = BookProbe(("gateio", "spot", "ETH_USDT"), lambda: ex.book("ETH_USDT"))
                    result.extend(await check_books(sim_truth(sim), [probe]))
                    # a copy of the book with one level removed, at the same sequence number
                    book = ex.book("ETH_USDT")
                    seq, bids, asks = sim.book_truth("gateio", "spot", "ETH_USDT")
                    fake = hft_ws.OrderBook("gateio", "spot", "ETH_USDT")
                    body = {"id": seq, "current": 1, "update": 1, "bids": bids[1:], "asks": asks}
                    snap = hft_ws.GateSpotParser().parse_snapshot(json.dumps(body), "ETH_USDT")
                    assert book is not None
                    fake.apply(snap)

                    async def frozen(*_: Any) -> Any:
                        return seq, bids, asks

                    result.extend(await check_books(frozen, [BookProbe(probe.key, lambda: fake)], timeout=0.2))
                    result.extend(await check_books(frozen, [BookProbe(probe.key, lambda: None)], timeout=0.1))
        audit_sim(rec, sim).assert_ok()

    asyncio.run(main())
    good, corrupted, missing = result
    assert good.ok
    assert not corrupted.ok and "DIFFERS" in corrupted.detail and "bids level 0" in corrupted.detail
    assert not missing.ok and "not settled" in missing.detail


def test_sent_log_over_http_equals_the_in_process_log() -> None:
    async def main() -> None:
        rec = AuditRecorder()
        async with asyncio.timeout(20.0):
            async with Simulator(seed=31, symbols=["BTC_USDT"], rate_hz=50) as sim:
                urls = sim.urls[("gateio", "futures")]
                async with hft_ws.WebSocketManager(rec, ping_interval=0.2) as mgr:
                    mgr.add(GateFuturesPublic(["BTC_USDT"], ["book"], ws_url=urls["ws"], rest_url=urls["rest"]))
                    await sim.inject("gateio", "futures", "gap", count=1)
                    async with asyncio.timeout(5.0):
                        while len(sim.sent_log("gateio", "futures", "BTC_USDT")) < 10:
                            await asyncio.sleep(0.01)
                async with aiohttp.ClientSession() as http:
                    q = {"exchange": "gateio", "market": "futures", "symbol": "BTC_USDT"}
                    async with http.get(f"{sim.control_url}/sent", params=q) as resp:
                        body = await resp.json()
                    async with http.get(f"{sim.control_url}/sent", params={**q, "market": "options"}) as resp:
                        assert resp.status == 404
                local = sim.sent_log("gateio", "futures", "BTC_USDT")
                assert [SentRange(*row) for row in body["sent"]] == local
                assert any(r.status == "skipped" for r in local)
                audit(rec, {("gateio", "futures", "BTC_USDT"): [SentRange(*row) for row in body["sent"]]}).assert_ok()

    asyncio.run(main())


def test_fills_delivered_twice_fail() -> None:
    rec = AuditRecorder()
    fill = (FILL, "gateio", "futures", "BTC_USDT")
    rec.log = [(*fill, "10"), (*fill, "11"), (STATE, "gateio", "futures", None, "disconnected", None),
               (*fill, "14"), (*fill, "15"), (*fill, "17"), (*fill, "15"), (FILL, "gateio", "spot", "X", "15")]
    reps = check_accounts(rec)
    fut, spot = reps[("gateio", "futures")], reps[("gateio", "spot")]
    assert fut.fills == 6 and fut.duplicates == ["15"] and not fut.ok and "twice" in fut.problems()[0]
    assert fut.id_jumps == 1 and fut.id_jumps_unreported == [(16, 16)]
    assert spot.ok and spot.fills == 1
