//! MEXC parser objects producing the crate's event model (`crate::events`) and `ParseError`.

use super::error::MexcError;
use super::out::{self, Field, MexcEvent};
use super::{futures, spot};
use crate::error::{ParseError, ParseResult};
use crate::events::*;

/// Spot: binary frames are protobuf pushes, text frames JSON replies. Stateless.
#[derive(Debug, Default, Clone, Copy)]
pub struct MexcSpotParser;

impl MexcSpotParser {
    /// One binary WebSocket message (a `PushDataV3ApiWrapper`).
    pub fn parse_binary(&self, buf: &[u8], recv_ts_ns: Option<i64>) -> ParseResult<Vec<Event>> {
        let evs = spot::parse_binary(buf)?;
        Ok(convert_all(evs, Market::Spot, recv_ts_ns))
    }

    /// One text WebSocket message (JSON reply), as UTF-8 bytes.
    pub fn parse_text(&self, buf: &[u8], recv_ts_ns: Option<i64>) -> ParseResult<Vec<Event>> {
        let evs = spot::parse_text(buf)?;
        Ok(convert_all(evs, Market::Spot, recv_ts_ns))
    }

    /// A `GET /api/v3/depth` body.
    pub fn parse_snapshot(&self, body: &[u8], symbol: Option<&str>) -> ParseResult<DepthUpdate> {
        snapshot(spot::parse_snapshot(body, symbol)?, Market::Spot)
    }
}

/// Futures (contract) JSON frames. Stateless.
#[derive(Debug, Default, Clone, Copy)]
pub struct MexcFuturesParser;

impl MexcFuturesParser {
    pub fn parse(&self, buf: &[u8], recv_ts_ns: Option<i64>) -> ParseResult<Vec<Event>> {
        let evs = futures::parse(buf)?;
        Ok(convert_all(evs, Market::Futures, recv_ts_ns))
    }

    /// A `GET /api/v1/contract/depth/{symbol}` body, wrapped or bare.
    pub fn parse_snapshot(&self, body: &[u8], symbol: Option<&str>) -> ParseResult<DepthUpdate> {
        snapshot(futures::parse_snapshot(body, symbol)?, Market::Futures)
    }
}

fn snapshot(ev: MexcEvent, market: Market) -> ParseResult<DepthUpdate> {
    match convert(ev, market, None) {
        Event::Depth(d) => Ok(d),
        other => Err(ParseError::invalid(
            "body",
            "depth snapshot",
            format!("not a depth body: {}", other.kind()),
        )),
    }
}

impl From<MexcError> for ParseError {
    fn from(e: MexcError) -> Self {
        match e {
            MexcError::Wire {
                kind,
                offset,
                field,
                path,
            } => ParseError::Protobuf {
                msg: format!("{kind} ({path})"),
                offset,
                field,
            },
            MexcError::Decode(msg) => ParseError::invalid("frame", "protobuf push", msg),
            MexcError::EmptyFrame => ParseError::invalid(
                "frame",
                "protobuf push",
                "zero-length binary frame (no channel, no body)",
            ),
            e @ MexcError::JsonInBinary(_) => ParseError::FrameKind(e.to_string()),
            MexcError::MissingBody => ParseError::missing(
                "body (oneof 301-315 or an unknown field >= 300)",
                "PushDataV3ApiWrapper",
            ),
            MexcError::Json { msg, offset } => ParseError::Json { msg, offset },
            MexcError::TooDeep { limit, offset } => ParseError::TooDeep { limit, offset },
            MexcError::Utf8 { offset } => ParseError::Utf8 { offset },
            MexcError::Rest { code, message } => ParseError::invalid(
                "body",
                "REST depth snapshot",
                format!("MEXC REST error {code}: {message}"),
            ),
            MexcError::Missing { field, context } => ParseError::missing(field, context),
            MexcError::Invalid {
                field,
                context,
                reason,
            } => ParseError::Invalid {
                field,
                context,
                reason,
            },
        }
    }
}

fn convert_all(evs: Vec<MexcEvent>, market: Market, recv_ts_ns: Option<i64>) -> Vec<Event> {
    evs.into_iter()
        .map(|e| convert(e, market, recv_ts_ns))
        .collect()
}

fn meta(head: out::Head, market: Market, recv_ts_ns: Option<i64>) -> Meta {
    Meta {
        exchange: Exchange::Mexc,
        market,
        symbol: head.symbol,
        channel: head.channel.unwrap_or_default(),
        exchange_ts_ms: head.exchange_ts_ms,
        recv_ts_ns,
    }
}

fn dec(s: Option<String>) -> Option<Dec> {
    s.map(Dec)
}

fn side(s: Option<&'static str>) -> Option<Side> {
    match s {
        Some("buy") => Some(Side::Buy),
        Some("sell") => Some(Side::Sell),
        _ => None,
    }
}

fn code(c: Option<i64>) -> Option<String> {
    c.map(|c| c.to_string())
}

fn levels(rows: out::Levels) -> Levels {
    rows
}

fn status(s: &str) -> OrderStatus {
    match s {
        "new" => OrderStatus::New,
        "open" => OrderStatus::Open,
        "partially_filled" => OrderStatus::PartiallyFilled,
        "filled" => OrderStatus::Filled,
        "cancelled" => OrderStatus::Cancelled,
        "rejected" => OrderStatus::Rejected,
        "expired" => OrderStatus::Expired,
        _ => OrderStatus::Unknown,
    }
}

fn order_type(s: &str) -> OrderType {
    match s {
        "limit" => OrderType::Limit,
        "market" => OrderType::Market,
        "post_only" => OrderType::PostOnly,
        "ioc" => OrderType::Ioc,
        "fok" => OrderType::Fok,
        "stop_limit" => OrderType::StopLimit,
        "stop_market" => OrderType::StopMarket,
        _ => OrderType::Other,
    }
}

fn value(f: Field) -> Value {
    match f {
        Field::Null => Value::Null,
        Field::Bool(b) => Value::Bool(b),
        Field::Int(n) => match n.parse::<i64>() {
            Ok(i) => Value::Int(i),
            Err(_) => Value::BigInt(n),
        },
        Field::Num(n) => Value::Num(n),
        Field::Str(s) => Value::Str(s),
        Field::List(items) => Value::Array(items.into_iter().map(value).collect()),
        Field::Map(m) => Value::Object(m.into_iter().map(|(k, v)| (k, value(v))).collect()),
    }
}

/// MexcEvent → crate event (fields already follow the spec's names).
pub fn convert(ev: MexcEvent, market: Market, recv_ts_ns: Option<i64>) -> Event {
    let m = |h| meta(h, market, recv_ts_ns);
    match ev {
        MexcEvent::Depth {
            head,
            bids,
            asks,
            first_seq,
            last_seq,
            is_snapshot,
        } => Event::Depth(DepthUpdate {
            meta: m(head),
            bids: levels(bids),
            asks: levels(asks),
            first_seq,
            last_seq,
            is_snapshot,
        }),
        MexcEvent::Trade {
            head,
            price,
            qty,
            side: s,
            side_code,
            trade_id,
        } => Event::Trade(Trade {
            meta: m(head),
            price: Dec(price),
            qty: Dec(qty),
            side: side(s),
            side_code: code(side_code),
            trade_id,
        }),
        MexcEvent::BookTicker {
            head,
            bid_price,
            bid_qty,
            ask_price,
            ask_qty,
            update_id,
        } => Event::BookTicker(BookTicker {
            meta: m(head),
            bid_price: dec(bid_price),
            bid_qty: dec(bid_qty),
            ask_price: dec(ask_price),
            ask_qty: dec(ask_qty),
            update_id,
        }),
        MexcEvent::Ticker {
            head,
            last,
            bid,
            ask,
            high,
            low,
            base_volume,
            quote_volume,
            change_pct,
        } => Event::Ticker(Ticker {
            meta: m(head),
            last: dec(last),
            bid: dec(bid),
            ask: dec(ask),
            high: dec(high),
            low: dec(low),
            base_volume: dec(base_volume),
            quote_volume: dec(quote_volume),
            change_pct: dec(change_pct),
        }),
        MexcEvent::Kline {
            head,
            interval,
            open_time_ms,
            open,
            high,
            low,
            close,
            volume,
            quote_volume,
        } => Event::Kline(Kline {
            meta: m(head),
            interval,
            open_time_ms,
            open: dec(open),
            high: dec(high),
            low: dec(low),
            close: dec(close),
            volume: dec(volume),
            quote_volume: dec(quote_volume),
            closed: None,
        }),
        MexcEvent::Order {
            head,
            order_id,
            client_order_id,
            side: s,
            side_code,
            order_type: ot,
            order_type_code,
            status: st,
            status_code,
            price,
            qty,
            filled_qty,
            avg_price,
            update_ts_ms,
        } => Event::Order(OrderUpdate {
            meta: m(head),
            order_id,
            client_order_id,
            side: side(s),
            side_code: code(side_code),
            order_type: order_type(ot),
            order_type_code: code(order_type_code),
            status: status(st),
            status_code: code(status_code),
            price: dec(price),
            qty: dec(qty),
            filled_qty: dec(filled_qty),
            avg_price: dec(avg_price),
            update_ts_ms,
        }),
        MexcEvent::Fill {
            head,
            trade_id,
            order_id,
            side: s,
            side_code,
            price,
            qty,
            fee,
            fee_asset,
            is_maker,
        } => Event::Fill(Fill {
            meta: m(head),
            trade_id,
            order_id,
            side: side(s),
            side_code: code(side_code),
            price: dec(price),
            qty: dec(qty),
            fee: dec(fee),
            fee_asset,
            is_maker,
        }),
        MexcEvent::Balance {
            head,
            asset,
            free,
            locked,
        } => Event::Balance(BalanceUpdate {
            meta: m(head),
            asset,
            free: dec(free),
            locked: dec(locked),
        }),
        MexcEvent::Position {
            head,
            size,
            entry_price,
            leverage,
            margin_mode,
            liq_price,
        } => Event::Position(PositionUpdate {
            meta: m(head),
            size: dec(size),
            entry_price: dec(entry_price),
            leverage: dec(leverage),
            margin_mode: match margin_mode {
                Some("cross") => Some(MarginMode::Cross),
                Some("isolated") => Some(MarginMode::Isolated),
                _ => None,
            },
            liq_price: dec(liq_price),
        }),
        MexcEvent::FundingRate {
            head,
            rate,
            next_funding_ms,
        } => Event::FundingRate(FundingRate {
            meta: m(head),
            rate: dec(rate),
            next_funding_ms,
        }),
        MexcEvent::Price { head, kind, price } => Event::Price(PriceUpdate {
            meta: m(head),
            price_kind: match kind {
                out::PriceKind::Index => PriceKind::Index,
                out::PriceKind::Mark => PriceKind::Mark,
            },
            price: dec(price),
        }),
        MexcEvent::Account {
            head,
            topic,
            fields,
        } => {
            let fields = match value(fields) {
                Value::Object(entries) => entries,
                other => vec![("data".to_string(), other)],
            };
            Event::Account(AccountEvent {
                meta: m(head),
                topic,
                fields,
            })
        }
        MexcEvent::Control {
            head,
            kind,
            request_id,
            detail,
        } => Event::Control(ControlEvent {
            meta: m(head),
            control: match kind {
                out::ControlKind::Subscribed => ControlKind::Subscribed,
                out::ControlKind::Unsubscribed => ControlKind::Unsubscribed,
                out::ControlKind::Login => ControlKind::Login,
                out::ControlKind::Pong => ControlKind::Pong,
            },
            request_id: request_id.map(Value::Int),
            detail,
        }),
        MexcEvent::ErrorReply {
            head,
            code,
            message,
            request_id,
        } => Event::ErrorReply(ErrorReply {
            meta: m(head),
            code,
            message: Some(message),
            request_id: request_id.map(Value::Int),
        }),
        MexcEvent::Unknown { head, raw, binary } => Event::Unknown(Unknown {
            meta: m(head),
            raw: if binary {
                Raw::Binary(raw)
            } else {
                // Text frames were parsed as UTF-8 already.
                Raw::Text(String::from_utf8_lossy(&raw).into_owned())
            },
        }),
    }
}
