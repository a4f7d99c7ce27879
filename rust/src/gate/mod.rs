//! Gate.io WebSocket v4 parsers (spot and futures): every channel of `protocols/gateio.md` to the
//! spec's event classes, plus the REST order-book bodies. Stateless; JSON read by the strict
//! borrowed reader in `mexc::jsonv` (exact number tokens, last-wins duplicate keys, depth limit).

mod util;

use crate::error::ParseError;
use crate::events::{
    AccountEvent, ApiReply, BalanceUpdate, BookTicker, ControlEvent, ControlKind, Dec, DepthUpdate,
    ErrorReply, Event, Exchange, Fill, Kline, Levels, Liquidation, MarginMode, Market, Meta,
    OrderStatus, OrderType, OrderUpdate, PositionUpdate, Raw, Side, SmallStr, StatsUpdate, Ticker,
    Trade, Unknown,
};
use crate::mexc::jsonv::{self, J};
use util::*;

/// Frame-level context every event of one frame shares.
struct Frame<'f> {
    market: Market,
    channel: &'f str,
    time_ms: Option<i64>,
    recv_ts_ns: Option<i64>,
}

impl Frame<'_> {
    fn meta(&self, symbol: Option<String>, ts_ms: Option<i64>) -> Meta {
        Meta {
            exchange: Exchange::Gateio,
            market: self.market,
            symbol,
            channel: self.channel.to_string(),
            exchange_ts_ms: ts_ms.or(self.time_ms),
            recv_ts_ns: self.recv_ts_ns,
        }
    }
}

/// Parse one text frame (UTF-8 bytes) of the given market.
pub fn parse(buf: &[u8], market: Market, recv_ts_ns: Option<i64>) -> R<Vec<Event>> {
    let doc = jsonv::parse(buf).map_err(json_error)?;
    let v = doc.root();
    require_object(v, "frame", "top level")?;
    if v.get("channel").is_none() && v.get("header").is_some() {
        return api_reply(v, market, recv_ts_ns).map(|e| vec![e]);
    }
    let channel = match v.get("channel") {
        Some(J::Str(s)) => s,
        Some(other) => {
            return Err(ParseError::invalid(
                "channel",
                "frame",
                format!("expected a string, got {}", other.type_name()),
            ))
        }
        None => return Err(ParseError::missing("channel", "frame")),
    };
    let f = Frame {
        market,
        channel,
        time_ms: opt_ms(v.get("time_ms")),
        recv_ts_ns,
    };
    let event = match v.get("event") {
        None | Some(J::Null) => None,
        Some(J::Str(s)) => Some(s),
        Some(other) => {
            return Err(ParseError::invalid(
                "event",
                channel,
                format!("expected a string, got {}", other.type_name()),
            ))
        }
    };
    let request_id = match v.get("id") {
        None | Some(J::Null) => None,
        Some(id) => Some(to_value(id)),
    };
    let result = v.get("result").unwrap_or(J::Null);

    if let Some(err) = v.get("error").filter(|e| !matches!(e, J::Null)) {
        return error_reply(&f, err, request_id).map(|e| vec![e]);
    }
    let base = channel.split_once('.').map_or(channel, |(_, b)| b);
    if base == "pong" {
        return Ok(vec![control(&f, ControlKind::Pong, request_id, None)]);
    }
    match event {
        Some("subscribe") | Some("unsubscribe") => {
            let kind = if event == Some("subscribe") {
                ControlKind::Subscribed
            } else {
                ControlKind::Unsubscribed
            };
            let detail = opt_str(result.get("status"));
            return Ok(vec![control(&f, kind, request_id, detail)]);
        }
        _ => {}
    }
    if base == "system" {
        let detail = opt_str(result.get("msg")).or_else(|| opt_str(result.get("type")));
        return Ok(vec![control(&f, ControlKind::System, request_id, detail)]);
    }
    let known = is_known(market, base);
    if !known {
        return Ok(vec![unknown(&f, buf)]);
    }
    if matches!(result, J::Null) {
        return Err(ParseError::missing("result", channel));
    }
    match base {
        "tickers" => tickers(&f, result),
        "trades" | "trades_v2" => trades(&f, result),
        "candlesticks" => candles(&f, result),
        "book_ticker" => book_ticker(&f, result).map(|e| vec![e]),
        "order_book_update" => book_update(&f, result, false).map(|e| vec![e]),
        "obu" => book_update(&f, result, true).map(|e| vec![e]),
        "order_book" if event == Some("update") && market == Market::Futures => {
            legacy_update(&f, result).map(|e| vec![e])
        }
        "order_book" => book_snapshot(&f, result).map(|e| vec![e]),
        "contract_stats" => each(result, channel, |e| {
            Ok(Event::Stats(StatsUpdate {
                meta: f.meta(opt_str(e.get("contract")), None),
                fields: to_fields(e),
            }))
        }),
        "public_liquidates" => liquidations(&f, result),
        "orders" | "orders_v2" => each(result, channel, |e| order(&f, e)),
        "usertrades" | "usertrades_v2" => each(result, channel, |e| fill(&f, e)),
        "balances" => each(result, channel, |e| balance(&f, e)),
        "positions" => each(result, channel, |e| position(&f, e)),
        _ => each(result, channel, |e| {
            let symbol = opt_str(e.get("currency_pair")).or_else(|| opt_str(e.get("contract")));
            Ok(Event::Account(AccountEvent {
                meta: f.meta(symbol, None),
                topic: channel.to_string(),
                fields: to_fields(e),
            }))
        }),
    }
}

/// Channels the protocol notes list (others give `Unknown`).
fn is_known(market: Market, base: &str) -> bool {
    const COMMON: &[&str] = &[
        "tickers",
        "trades",
        "candlesticks",
        "book_ticker",
        "order_book_update",
        "order_book",
        "obu",
        "orders",
        "usertrades",
        "balances",
    ];
    const SPOT: &[&str] = &[
        "trades_v2",
        "orders_v2",
        "usertrades_v2",
        "margin_balances",
        "funding_balances",
        "cross_balances",
        "cross_loan",
        "priceorders",
    ];
    const FUTURES: &[&str] = &[
        "contract_stats",
        "public_liquidates",
        "positions",
        "autoorders",
        "liquidates",
        "auto_deleverages",
        "position_closes",
        "reduce_risk_limits",
        "position_adl_rank",
    ];
    COMMON.contains(&base)
        || match market {
            Market::Spot => SPOT.contains(&base),
            Market::Futures => FUTURES.contains(&base),
        }
}

fn each<'a>(result: J<'a>, ctx: &str, mut one: impl FnMut(J<'a>) -> R<Event>) -> R<Vec<Event>> {
    let items = entries(result, ctx)?;
    let mut out = Vec::with_capacity(items.len());
    for item in items.iter() {
        require_object(item, "result entry", ctx)?;
        out.push(one(item)?);
    }
    Ok(out)
}

fn control(
    f: &Frame<'_>,
    kind: ControlKind,
    request_id: Option<crate::events::Value>,
    detail: Option<String>,
) -> Event {
    Event::Control(ControlEvent {
        meta: f.meta(None, None),
        control: kind,
        request_id,
        detail,
    })
}

fn unknown(f: &Frame<'_>, buf: &[u8]) -> Event {
    let raw = match std::str::from_utf8(buf) {
        Ok(s) => Raw::Text(s.to_string()),
        Err(_) => Raw::Binary(buf.to_vec()),
    };
    Event::Unknown(Unknown {
        meta: f.meta(None, None),
        raw,
    })
}

fn error_reply(f: &Frame<'_>, err: J<'_>, request_id: Option<crate::events::Value>) -> R<Event> {
    require_object(err, "error", f.channel)?;
    let code = match err.get("code") {
        None | Some(J::Null) => None,
        Some(c) => Some(c.as_i64().ok_or_else(|| {
            ParseError::invalid(
                "error.code",
                f.channel,
                format!("expected an integer, got {}", c.type_name()),
            )
        })?),
    };
    let message = match err.get("message") {
        Some(J::Str(s)) => Some(s.to_string()),
        _ => None,
    };
    Ok(Event::ErrorReply(ErrorReply {
        meta: f.meta(None, None),
        code,
        message,
        request_id,
    }))
}

fn tickers(f: &Frame<'_>, result: J<'_>) -> R<Vec<Event>> {
    each(result, f.channel, |t| {
        let c = f.channel;
        let symbol = opt_str(t.get("currency_pair")).or_else(|| opt_str(t.get("contract")));
        let (base_volume, quote_volume) = match f.market {
            Market::Spot => (
                dec(t.get("base_volume"), "base_volume", c)?,
                dec(t.get("quote_volume"), "quote_volume", c)?,
            ),
            Market::Futures => (
                dec(t.get("volume_24h_base"), "volume_24h_base", c)?,
                dec(t.get("volume_24h_quote"), "volume_24h_quote", c)?,
            ),
        };
        Ok(Event::Ticker(Ticker {
            meta: f.meta(symbol, opt_ms(t.get("t"))),
            last: dec(t.get("last"), "last", c)?,
            bid: dec(t.get("highest_bid"), "highest_bid", c)?,
            ask: dec(t.get("lowest_ask"), "lowest_ask", c)?,
            high: dec(t.get("high_24h"), "high_24h", c)?,
            low: dec(t.get("low_24h"), "low_24h", c)?,
            base_volume,
            quote_volume,
            change_pct: dec(t.get("change_percentage"), "change_percentage", c)?,
        }))
    })
}

fn trades(f: &Frame<'_>, result: J<'_>) -> R<Vec<Event>> {
    each(result, f.channel, |t| {
        let c = f.channel;
        let price = req_dec(t.get("price"), "price", c)?;
        let ts = opt_ms(t.get("create_time_ms"));
        match f.market {
            Market::Spot => {
                let qty = abs_dec(&req_dec(t.get("amount"), "amount", c)?, "amount", c)?;
                let side_code = opt_str(t.get("side"));
                Ok(Event::Trade(Trade {
                    meta: f.meta(opt_str(t.get("currency_pair")), ts),
                    price,
                    qty,
                    side: side_code.as_deref().and_then(side_of),
                    side_code,
                    trade_id: id_text(t.get("id")),
                }))
            }
            Market::Futures => {
                let size = req_dec(t.get("size"), "size", c)?;
                let side = match sign(&size) {
                    1 => Some(Side::Buy),
                    -1 => Some(Side::Sell),
                    _ => None,
                };
                Ok(Event::Trade(Trade {
                    meta: f.meta(opt_str(t.get("contract")), ts),
                    price,
                    qty: abs_dec(&size, "size", c)?,
                    side,
                    side_code: None,
                    trade_id: id_text(t.get("id")),
                }))
            }
        }
    })
}

fn side_of(s: &str) -> Option<Side> {
    match s {
        "buy" => Some(Side::Buy),
        "sell" => Some(Side::Sell),
        _ => None,
    }
}

fn candles(f: &Frame<'_>, result: J<'_>) -> R<Vec<Event>> {
    each(result, f.channel, |k| {
        let c = f.channel;
        let name = match k.get("n") {
            Some(J::Str(s)) => s,
            Some(_) => return Err(ParseError::invalid("n", c, "expected a string")),
            None => return Err(ParseError::missing("n", c)),
        };
        let (interval, symbol) = name
            .split_once('_')
            .ok_or_else(|| ParseError::invalid("n", c, "expected <interval>_<symbol>"))?;
        let open_time_ms = opt_ms(k.get("t")).and_then(|s| s.checked_mul(1000));
        let (volume, quote_volume) = match f.market {
            Market::Spot => (dec(k.get("a"), "a", c)?, dec(k.get("v"), "v", c)?),
            Market::Futures => (dec(k.get("v"), "v", c)?, None),
        };
        Ok(Event::Kline(Kline {
            meta: f.meta(Some(symbol.to_string()), None),
            interval: interval.to_string(),
            open_time_ms,
            open: dec(k.get("o"), "o", c)?,
            high: dec(k.get("h"), "h", c)?,
            low: dec(k.get("l"), "l", c)?,
            close: dec(k.get("c"), "c", c)?,
            volume,
            quote_volume,
            closed: opt_bool(k.get("w")),
        }))
    })
}

fn book_ticker(f: &Frame<'_>, r: J<'_>) -> R<Event> {
    let c = f.channel;
    require_object(r, "result", c)?;
    Ok(Event::BookTicker(BookTicker {
        meta: f.meta(opt_str(r.get("s")), opt_ms(r.get("t"))),
        bid_price: dec(r.get("b"), "b", c)?,
        bid_qty: dec(r.get("B"), "B", c)?,
        ask_price: dec(r.get("a"), "a", c)?,
        ask_qty: dec(r.get("A"), "A", c)?,
        update_id: opt_u64(r.get("u"), "u", c)?,
    }))
}

/// One side of a book: `[[price, size], …]` or `[{"p": price, "s": size}, …]`; absent = no change.
/// Names the level in a level's error: `b[3].price`.
fn at_level(e: ParseError, side: &str, i: usize, part: &str) -> ParseError {
    let name = format!("{side}[{i}].{part}");
    match e {
        ParseError::Missing { context, .. } => ParseError::Missing {
            field: name,
            context,
        },
        ParseError::Invalid {
            context, reason, ..
        } => ParseError::Invalid {
            field: name,
            context,
            reason,
        },
        other => other,
    }
}

fn levels(v: Option<J<'_>>, field: &str, ctx: &str) -> R<Levels> {
    let items = match v {
        None | Some(J::Null) => return Ok(Vec::new()),
        Some(J::Arr(items)) => items,
        Some(other) => {
            return Err(ParseError::invalid(
                field,
                ctx,
                format!("expected an array of levels, got {}", other.type_name()),
            ))
        }
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, level) in items.iter().enumerate() {
        let (p, s) = match level {
            J::Arr(pair) if pair.len() == 2 => (pair.first(), pair.get(1)),
            J::Arr(pair) => {
                return Err(ParseError::invalid(
                    field,
                    ctx,
                    format!("level {i} has {} elements, expected 2", pair.len()),
                ))
            }
            J::Obj(_) => (level.get("p"), level.get("s")),
            other => {
                return Err(ParseError::invalid(
                    field,
                    ctx,
                    format!("level {i} is a {}", other.type_name()),
                ))
            }
        };
        // The error's field name is only formatted on the error path (this loop is hot).
        let price = req_dec_text(p, field, ctx).map_err(|e| at_level(e, field, i, "price"))?;
        let size = req_dec_text(s, field, ctx).map_err(|e| at_level(e, field, i, "size"))?;
        out.push((SmallStr::new(price), SmallStr::new(size)));
    }
    Ok(out)
}

fn book_update(f: &Frame<'_>, r: J<'_>, obu: bool) -> R<Event> {
    let c = f.channel;
    require_object(r, "result", c)?;
    let full = match r.get("full") {
        None | Some(J::Null) => false,
        Some(J::Bool(b)) => b,
        Some(other) => {
            return Err(ParseError::invalid(
                "full",
                c,
                format!("expected a bool, got {}", other.type_name()),
            ))
        }
    };
    let symbol = if obu {
        let stream = opt_str(r.get("s")).ok_or_else(|| ParseError::missing("s", c))?;
        let sym = stream
            .strip_prefix("ob.")
            .and_then(|rest| rest.rsplit_once('.'))
            .filter(|(sym, level)| {
                !sym.is_empty() && !level.is_empty() && level.bytes().all(|b| b.is_ascii_digit())
            })
            .map(|(sym, _)| sym.to_string())
            .ok_or_else(|| {
                ParseError::invalid(
                    "s",
                    c,
                    format!("stream name {stream:?} is not ob.<symbol>.<level>"),
                )
            })?;
        Some(sym)
    } else {
        opt_str(r.get("s"))
    };
    let last = opt_u64(r.get("u"), "u", c)?.ok_or_else(|| ParseError::missing("u", c))?;
    let first = opt_u64(r.get("U"), "U", c)?;
    match first {
        Some(first) if first > last => {
            return Err(ParseError::invalid(
                "U",
                c,
                format!("first update id {first} > last update id {last}"),
            ))
        }
        None if !full => return Err(ParseError::missing("U", format!("{c} incremental update"))),
        _ => {}
    }
    Ok(Event::Depth(DepthUpdate {
        meta: f.meta(symbol, opt_ms(r.get("t"))),
        bids: levels(r.get("b"), "b", c)?,
        asks: levels(r.get("a"), "a", c)?,
        first_seq: first,
        last_seq: Some(last),
        is_snapshot: full,
    }))
}

/// `spot.order_book` / `futures.order_book` (event `all`): a limited-level snapshot.
fn book_snapshot(f: &Frame<'_>, r: J<'_>) -> R<Event> {
    let c = f.channel;
    require_object(r, "result", c)?;
    let symbol = opt_str(r.get("s")).or_else(|| opt_str(r.get("contract")));
    let last = match opt_u64(r.get("lastUpdateId"), "lastUpdateId", c)? {
        Some(id) => Some(id),
        None => opt_u64(r.get("id"), "id", c)?,
    };
    Ok(Event::Depth(DepthUpdate {
        meta: f.meta(symbol, opt_ms(r.get("t"))),
        bids: levels(r.get("bids"), "bids", c)?,
        asks: levels(r.get("asks"), "asks", c)?,
        first_seq: None,
        last_seq: last,
        is_snapshot: true,
    }))
}

/// Legacy `futures.order_book` `update` rows: size > 0 bid, < 0 ask, 0 removes from both sides.
fn legacy_update(f: &Frame<'_>, result: J<'_>) -> R<Event> {
    let c = f.channel;
    let rows = entries(result, c)?;
    let (mut bids, mut asks) = (Vec::new(), Vec::new());
    let (mut lo, mut hi): (Option<u64>, Option<u64>) = (None, None);
    let mut symbol: Option<Option<String>> = None;
    for (i, row) in rows.iter().enumerate() {
        require_object(row, "result entry", c)?;
        let price = req_dec(row.get("p"), &format!("result[{i}].p"), c)?;
        let size = req_dec(row.get("s"), &format!("result[{i}].s"), c)?;
        if let Some(id) = opt_u64(row.get("id"), "id", c)? {
            lo = Some(lo.map_or(id, |l| l.min(id)));
            hi = Some(hi.map_or(id, |h| h.max(id)));
        }
        let sym = opt_str(row.get("c")).or_else(|| opt_str(row.get("contract")));
        symbol = match symbol {
            None => Some(sym),
            Some(prev) if prev == sym => Some(prev),
            Some(_) => Some(None),
        };
        let price = SmallStr::from(price.0);
        match sign(&size) {
            1 => bids.push((price, SmallStr::from(size.0))),
            -1 => asks.push((price, SmallStr::from(abs_dec(&size, "s", c)?.0))),
            _ => {
                let size = SmallStr::from(size.0);
                bids.push((price.clone(), size.clone()));
                asks.push((price, size));
            }
        }
    }
    Ok(Event::Depth(DepthUpdate {
        meta: f.meta(symbol.flatten(), None),
        bids,
        asks,
        first_seq: lo,
        last_seq: hi,
        is_snapshot: false,
    }))
}

fn liquidations(f: &Frame<'_>, result: J<'_>) -> R<Vec<Event>> {
    each(result, f.channel, |l| {
        let c = f.channel;
        let size = dec(l.get("size"), "size", c)?;
        let qty = match &size {
            Some(s) => Some(abs_dec(s, "size", c)?),
            None => None,
        };
        // The observed bare object carries milliseconds in `time`.
        let ts = opt_ms(l.get("time_ms"))
            .or_else(|| opt_ms(l.get("time")).filter(|t| *t >= 100_000_000_000));
        Ok(Event::Liquidation(Liquidation {
            meta: f.meta(opt_str(l.get("contract")), ts),
            price: dec(l.get("price"), "price", c)?,
            qty,
            side: None,
        }))
    })
}

fn order_type(kind: Option<&str>, tif: Option<&str>) -> OrderType {
    match (kind, tif) {
        (Some("market"), _) => OrderType::Market,
        (_, Some("ioc")) => OrderType::Ioc,
        (_, Some("fok")) => OrderType::Fok,
        (_, Some("poc")) => OrderType::PostOnly,
        (Some("limit") | None, _) => OrderType::Limit,
        _ => OrderType::Other,
    }
}

fn finish_status(finish_as: Option<&str>) -> OrderStatus {
    match finish_as {
        Some("filled") => OrderStatus::Filled,
        Some(
            "cancelled"
            | "liquidated"
            | "ioc"
            | "stp"
            | "reduce_only"
            | "position_close"
            | "reduce_out"
            | "auto_deleveraging"
            | "liquidate_cancelled",
        ) => OrderStatus::Cancelled,
        Some("poc" | "fok" | "trader_not_enough" | "depth_not_enough" | "small") => {
            OrderStatus::Rejected
        }
        _ => OrderStatus::Unknown,
    }
}

/// `a - b` as exact plain text (both validated decimals); `None` if not representable.
fn sub_text(a: &Dec, b: &Dec) -> Option<Dec> {
    let x = crate::num::parse_fixed(a.as_str()).ok()?;
    let y = crate::num::parse_fixed(b.as_str()).ok()?;
    x.checked_sub(&y).map(|d| Dec::new(d.to_plain_string()))
}

fn order(f: &Frame<'_>, o: J<'_>) -> R<Event> {
    let c = f.channel;
    let tif = opt_str(o.get("time_in_force")).or_else(|| opt_str(o.get("tif")));
    let finish_as = opt_str(o.get("finish_as"));
    match f.market {
        Market::Spot => {
            let kind = opt_str(o.get("type"));
            let ev = opt_str(o.get("event"));
            let qty = dec(o.get("amount"), "amount", c)?;
            let left = dec(o.get("left"), "left", c)?;
            // `amount - left` first: the docs' own example sends a `filled_amount` that
            // contradicts `left`.
            let filled_amount = dec(o.get("filled_amount"), "filled_amount", c)?;
            let filled_qty = match (&qty, &left) {
                (Some(q), Some(l)) => sub_text(q, l).or(filled_amount),
                _ => filled_amount,
            };
            let partly = filled_qty.as_ref().is_some_and(|q| sign(q) != 0);
            let status = match ev.as_deref() {
                Some("put") => OrderStatus::New,
                Some("update") if partly => OrderStatus::PartiallyFilled,
                Some("update") => OrderStatus::Open,
                Some("finish") => finish_status(finish_as.as_deref()),
                _ => OrderStatus::Unknown,
            };
            let status_code = match (ev.as_deref(), finish_as) {
                (Some("finish"), Some(fa)) => Some(fa),
                (e, _) => e.map(str::to_string),
            };
            let side_code = opt_str(o.get("side"));
            Ok(Event::Order(OrderUpdate {
                meta: f.meta(
                    opt_str(o.get("currency_pair")),
                    opt_ms(o.get("update_time_ms")),
                ),
                order_id: id_text(o.get("id")),
                client_order_id: opt_str(o.get("text")),
                side: side_code.as_deref().and_then(side_of),
                side_code,
                order_type: order_type(kind.as_deref(), tif.as_deref()),
                order_type_code: kind,
                status,
                status_code,
                price: dec(o.get("price"), "price", c)?,
                qty,
                filled_qty,
                avg_price: dec(o.get("avg_deal_price"), "avg_deal_price", c)?,
                update_ts_ms: opt_ms(o.get("update_time_ms")),
            }))
        }
        Market::Futures => {
            let size = dec(o.get("size"), "size", c)?;
            let left = dec(o.get("left"), "left", c)?;
            let side = size.as_ref().and_then(|s| match sign(s) {
                1 => Some(Side::Buy),
                -1 => Some(Side::Sell),
                _ => None,
            });
            let qty = match &size {
                Some(s) => Some(abs_dec(s, "size", c)?),
                None => None,
            };
            let filled_qty = match (&qty, &left) {
                (Some(q), Some(l)) => sub_text(q, &abs_dec(l, "left", c)?),
                _ => None,
            };
            let st = opt_str(o.get("status"));
            let partly = filled_qty.as_ref().is_some_and(|q| sign(q) != 0);
            let status = match st.as_deref() {
                Some("open") if partly => OrderStatus::PartiallyFilled,
                Some("open") => OrderStatus::Open,
                Some("finished") => finish_status(finish_as.as_deref()),
                _ => OrderStatus::Unknown,
            };
            let price = dec(o.get("price"), "price", c)?;
            let is_market =
                price.as_ref().is_some_and(|p| sign(p) == 0) && tif.as_deref() == Some("ioc");
            let order_type = if is_market {
                OrderType::Market
            } else {
                order_type(Some("limit"), tif.as_deref())
            };
            let status_code = match (st.as_deref(), finish_as) {
                (Some("finished"), Some(fa)) => Some(fa),
                (s, _) => s.map(str::to_string),
            };
            let update_ts = opt_ms(o.get("update_time"))
                .or_else(|| opt_ms(o.get("finish_time_ms")).filter(|t| *t > 0));
            Ok(Event::Order(OrderUpdate {
                meta: f.meta(opt_str(o.get("contract")), update_ts),
                order_id: id_text(o.get("id")),
                client_order_id: opt_str(o.get("text")),
                side,
                side_code: None,
                order_type,
                order_type_code: tif,
                status,
                status_code,
                price,
                qty,
                filled_qty,
                avg_price: dec(o.get("fill_price"), "fill_price", c)?,
                update_ts_ms: update_ts,
            }))
        }
    }
}

fn fill(f: &Frame<'_>, t: J<'_>) -> R<Event> {
    let c = f.channel;
    let symbol = opt_str(t.get("currency_pair")).or_else(|| opt_str(t.get("contract")));
    let (side, side_code, qty) = match f.market {
        Market::Spot => {
            let code = opt_str(t.get("side"));
            let qty = match dec(t.get("amount"), "amount", c)? {
                Some(a) => Some(abs_dec(&a, "amount", c)?),
                None => None,
            };
            (code.as_deref().and_then(side_of), code, qty)
        }
        Market::Futures => {
            let size = dec(t.get("size"), "size", c)?;
            let side = size.as_ref().and_then(|s| match sign(s) {
                1 => Some(Side::Buy),
                -1 => Some(Side::Sell),
                _ => None,
            });
            let qty = match &size {
                Some(s) => Some(abs_dec(s, "size", c)?),
                None => None,
            };
            (side, None, qty)
        }
    };
    let is_maker = match t.get("role") {
        Some(J::Str("maker")) => Some(true),
        Some(J::Str("taker")) => Some(false),
        _ => None,
    };
    Ok(Event::Fill(Fill {
        meta: f.meta(symbol, opt_ms(t.get("create_time_ms"))),
        trade_id: id_text(t.get("id")),
        order_id: id_text(t.get("order_id")),
        side,
        side_code,
        price: dec(t.get("price"), "price", c)?,
        qty,
        fee: dec(t.get("fee"), "fee", c)?,
        fee_asset: opt_str(t.get("fee_currency")),
        is_maker,
    }))
}

fn balance(f: &Frame<'_>, b: J<'_>) -> R<Event> {
    let c = f.channel;
    let (free, locked, ts) = match f.market {
        Market::Spot => (
            dec(b.get("available"), "available", c)?,
            dec(b.get("freeze"), "freeze", c)?,
            opt_ms(b.get("timestamp_ms")),
        ),
        // Gate futures sends only the total balance.
        Market::Futures => (
            dec(b.get("balance"), "balance", c)?,
            None,
            opt_ms(b.get("time_ms")),
        ),
    };
    Ok(Event::Balance(BalanceUpdate {
        meta: f.meta(None, ts),
        asset: opt_str(b.get("currency")),
        free,
        locked,
    }))
}

fn position(f: &Frame<'_>, p: J<'_>) -> R<Event> {
    let c = f.channel;
    let leverage = dec(p.get("leverage"), "leverage", c)?;
    // Gate: leverage 0 means cross margin.
    let margin_mode = leverage.as_ref().map(|l| {
        if sign(l) == 0 {
            MarginMode::Cross
        } else {
            MarginMode::Isolated
        }
    });
    Ok(Event::Position(PositionUpdate {
        meta: f.meta(opt_str(p.get("contract")), opt_ms(p.get("time_ms"))),
        size: dec(p.get("size"), "size", c)?,
        entry_price: dec(p.get("entry_price"), "entry_price", c)?,
        leverage,
        margin_mode,
        liq_price: dec(p.get("liq_price"), "liq_price", c)?,
    }))
}

/// WS trading API: `{request_id, ack?, header{status, channel, event, response_time}, data{result|errs}}`.
fn api_reply(v: J<'_>, market: Market, recv_ts_ns: Option<i64>) -> R<Event> {
    let header = v.get("header").unwrap_or(J::Null);
    require_object(header, "header", "API reply")?;
    let channel = opt_str(header.get("channel")).unwrap_or_default();
    let status = match header.get("status") {
        Some(J::Str(s)) => Some(s.to_string()),
        Some(J::Num(n)) => Some(n.to_string()),
        _ => None,
    };
    let data = v.get("data").unwrap_or(J::Null);
    let errs = data.get("errs").filter(|e| !matches!(e, J::Null));
    let (code, message) = match errs {
        Some(e) => (opt_str(e.get("label")), opt_str(e.get("message"))),
        None => (None, None),
    };
    let ok = errs.is_none() && status.as_deref().is_none_or(|s| s.starts_with('2'));
    Ok(Event::ApiReply(ApiReply {
        meta: Meta {
            exchange: Exchange::Gateio,
            market,
            symbol: None,
            channel,
            exchange_ts_ms: opt_ms(header.get("response_time")),
            recv_ts_ns,
        },
        request_id: id_text(v.get("request_id")),
        ok,
        ack: opt_bool(v.get("ack")).unwrap_or(false),
        status,
        result: data
            .get("result")
            .filter(|r| !matches!(r, J::Null))
            .map(to_value),
        code,
        message,
    }))
}

/// A REST order-book body (`GET /spot/order_book` or `/futures/{settle}/order_book`, `with_id=true`).
pub fn parse_snapshot(
    buf: &[u8],
    market: Market,
    symbol: Option<String>,
    recv_ts_ns: Option<i64>,
) -> R<DepthUpdate> {
    let doc = jsonv::parse(buf).map_err(json_error)?;
    let v = doc.root();
    let ctx = "REST order book";
    require_object(v, "body", ctx)?;
    if let Some(label) = opt_str(v.get("label")) {
        let msg = opt_str(v.get("message")).unwrap_or_default();
        return Err(ParseError::invalid(
            "body",
            ctx,
            format!("REST error {label}: {msg}"),
        ));
    }
    let ts = match v.get("update").or_else(|| v.get("current")) {
        Some(J::Num(n)) if !crate::mexc::jsonv::is_integer_token(n) => secs_to_ms(Some(J::Num(n))),
        other => opt_ms(other),
    };
    if v.get("bids").is_none() && v.get("asks").is_none() {
        return Err(ParseError::missing("bids/asks", ctx));
    }
    Ok(DepthUpdate {
        meta: Meta {
            exchange: Exchange::Gateio,
            market,
            symbol,
            channel: "rest.order_book".to_string(),
            exchange_ts_ms: ts,
            recv_ts_ns,
        },
        bids: levels(v.get("bids"), "bids", ctx)?,
        asks: levels(v.get("asks"), "asks", ctx)?,
        first_seq: None,
        last_seq: opt_u64(v.get("id"), "id", ctx)?,
        is_snapshot: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn futures_trade_sign_and_exact_tokens() {
        let f = br#"{"channel":"futures.trades","event":"update","time_ms":5,"result":[{"size":-108,"id":1,"create_time_ms":1000,"price":"96.4","contract":"BTC_USD"}]}"#;
        let evs = parse(f, Market::Futures, Some(7)).unwrap_or_default();
        let Some(Event::Trade(t)) = evs.first() else {
            panic!("no trade")
        };
        assert_eq!(t.qty.as_str(), "108");
        assert_eq!(t.side, Some(Side::Sell));
        assert_eq!(t.meta.exchange_ts_ms, Some(1000));
        assert_eq!(t.meta.recv_ts_ns, Some(7));
    }

    #[test]
    fn semantic_rejections() {
        for (m, f) in [
            (Market::Futures, &br#"{"channel":"futures.order_book_update","event":"update","result":{"U":5,"u":4,"b":[],"a":[]}}"#[..]),
            (Market::Spot, br#"{"channel":"spot.obu","result":{"s":"ob.BTC_USDT.50","u":3,"b":[]}}"#),
            (Market::Futures, br#"{"channel":"futures.obu","result":{"full":true,"s":"BTC_USDT","u":3}}"#),
            (Market::Spot, br#"{"channel":"spot.trades","event":"subscribe","error":{"code":"2","message":"x"}}"#),
        ] {
            assert!(parse(f, m, None).is_err());
        }
    }

    #[test]
    fn legacy_rows() {
        let f = br#"{"channel":"futures.order_book","event":"update","result":[{"p":"97.5","s":6541,"c":"X","id":9},{"p":"97.6","s":-120,"c":"X","id":8},{"p":"97.4","s":0,"c":"X","id":10}]}"#;
        let evs = parse(f, Market::Futures, None).unwrap_or_default();
        let Some(Event::Depth(d)) = evs.first() else {
            panic!("no depth")
        };
        assert_eq!(d.bids.len(), 2);
        assert_eq!(
            d.asks,
            vec![
                (SmallStr::from("97.6"), SmallStr::from("120")),
                (SmallStr::from("97.4"), SmallStr::from("0"))
            ]
        );
        assert_eq!((d.first_seq, d.last_seq), (Some(8), Some(10)));
    }

    #[test]
    fn duplicate_keys_last_wins_and_exact_tokens() {
        let f = br#"{"channel":"futures.positions","event":"update","result":[{"contract":"A","size":1,"size":-3,"entry_price":40000.36666661111,"leverage":0,"liq_price":-1.25e-8}]}"#;
        let evs = parse(f, Market::Futures, None).unwrap_or_default();
        let Some(Event::Position(p)) = evs.first() else {
            panic!("no position")
        };
        assert_eq!(p.size.as_ref().map(Dec::as_str), Some("-3"));
        assert_eq!(
            p.entry_price.as_ref().map(Dec::as_str),
            Some("40000.36666661111")
        );
        assert_eq!(p.liq_price.as_ref().map(Dec::as_str), Some("-1.25e-8"));
        assert_eq!(p.margin_mode, Some(MarginMode::Cross));
    }

    #[test]
    fn string_and_int_sizes_agree() {
        let a = br#"{"channel":"futures.order_book_update","event":"update","result":{"s":"X","U":1,"u":2,"b":[{"p":"1","s":5}],"a":[]}}"#;
        let b = br#"{"channel":"futures.order_book_update","event":"update","result":{"s":"X","U":1,"u":2,"b":[{"p":"1","s":"5"}],"a":[]}}"#;
        assert_eq!(
            parse(a, Market::Futures, None),
            parse(b, Market::Futures, None)
        );
    }

    #[test]
    fn unknown_channel_and_junk() {
        let f = br#"{"channel":"spot.nope","event":"update","result":{}}"#;
        let evs = parse(f, Market::Spot, None).unwrap_or_default();
        assert!(matches!(evs.first(), Some(Event::Unknown(_))));
        for bad in [
            &b"[]"[..],
            b"null",
            b"{\"channel\":1}",
            b"{\"channel\":\"spot.trades\",\"event\":\"update\"}",
        ] {
            assert!(parse(bad, Market::Spot, None).is_err());
        }
        let deep = format!(
            "{{\"channel\":\"spot.trades\",\"result\":{}}}",
            "[".repeat(100_000)
        );
        assert!(matches!(
            parse(deep.as_bytes(), Market::Spot, None),
            Err(ParseError::TooDeep { .. })
        ));
        assert!(matches!(
            parse(b"{\"a\":\"\xff\"}", Market::Spot, None),
            Err(ParseError::Utf8 { .. })
        ));
    }

    #[test]
    fn snapshots() {
        let spot = br#"{"id":17,"current":1700000000123,"update":1700000000120,"asks":[["2","1"]],"bids":[["1","3"]]}"#;
        let d = parse_snapshot(spot, Market::Spot, Some("X".into()), None);
        let Ok(d) = d else { panic!("spot snapshot") };
        assert_eq!(
            (d.last_seq, d.meta.exchange_ts_ms, d.is_snapshot),
            (Some(17), Some(1700000000120), true)
        );
        let fut = br#"{"id":9,"current":1700000000.123,"update":1700000000.1,"asks":[{"p":"2","s":4}],"bids":[]}"#;
        let Ok(d) = parse_snapshot(fut, Market::Futures, None, None) else {
            panic!("futures snapshot")
        };
        assert_eq!(
            (d.last_seq, d.meta.exchange_ts_ms),
            (Some(9), Some(1700000000100))
        );
        assert_eq!(d.asks, vec![(SmallStr::from("2"), SmallStr::from("4"))]);
    }
}
