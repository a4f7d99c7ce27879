"""A simulated trading account: orders, fills, balances and positions pushed on the private channels.

Each step places a limit order on one symbol, then fills it (partly or fully); the order, fill, balance and
(futures) position messages go out in each exchange's documented layout. The account is bookkeeping only —
it does not touch the public books.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import pb
from .core import now_ms

if TYPE_CHECKING:
    from .gate import GateEndpoint
    from .mexc import MexcFuturesEndpoint, MexcSpotEndpoint


def _d(x: Decimal) -> str:
    out = format(x.normalize(), "f") if x != 0 else "0"
    return out


@dataclass
class AccountState:
    quote: Decimal = Decimal(100000)
    base: dict[str, Decimal] = field(default_factory=dict)
    positions: dict[str, int] = field(default_factory=dict)  # contracts, signed
    entry: dict[str, Decimal] = field(default_factory=dict)
    order_seq: int = 700_000_000_000_000_000  # ids beyond 2^53, as the exchanges' are
    trade_seq: int = 5_000_000
    update_seq: int = 0


class Account:
    def __init__(self, rng: random.Random, uid: str) -> None:
        self.rng = rng
        self.uid = uid
        self.state: dict[tuple[str, str], AccountState] = {}

    def _st(self, exchange: str, market: str) -> AccountState:
        return self.state.setdefault((exchange, market), AccountState())

    def _order(self, price_text: str, spot: bool) -> tuple[str, Decimal, Decimal, Decimal]:
        side = "buy" if self.rng.random() < 0.5 else "sell"
        price = Decimal(price_text)
        qty = Decimal(self.rng.randint(1, 500)) / (Decimal(1000) if spot else Decimal(1))
        fill = qty if self.rng.random() < 0.6 else (qty / 2).quantize(Decimal("0.001") if spot else Decimal(1))
        if fill <= 0:
            fill = qty
        return side, price, qty, fill

    # ----------------------------------------------------------------------------------- Gate
    def gate_step(self, ep: GateEndpoint, symbol: str, price_text: str) -> None:
        st = self._st("gateio", ep.market)
        spot = ep.market == "spot"
        side, price, qty, fill = self._order(price_text, spot)
        st.order_seq += 1
        st.trade_seq += 1
        st.update_seq += 1
        oid = st.order_seq
        ms = now_ms()
        left = qty - fill
        if spot:
            base_ccy, quote_ccy = symbol.split("_", 1)
            common: dict[str, Any] = {
                "id": str(oid),
                "user": int(self.uid),
                "text": "t-sim",
                "create_time": str(ms // 1000),
                "create_time_ms": str(ms),
                "currency_pair": symbol,
                "type": "limit",
                "account": "spot",
                "side": side,
                "amount": _d(qty),
                "price": _d(price),
                "time_in_force": "gtc",
                "fee_currency": base_ccy if side == "buy" else quote_ccy,
                "point_fee": "0",
                "gt_fee": "0",
                "gt_discount": False,
                "rebated_fee": "0",
                "rebated_fee_currency": quote_ccy,
                "auto_repay": False,
                "auto_borrow": False,
                "stp_id": 0,
                "stp_act": "-",
                "biz_info": "",
                "amend_text": "-",
            }
            placed = dict(
                common,
                event="put",
                update_time=str(ms // 1000),
                update_time_ms=str(ms),
                left=_d(qty),
                filled_total="0",
                filled_amount="0",
                avg_deal_price="0",
                fee="0",
                finish_as="open",
            )
            fee = (fill * Decimal("0.002")).normalize()
            done = dict(
                common,
                event="finish" if left == 0 else "update",
                update_time=str(ms // 1000),
                update_time_ms=str(ms),
                left=_d(left),
                filled_total=_d(fill * price),
                filled_amount=_d(fill),
                avg_deal_price=_d(price),
                fee=_d(fee),
                finish_as="filled" if left == 0 else "open",
            )
            ep.publish_private("orders", symbol, [placed])
            ep.publish_private("orders", symbol, [done])
            trade = {
                "id": st.trade_seq,
                "user_id": int(self.uid),
                "order_id": str(oid),
                "currency_pair": symbol,
                "create_time": ms // 1000,
                "create_time_ms": f"{ms}.000",
                "side": side,
                "amount": _d(fill),
                "role": "maker",
                "price": _d(price),
                "fee": _d(fee),
                "fee_currency": common["fee_currency"],
                "point_fee": "0",
                "gt_fee": "0",
                "text": "t-sim",
                "id_market": st.trade_seq,
            }
            ep.publish_private("usertrades", symbol, [trade])
            change = -(fill * price) if side == "buy" else fill * price
            st.quote += change
            ep.publish_private(
                "balances",
                None,
                [
                    {
                        "timestamp": str(ms // 1000),
                        "timestamp_ms": str(ms),
                        "user": self.uid,
                        "currency": quote_ccy,
                        "change": _d(change),
                        "total": _d(st.quote),
                        "available": _d(st.quote),
                        "freeze": "0",
                        "freeze_change": "0",
                        "change_type": "order-match",
                    }
                ],
            )
            return
        size = int(qty) if side == "buy" else -int(qty)
        filled = int(fill) if side == "buy" else -int(fill)
        fprice = float(price)
        base_order: dict[str, Any] = {
            "contract": symbol,
            "create_time": ms // 1000,
            "create_time_ms": ms,
            "fill_price": 0,
            "finish_as": "_new",
            "finish_time": 0,
            "finish_time_ms": 0,
            "iceberg": 0,
            "id": oid,
            "is_close": False,
            "is_liq": False,
            "is_reduce_only": False,
            "left": size,
            "mkfr": -0.0001,
            "price": fprice,
            "refr": 0,
            "refu": 0,
            "size": size,
            "status": "open",
            "text": "t-sim",
            "tif": "gtc",
            "tkfr": 0.0005,
            "user": self.uid,
            "update_id": 1,
            "update_time": ms,
            "stop_profit_price": "",
            "stop_loss_price": "",
        }
        ep.publish_private("orders", symbol, [base_order])
        finished = left == 0
        after = dict(
            base_order,
            fill_price=fprice,
            left=size - filled,
            update_id=2,
            finish_as="filled" if finished else "_update",
            status="finished" if finished else "open",
            finish_time=ms // 1000 if finished else 0,
            finish_time_ms=ms if finished else 0,
        )
        ep.publish_private("orders", symbol, [after])
        ffee = round(abs(filled) * fprice * 0.0001 * 1e-4, 8)
        ep.publish_private(
            "usertrades",
            symbol,
            [
                {
                    "id": str(st.trade_seq),
                    "create_time": ms // 1000,
                    "create_time_ms": ms,
                    "contract": symbol,
                    "order_id": str(oid),
                    "size": filled,
                    "price": _d(price),
                    "role": "maker",
                    "text": "t-sim",
                    "fee": ffee,
                    "point_fee": 0,
                }
            ],
        )
        pos = st.positions.get(symbol, 0) + filled
        st.positions[symbol] = pos
        st.entry[symbol] = price
        ep.publish_private(
            "positions",
            symbol,
            [
                {
                    "contract": symbol,
                    "cross_leverage_limit": 0,
                    "entry_price": fprice if pos else 0,
                    "history_pnl": 0,
                    "history_point": 0,
                    "last_close_pnl": 0,
                    "leverage": 10,
                    "leverage_max": 100,
                    "liq_price": round(fprice * (0.9 if pos > 0 else 1.1), 1) if pos else 0,
                    "maintenance_rate": 0.005,
                    "margin": round(abs(pos) * fprice * 1e-4 / 10, 8),
                    "mode": "single",
                    "realised_pnl": -ffee,
                    "realised_point": 0,
                    "risk_limit": 1000000,
                    "size": pos,
                    "time": ms // 1000,
                    "time_ms": ms,
                    "user": self.uid,
                    "update_id": st.update_seq,
                }
            ],
        )
        st.quote -= Decimal(str(ffee))
        ep.publish_private(
            "balances",
            None,
            [
                {
                    "balance": float(st.quote),
                    "change": -ffee,
                    "text": f"{symbol}:{oid}",
                    "time": ms // 1000,
                    "time_ms": ms,
                    "type": "fee",
                    "user": self.uid,
                    "currency": "USDT",
                }
            ],
        )

    # ----------------------------------------------------------------------------------- MEXC
    def mexc_spot_step(self, ep: MexcSpotEndpoint, symbol: str, price_text: str) -> None:
        st = self._st("mexc", "spot")
        side, price, qty, fill = self._order(price_text, True)
        st.order_seq += 1
        st.trade_seq += 1
        ms = now_ms()
        oid = f"C02__{st.order_seq}"
        trade_type = 1 if side == "buy" else 2
        left = qty - fill
        placed = pb.PrivateOrder(
            oid,
            "",
            _d(price),
            _d(qty),
            _d(qty * price),
            "0",
            1,
            trade_type,
            True,
            _d(qty * price),
            _d(qty),
            None,
            "0",
            "0",
            1,
            ms,
        )
        ep.publish_private("orders", symbol, pb.PRIVATE_ORDERS, pb.private_orders(placed))
        filled = pb.PrivateOrder(
            oid,
            "",
            _d(price),
            _d(qty),
            _d(qty * price),
            _d(price),
            1,
            trade_type,
            True,
            _d(left * price),
            _d(left),
            _d(fill),
            _d(fill),
            _d(fill * price),
            2 if left == 0 else 3,
            ms,
        )
        ep.publish_private("orders", symbol, pb.PRIVATE_ORDERS, pb.private_orders(filled))
        fee = (fill * price * Decimal("0.0005")).normalize()
        deal = pb.PrivateDeal(
            _d(price),
            _d(fill),
            _d(fill * price),
            trade_type,
            True,
            False,
            f"{st.order_seq}X{st.trade_seq}",
            "",
            oid,
            _d(fee),
            "USDT",
            ms,
        )
        ep.publish_private("deals", symbol, pb.PRIVATE_DEALS, pb.private_deals(deal))
        change = -(fill * price) - fee if side == "buy" else fill * price - fee
        st.quote += change
        acct = pb.PrivateAccount(
            "USDT", "128f589271cb4951b03e71e6323eb7be", _d(st.quote), _d(change), "0", "0", "ENTRUST", ms
        )
        ep.publish_private("account", None, pb.PRIVATE_ACCOUNT, pb.private_account(acct))

    def mexc_futures_step(self, ep: MexcFuturesEndpoint, symbol: str, price_text: str) -> None:
        st = self._st("mexc", "futures")
        side, price, qty, fill = self._order(price_text, False)
        st.order_seq += 1
        st.trade_seq += 1
        st.update_seq += 1
        ms = now_ms()
        fprice = float(price)
        vol, dvol = int(qty), int(fill)
        finished = dvol == vol
        mside = 1 if side == "buy" else 3  # open long / open short
        order: dict[str, Any] = {
            "orderId": str(st.order_seq),
            "symbol": symbol,
            "positionId": 1397818,
            "price": fprice,
            "vol": vol,
            "leverage": 10,
            "side": mside,
            "category": 1,
            "orderType": 1,
            "dealAvgPrice": 0,
            "dealVol": 0,
            "orderMargin": round(vol * fprice * 1e-4 / 10, 8),
            "usedMargin": 0,
            "takerFee": 0,
            "makerFee": 0,
            "profit": 0,
            "feeCurrency": "USDT",
            "openType": 2,
            "state": 2,
            "errorCode": 0,
            "externalOid": f"sim-{st.order_seq}",
            "createTime": ms,
            "updateTime": ms,
            "remainVol": vol,
            "version": 1,
        }
        ep.publish_private("order", symbol, order)
        fee = round(dvol * fprice * 1e-4 * 0.0002, 8)
        ep.publish_private(
            "order",
            symbol,
            dict(
                order,
                dealAvgPrice=fprice,
                dealVol=dvol,
                makerFee=fee,
                state=3 if finished else 2,
                remainVol=vol - dvol,
                version=2,
            ),
        )
        ep.publish_private(
            "order.deal",
            symbol,
            {
                "id": str(st.trade_seq),
                "symbol": symbol,
                "side": mside,
                "vol": dvol,
                "price": fprice,
                "feeCurrency": "USDT",
                "fee": fee,
                "timestamp": ms,
                "profit": 0,
                "isTaker": False,
                "category": 1,
                "orderId": str(st.order_seq),
                "isSelf": False,
                "externalOid": f"sim-{st.order_seq}",
                "positionMode": 1,
                "reduceOnly": False,
                "opponentUid": 0,
            },
        )
        pos = st.positions.get(symbol, 0) + (dvol if side == "buy" else -dvol)
        st.positions[symbol] = pos
        ep.publish_private(
            "position",
            symbol,
            {
                "positionId": 1397818,
                "symbol": symbol,
                "holdVol": abs(pos),
                "positionType": 1 if pos >= 0 else 2,
                "openType": 2,
                "state": 1 if pos else 3,
                "frozenVol": 0,
                "closeVol": 0,
                "holdAvgPrice": fprice,
                "closeAvgPrice": 0,
                "openAvgPrice": fprice,
                "liquidatePrice": round(fprice * (0.9 if pos >= 0 else 1.1), 1),
                "oim": round(abs(pos) * fprice * 1e-4 / 10, 8),
                "im": round(abs(pos) * fprice * 1e-4 / 10, 8),
                "adlLevel": 1,
                "holdFee": 0,
                "realised": -fee,
                "leverage": 10,
                "autoAddIm": False,
                "createTime": ms,
                "updateTime": ms,
            },
        )
        st.quote -= Decimal(str(fee))
        ep.publish_private(
            "asset",
            None,
            {
                "currency": "USDT",
                "positionMargin": round(abs(pos) * fprice * 1e-4 / 10, 8),
                "frozenBalance": 0,
                "availableBalance": float(st.quote),
                "cashBalance": float(st.quote),
                "bonus": 0,
            },
        )
