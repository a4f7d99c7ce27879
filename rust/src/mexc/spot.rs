//! `MexcSpotParser`: binary frames are `PushDataV3ApiWrapper` protobuf pushes, text frames are the
//! JSON replies (acks, rejections, PONG). Stateless.

use super::check::{parse_opt_version, parse_version};
use super::codes;
use super::error::MexcError;
use super::jsonv::{self, J};
use super::out::{non_empty, ControlKind, Head, Levels, MexcEvent};
use super::proto::*;
use super::{decode_push, DecodedPush};
use crate::events::SmallStr;

/// Decode one binary push into events (one per deal / depth item / ticker item).
pub fn parse_binary(buf: &[u8]) -> Result<Vec<MexcEvent>, MexcError> {
    let DecodedPush {
        wrapper,
        body_field: _,
    } = decode_push(buf)?;
    let PushDataV3ApiWrapper {
        channel,
        symbol,
        symbol_id: _,
        create_time,
        send_time,
        body,
    } = wrapper;
    let symbol = match symbol.filter(|s| !s.is_empty()) {
        Some(s) => Some(s),
        None => codes::symbol_from_channel(&channel).map(str::to_string),
    };
    let head = Head {
        symbol,
        channel: Some(channel),
        exchange_ts_ms: send_time.or(create_time),
    };
    let Some(body) = body else {
        // An unknown length-delimited field >= 300 and no known member: a body we do not know.
        return Ok(vec![MexcEvent::Unknown {
            head,
            raw: buf.to_vec(),
            binary: true,
        }]);
    };
    Ok(match body {
        Body::PublicAggreDepths(d) => {
            let ctx = "publicAggreDepths";
            let first = parse_version(&d.from_version, "fromVersion", ctx)?;
            let last = parse_version(&d.to_version, "toVersion", ctx)?;
            vec![depth(head, d.bids, d.asks, Some(first), Some(last), false)]
        }
        Body::PublicIncreaseDepths(d) => {
            let v = parse_version(&d.version, "version", "publicIncreaseDepths")?;
            vec![depth(head, d.bids, d.asks, Some(v), Some(v), false)]
        }
        Body::PublicLimitDepths(d) => {
            let v = parse_version(&d.version, "version", "publicLimitDepths")?;
            vec![depth(head, d.bids, d.asks, Some(v), Some(v), true)]
        }
        Body::PublicIncreaseDepthsBatch(b) => {
            let mut out = Vec::with_capacity(b.items.len());
            for d in b.items {
                let v = parse_version(&d.version, "version", "publicIncreaseDepthsBatch.items")?;
                out.push(depth(head.clone(), d.bids, d.asks, Some(v), Some(v), false));
            }
            out
        }
        Body::PublicAggreDeals(d) => d
            .deals
            .into_iter()
            .map(|x| {
                trade(
                    head.clone(),
                    x.price,
                    x.quantity,
                    x.trade_type,
                    non_empty(x.trade_id),
                )
            })
            .collect(),
        Body::PublicDeals(d) => d
            .deals
            .into_iter()
            .map(|x| trade(head.clone(), x.price, x.quantity, x.trade_type, None))
            .collect(),
        Body::PublicAggreBookTicker(t) => {
            let update_id = parse_opt_version(&t.version, "version", "publicAggreBookTicker")?;
            vec![MexcEvent::BookTicker {
                head,
                bid_price: non_empty(t.bid_price),
                bid_qty: non_empty(t.bid_quantity),
                ask_price: non_empty(t.ask_price),
                ask_qty: non_empty(t.ask_quantity),
                update_id,
            }]
        }
        Body::PublicBookTicker(t) => vec![book_ticker(head, t, None)],
        Body::PublicBookTickerBatch(b) => {
            let update_id = parse_opt_version(&b.version, "version", "publicBookTickerBatch")?;
            b.items
                .into_iter()
                .map(|t| book_ticker(head.clone(), t, update_id))
                .collect()
        }
        Body::PublicSpotKline(k) => vec![MexcEvent::Kline {
            head,
            interval: k.interval,
            // windowStart is in seconds on the wire (protocols/mexc.md §9.10).
            open_time_ms: k.window_start.checked_mul(1000),
            open: non_empty(k.opening_price),
            high: non_empty(k.highest_price),
            low: non_empty(k.lowest_price),
            close: non_empty(k.closing_price),
            volume: non_empty(k.volume),
            quote_volume: non_empty(k.amount),
        }],
        Body::PublicMiniTicker(t) => vec![mini_ticker(head, t)],
        Body::PublicMiniTickers(b) => b
            .items
            .into_iter()
            .map(|t| mini_ticker(head.clone(), t))
            .collect(),
        Body::PrivateOrders(o) => {
            let code = o.order_type;
            vec![MexcEvent::Order {
                head,
                order_id: non_empty(o.id),
                client_order_id: non_empty(o.client_id),
                side: codes::spot_side(o.trade_type),
                side_code: Some(i64::from(o.trade_type)),
                order_type: codes::spot_order_type(code),
                order_type_code: Some(i64::from(code)),
                status: codes::spot_order_status(o.status),
                status_code: Some(i64::from(o.status)),
                price: non_empty(o.price),
                qty: non_empty(o.quantity),
                filled_qty: non_empty(o.cumulative_quantity),
                avg_price: non_empty(o.avg_price),
                update_ts_ms: Some(o.create_time).filter(|t| *t != 0),
            }]
        }
        Body::PrivateDeals(d) => vec![MexcEvent::Fill {
            head,
            trade_id: non_empty(d.trade_id),
            order_id: non_empty(d.order_id),
            side: codes::spot_side(d.trade_type),
            side_code: Some(i64::from(d.trade_type)),
            price: non_empty(d.price),
            qty: non_empty(d.quantity),
            fee: non_empty(d.fee_amount),
            fee_asset: non_empty(d.fee_currency),
            is_maker: Some(d.is_maker),
        }],
        Body::PrivateAccount(a) => vec![MexcEvent::Balance {
            head,
            asset: non_empty(a.vcoin_name),
            free: non_empty(a.balance_amount),
            locked: non_empty(a.frozen_amount),
        }],
    })
}

fn levels<I: IntoIterator<Item = (String, String)>>(items: I) -> Levels {
    items
        .into_iter()
        .map(|(p, q)| (SmallStr::from(p), SmallStr::from(q)))
        .collect()
}

fn depth<T: LevelItem>(
    head: Head,
    bids: Vec<T>,
    asks: Vec<T>,
    first_seq: Option<u64>,
    last_seq: Option<u64>,
    is_snapshot: bool,
) -> MexcEvent {
    MexcEvent::Depth {
        head,
        bids: levels(bids.into_iter().map(LevelItem::into_pair)),
        asks: levels(asks.into_iter().map(LevelItem::into_pair)),
        first_seq,
        last_seq,
        is_snapshot,
    }
}

/// The three depth item messages share the layout {1 price, 2 quantity}.
trait LevelItem {
    fn into_pair(self) -> (String, String);
}

impl LevelItem for PublicAggreDepthV3ApiItem {
    fn into_pair(self) -> (String, String) {
        (self.price, self.quantity)
    }
}

impl LevelItem for PublicLimitDepthV3ApiItem {
    fn into_pair(self) -> (String, String) {
        (self.price, self.quantity)
    }
}

impl LevelItem for PublicIncreaseDepthV3ApiItem {
    fn into_pair(self) -> (String, String) {
        (self.price, self.quantity)
    }
}

fn trade(
    head: Head,
    price: String,
    qty: String,
    trade_type: i32,
    trade_id: Option<String>,
) -> MexcEvent {
    MexcEvent::Trade {
        head,
        price,
        qty,
        side: codes::spot_side(trade_type),
        side_code: Some(i64::from(trade_type)),
        trade_id,
    }
}

fn book_ticker(head: Head, t: PublicBookTickerV3Api, update_id: Option<u64>) -> MexcEvent {
    MexcEvent::BookTicker {
        head,
        bid_price: non_empty(t.bid_price),
        bid_qty: non_empty(t.bid_quantity),
        ask_price: non_empty(t.ask_price),
        ask_qty: non_empty(t.ask_quantity),
        update_id,
    }
}

fn mini_ticker(mut head: Head, t: PublicMiniTickerV3Api) -> MexcEvent {
    // miniTickers items name their own symbol; the wrapper has none.
    if let Some(sym) = non_empty(t.symbol) {
        head.symbol = Some(sym);
    }
    MexcEvent::Ticker {
        head,
        change_pct: codes::times_100(&t.rate),
        last: non_empty(t.price),
        bid: None,
        ask: None,
        high: non_empty(t.high),
        low: non_empty(t.low),
        // miniTicker `volume` is quote turnover, `quantity` base (protocols/mexc.md §9.10).
        base_volume: non_empty(t.quantity),
        quote_volume: non_empty(t.volume),
    }
}

// ---------------------------------------------------------------------------------------------
// Text frames: JSON replies

/// Plain (non-JSON) text MEXC sends on the private URL for a bad listenKey (CCXT handles it too).
const INVALID_LISTEN_KEY: &str = "Invalid listen key";

/// Parse one text frame (a JSON reply, or the bare `Invalid listen key` text).
pub fn parse_text(buf: &[u8]) -> Result<Vec<MexcEvent>, MexcError> {
    if buf.is_empty() {
        return Err(MexcError::Json {
            msg: "empty text frame",
            offset: 0,
        });
    }
    if buf == INVALID_LISTEN_KEY.as_bytes() {
        return Ok(vec![MexcEvent::ErrorReply {
            head: Head::default(),
            code: None,
            message: INVALID_LISTEN_KEY.to_string(),
            request_id: None,
        }]);
    }
    let doc = jsonv::parse(buf)?;
    let v = doc.root();
    if !v.is_object() {
        return Err(MexcError::invalid(
            "frame",
            "spot text reply",
            format!("top level must be a JSON object, got {}", v.type_name()),
        ));
    }
    let Some(msg_v) = v.get("msg") else {
        // Not a reply (e.g. the retired JSON push layout): kept whole as Unknown.
        return Ok(vec![MexcEvent::Unknown {
            head: Head::default(),
            raw: buf.to_vec(),
            binary: false,
        }]);
    };
    let msg = msg_v
        .as_str()
        .ok_or_else(|| MexcError::invalid("msg", "spot reply", "msg must be a string"))?
        .to_string();
    let code =
        match v.get("code") {
            None | Some(J::Null) => None,
            Some(c) => Some(c.as_i64().ok_or_else(|| {
                MexcError::invalid("code", "spot reply", "code must be an integer")
            })?),
        };
    let request_id = match v.get("id") {
        None | Some(J::Null) => None,
        Some(id) => Some(
            id.as_i64()
                .ok_or_else(|| MexcError::invalid("id", "spot reply", "id must be an integer"))?,
        ),
    };
    let failed = code.is_some_and(|c| c != 0)
        || msg.is_empty()
        || msg.starts_with("Not Subscribed successfully")
        || msg.contains("msg format invalid");
    let event = if failed {
        MexcEvent::ErrorReply {
            head: Head::default(),
            code,
            message: msg,
            request_id,
        }
    } else if msg == "PONG" {
        MexcEvent::Control {
            head: Head::default(),
            kind: ControlKind::Pong,
            request_id,
            detail: Some(msg),
        }
    } else {
        // SUBSCRIPTION and UNSUBSCRIPTION replies are identical; the manager knows which it sent.
        MexcEvent::Control {
            head: Head {
                channel: Some(msg.clone()),
                ..Head::default()
            },
            kind: ControlKind::Subscribed,
            request_id,
            detail: Some(msg),
        }
    };
    Ok(vec![event])
}

// ---------------------------------------------------------------------------------------------
// REST snapshot: GET /api/v3/depth

/// Parse a spot `GET /api/v3/depth` body into a snapshot depth event (`symbol` from the caller).
pub fn parse_snapshot(body: &[u8], symbol: Option<&str>) -> Result<MexcEvent, MexcError> {
    let doc = jsonv::parse(body)?;
    let v = doc.root();
    if !v.is_object() {
        return Err(MexcError::invalid(
            "body",
            "spot depth snapshot",
            "expected a JSON object",
        ));
    }
    if v.get("bids").is_none() && v.get("asks").is_none() {
        if let Some(err) = rest_error(v) {
            return Err(err);
        }
    }
    let version = match v.get("lastUpdateId") {
        Some(J::Num(n)) => n
            .parse::<u64>()
            .map_err(|_| MexcError::invalid("lastUpdateId", "spot depth snapshot", "not a u64"))?,
        Some(J::Str(s)) => parse_version(s, "lastUpdateId", "spot depth snapshot")?,
        _ => {
            return Err(MexcError::Missing {
                field: "lastUpdateId",
                context: "spot depth snapshot".into(),
            })
        }
    };
    let bids = rest_levels(v.get("bids"), "bids")?;
    let asks = rest_levels(v.get("asks"), "asks")?;
    Ok(MexcEvent::Depth {
        head: Head {
            symbol: symbol.map(str::to_string),
            channel: None,
            exchange_ts_ms: None,
        },
        bids,
        asks,
        first_seq: None,
        last_seq: Some(version),
        is_snapshot: true,
    })
}

/// `{"code":10007,"msg":"bad symbol"}` → a typed error carrying both.
pub(crate) fn rest_error(v: J<'_>) -> Option<MexcError> {
    let code = v.get("code")?;
    let message = v
        .get("msg")
        .or_else(|| v.get("message"))
        .and_then(J::as_str)
        .unwrap_or("")
        .to_string();
    let code = code
        .as_i64()
        .map(|c| c.to_string())
        .or_else(|| code.as_str().map(str::to_string))?;
    Some(MexcError::Rest { code, message })
}

fn rest_levels(v: Option<J<'_>>, side: &'static str) -> Result<Levels, MexcError> {
    let Some(v) = v else { return Ok(Vec::new()) };
    let rows = v
        .as_array()
        .ok_or_else(|| MexcError::invalid(side, "depth snapshot", "expected an array of levels"))?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows.iter() {
        let pair = row
            .as_array()
            .filter(|a| a.len() >= 2)
            .and_then(|a| a.get(0).zip(a.get(1)));
        let (p, q) = match pair {
            Some(pq) => pq,
            _ => {
                return Err(MexcError::invalid(
                    side,
                    "depth snapshot",
                    "level must be [price, qty]",
                ))
            }
        };
        out.push((level_text(p, side)?, level_text(q, side)?));
    }
    Ok(out)
}

fn level_text(v: J<'_>, side: &'static str) -> Result<SmallStr, MexcError> {
    let s = match v {
        J::Str(s) => s,
        J::Num(n) => n,
        _ => {
            return Err(MexcError::invalid(
                side,
                "depth snapshot",
                "price/qty must be decimal text",
            ))
        }
    };
    if super::check::decimal_sign(s).is_none() {
        return Err(MexcError::invalid(
            side,
            "depth snapshot",
            format!("not a decimal number: {s:?}"),
        ));
    }
    Ok(SmallStr::new(s))
}
