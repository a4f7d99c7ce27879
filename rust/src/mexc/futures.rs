//! `MexcFuturesParser`: the JSON frames of `wss://contract.mexc.com/edge` (public pushes, control
//! replies, private `push.personal.*` pushes) and the contract REST depth body. Stateless.

use super::check::decimal_sign;
use super::codes;
use super::error::MexcError;
use super::jsonv::{self, is_integer_token, J};
use super::out::{ControlKind, Field, Head, Levels, MexcEvent, PriceKind};
use crate::events::SmallStr;

/// Parse one futures text frame (JSON as UTF-8 bytes).
pub fn parse(buf: &[u8]) -> Result<Vec<MexcEvent>, MexcError> {
    let doc = jsonv::parse(buf)?;
    let v = doc.root();
    if !v.is_object() {
        return Err(MexcError::invalid(
            "frame",
            "futures frame",
            format!("top level must be a JSON object, got {}", v.type_name()),
        ));
    }
    let channel = v
        .get("channel")
        .and_then(J::as_str)
        .ok_or(MexcError::Missing {
            field: "channel",
            context: "futures frame".into(),
        })?
        .to_string();
    let ts = loose_i64(v.get("ts"));
    let data = v.get("data").unwrap_or(J::Null);
    let symbol = v
        .get("symbol")
        .and_then(J::as_str)
        .or_else(|| data.get("symbol").and_then(J::as_str))
        .map(str::to_string);
    let head = |ts_ms: Option<i64>| Head {
        symbol: symbol.clone(),
        channel: Some(channel.clone()),
        exchange_ts_ms: ts_ms.or(ts),
    };

    if channel == "pong" {
        let server = data.as_i64().ok_or_else(|| {
            MexcError::invalid(
                "data",
                "pong",
                format!("expected an integer, got {}", data.type_name()),
            )
        })?;
        return Ok(vec![MexcEvent::Control {
            head: head(Some(server)),
            kind: ControlKind::Pong,
            request_id: None,
            detail: None,
        }]);
    }
    if let Some(method) = channel.strip_prefix("rs.") {
        return Ok(vec![reply(head(None), method, data)]);
    }
    let ev = match channel.as_str() {
        "push.deal" => return deals(&head(None), data),
        "push.depth" => depth(head(data_ts(data, "cts")), data, false)?,
        "push.depth.full" => depth(head(data_ts(data, "cts")), data, true)?,
        "push.ticker" => ticker(head(None), data)?,
        "push.tickers" => {
            let items = data
                .as_array()
                .ok_or_else(|| MexcError::invalid("data", "push.tickers", "expected an array"))?;
            return items.iter().map(|t| ticker(head(None), t)).collect();
        }
        "push.kline" => kline(head(None), data)?,
        "push.funding.rate" => MexcEvent::FundingRate {
            head: head(None),
            rate: num_text(data.get("rate").or_else(|| data.get("fundingRate")), "rate")?,
            next_funding_ms: loose_i64(data.get("nextSettleTime")),
        },
        "push.index.price" | "push.fair.price" => MexcEvent::Price {
            head: head(None),
            kind: if channel == "push.index.price" {
                PriceKind::Index
            } else {
                PriceKind::Mark
            },
            price: num_text(data.get("price"), "price")?,
        },
        "push.personal.order" => order(head(None), data)?,
        "push.personal.order.deal" => fill(head(data_ts(data, "timestamp")), data)?,
        "push.personal.position" => position(head(data_ts(data, "updateTime")), data)?,
        "push.personal.asset" => MexcEvent::Balance {
            head: head(None),
            asset: data.get("currency").and_then(J::as_str).map(str::to_string),
            free: num_text(data.get("availableBalance"), "availableBalance")?,
            locked: num_text(data.get("frozenBalance"), "frozenBalance")?,
        },
        c if c.starts_with("push.personal.") => MexcEvent::Account {
            head: head(None),
            topic: channel.clone(),
            fields: field(data),
        },
        _ => MexcEvent::Unknown {
            head: head(None),
            raw: buf.to_vec(),
            binary: false,
        },
    };
    Ok(vec![ev])
}

/// `rs.<method>` replies: `data` is `"success"` or the failure text.
fn reply(head: Head, method: &str, data: J<'_>) -> MexcEvent {
    let success = data.as_str() == Some("success");
    if method == "error" || !success {
        let message = match data {
            J::Str(s) => s.to_string(),
            other => field_text(other),
        };
        return MexcEvent::ErrorReply {
            head,
            code: None,
            message,
            request_id: None,
        };
    }
    let (kind, detail) = if let Some(m) = method.strip_prefix("sub.") {
        (ControlKind::Subscribed, m)
    } else if let Some(m) = method
        .strip_prefix("unsub.")
        .or_else(|| method.strip_prefix("usub."))
    {
        // The docs print `usub.depth.full`; both spellings are unsubscriptions.
        (ControlKind::Unsubscribed, m)
    } else if method == "login" {
        (ControlKind::Login, "success")
    } else {
        // Other acknowledged requests (`personal.filter`): the request is in effect.
        (ControlKind::Subscribed, method)
    };
    MexcEvent::Control {
        head,
        kind,
        request_id: None,
        detail: Some(detail.to_string()),
    }
}

fn deals(head: &Head, data: J<'_>) -> Result<Vec<MexcEvent>, MexcError> {
    let items: Vec<J<'_>> = match data {
        J::Obj(_) => vec![data],
        J::Arr(items) => items.iter().collect(),
        other => {
            return Err(MexcError::invalid(
                "data",
                "push.deal",
                format!(
                    "push.deal data must be an object or an array, got {}",
                    other.type_name()
                ),
            ))
        }
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, d) in items.into_iter().enumerate() {
        // Context text is only built on the error path.
        let ctx = || format!("push.deal data[{i}]");
        let req = |k: &'static str| {
            d.get(k).ok_or_else(|| MexcError::Missing {
                field: k,
                context: ctx(),
            })
        };
        let price = number(req("p")?, "p", "push.deal")?;
        let qty = number(req("v")?, "v", "push.deal")?;
        let side_code = req("T")?
            .as_i64()
            .ok_or_else(|| MexcError::invalid("T", ctx(), "expected an integer"))?;
        let time = req("t")?
            .as_i64()
            .ok_or_else(|| MexcError::invalid("t", ctx(), "expected an integer"))?;
        let trade_id = d.get("i").and_then(id_text);
        let mut h = head.clone();
        h.exchange_ts_ms = Some(time);
        out.push(MexcEvent::Trade {
            head: h,
            price: price.to_string(),
            // Volumes are unsigned on MEXC; strip a sign defensively (spec: qty = |size|).
            qty: qty.trim_start_matches('-').to_string(),
            side: codes::futures_trade_side(side_code),
            side_code: Some(side_code),
            trade_id,
        });
    }
    Ok(out)
}

fn depth(head: Head, data: J<'_>, is_snapshot: bool) -> Result<MexcEvent, MexcError> {
    let ctx = if is_snapshot {
        "push.depth.full"
    } else {
        "push.depth"
    };
    if !data.is_object() {
        return Err(MexcError::invalid("data", ctx, "expected an object"));
    }
    let (bids, asks, first_seq, last_seq) = depth_body(data, ctx)?;
    Ok(MexcEvent::Depth {
        head,
        bids,
        asks,
        first_seq: Some(first_seq),
        last_seq: Some(last_seq),
        is_snapshot,
    })
}

type DepthParts = (Levels, Levels, u64, u64);

/// Levels and the version range of a depth object (push data or REST data).
fn depth_body(data: J<'_>, ctx: &str) -> Result<DepthParts, MexcError> {
    let seq = |k: &'static str| -> Result<Option<u64>, MexcError> {
        match data.get(k) {
            None | Some(J::Null) => Ok(None),
            Some(J::Num(n)) if is_integer_token(n) => n.parse::<u64>().map(Some).map_err(|_| {
                MexcError::invalid(k, ctx, format!("depth {k} must be a non-negative integer"))
            }),
            Some(_) => Err(MexcError::invalid(
                k,
                ctx,
                format!("depth {k} must be an integer"),
            )),
        }
    };
    let version = seq("version")?;
    let begin = seq("begin")?;
    let end = seq("end")?;
    let last = end.or(version).ok_or_else(|| {
        MexcError::invalid(
            "version",
            ctx,
            "depth version must be an integer (no version and no end)",
        )
    })?;
    let first = begin.unwrap_or(last);
    if first > last {
        return Err(MexcError::invalid(
            "begin",
            ctx,
            format!("begin {first} > end {last}"),
        ));
    }
    let bids = levels(data.get("bids"), "bids", ctx)?;
    let asks = levels(data.get("asks"), "asks", ctx)?;
    Ok((bids, asks, first, last))
}

fn levels(v: Option<J<'_>>, side: &'static str, ctx: &str) -> Result<Levels, MexcError> {
    let Some(v) = v.filter(|v| !matches!(v, J::Null)) else {
        return Ok(Vec::new());
    };
    let rows = v
        .as_array()
        .ok_or_else(|| MexcError::invalid(side, ctx, "expected an array of levels"))?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows.iter() {
        let (p, q) = match row.as_array() {
            Some(a) if a.len() == 2 || a.len() == 3 => match (a.get(0), a.get(1)) {
                (Some(p), Some(q)) => (p, q),
                _ => return Err(MexcError::invalid(side, ctx, "level must have two values")),
            },
            _ => {
                return Err(MexcError::invalid(
                    side,
                    ctx,
                    "level must be [price, vol] or [price, vol, count]",
                ))
            }
        };
        let price = number(p, "price", ctx)?;
        if decimal_sign(price) != Some(super::check::Sign::Positive) {
            return Err(MexcError::invalid(
                side,
                ctx,
                format!("price must be > 0, got {price}"),
            ));
        }
        let qty = number(q, "vol", ctx)?;
        if decimal_sign(qty) == Some(super::check::Sign::Negative) {
            return Err(MexcError::invalid(
                side,
                ctx,
                format!("vol must be >= 0, got {qty}"),
            ));
        }
        out.push((SmallStr::new(price), SmallStr::new(qty)));
    }
    Ok(out)
}

fn ticker(head: Head, t: J<'_>) -> Result<MexcEvent, MexcError> {
    if !t.is_object() {
        return Err(MexcError::invalid(
            "data",
            "push.ticker",
            "expected an object",
        ));
    }
    let mut head = head;
    if let Some(sym) = t.get("symbol").and_then(J::as_str) {
        head.symbol = Some(sym.to_string());
    }
    if let Some(ts) = loose_i64(t.get("timestamp")) {
        head.exchange_ts_ms = Some(ts);
    }
    let rate = num_text(t.get("riseFallRate"), "riseFallRate")?;
    Ok(MexcEvent::Ticker {
        head,
        last: num_text(t.get("lastPrice"), "lastPrice")?,
        bid: num_text(t.get("bid1"), "bid1")?,
        ask: num_text(t.get("ask1"), "ask1")?,
        high: num_text(t.get("high24Price"), "high24Price")?,
        low: num_text(t.get("lower24Price"), "lower24Price")?,
        base_volume: num_text(t.get("volume24"), "volume24")?,
        quote_volume: num_text(t.get("amount24"), "amount24")?,
        change_pct: rate.as_deref().and_then(codes::times_100),
    })
}

fn kline(head: Head, k: J<'_>) -> Result<MexcEvent, MexcError> {
    if !k.is_object() {
        return Err(MexcError::invalid(
            "data",
            "push.kline",
            "expected an object",
        ));
    }
    Ok(MexcEvent::Kline {
        head,
        interval: k
            .get("interval")
            .and_then(J::as_str)
            .unwrap_or_default()
            .to_string(),
        // `t` is the window start in seconds.
        open_time_ms: loose_i64(k.get("t")).and_then(|s| s.checked_mul(1000)),
        open: num_text(k.get("o"), "o")?,
        high: num_text(k.get("h"), "h")?,
        low: num_text(k.get("l"), "l")?,
        close: num_text(k.get("c"), "c")?,
        volume: num_text(k.get("q"), "q")?,
        quote_volume: num_text(k.get("a"), "a")?,
    })
}

fn order(mut head: Head, o: J<'_>) -> Result<MexcEvent, MexcError> {
    if !o.is_object() {
        return Err(MexcError::invalid(
            "data",
            "push.personal.order",
            "expected an object",
        ));
    }
    let update = loose_i64(o.get("updateTime"));
    if let Some(t) = update.or_else(|| loose_i64(o.get("createTime"))) {
        head.exchange_ts_ms = Some(t);
    }
    let side_code = loose_i64(o.get("side"));
    let type_code = loose_i64(o.get("orderType"));
    let state = loose_i64(o.get("state"));
    Ok(MexcEvent::Order {
        head,
        order_id: o.get("orderId").and_then(id_text),
        client_order_id: o.get("externalOid").and_then(id_text),
        side: side_code.and_then(codes::futures_side),
        side_code,
        order_type: type_code.map_or("other", codes::futures_order_type),
        order_type_code: type_code,
        status: state.map_or("unknown", codes::futures_order_status),
        status_code: state,
        price: num_text(o.get("price"), "price")?,
        qty: num_text(o.get("vol"), "vol")?,
        filled_qty: num_text(o.get("dealVol"), "dealVol")?,
        avg_price: num_text(o.get("dealAvgPrice"), "dealAvgPrice")?,
        update_ts_ms: update,
    })
}

fn fill(head: Head, d: J<'_>) -> Result<MexcEvent, MexcError> {
    if !d.is_object() {
        return Err(MexcError::invalid(
            "data",
            "push.personal.order.deal",
            "expected an object",
        ));
    }
    let side_code = loose_i64(d.get("side"));
    Ok(MexcEvent::Fill {
        head,
        trade_id: d.get("id").and_then(id_text),
        order_id: d.get("orderId").and_then(id_text),
        side: side_code.and_then(codes::futures_side),
        side_code,
        price: num_text(d.get("price"), "price")?,
        qty: num_text(d.get("vol"), "vol")?,
        fee: num_text(d.get("fee"), "fee")?,
        fee_asset: d.get("feeCurrency").and_then(J::as_str).map(str::to_string),
        is_maker: match d.get("isTaker") {
            Some(J::Bool(b)) => Some(!b),
            _ => None,
        },
    })
}

fn position(head: Head, p: J<'_>) -> Result<MexcEvent, MexcError> {
    if !p.is_object() {
        return Err(MexcError::invalid(
            "data",
            "push.personal.position",
            "expected an object",
        ));
    }
    let hold = num_text(p.get("holdVol"), "holdVol")?;
    // positionType 2 = short: the spec's size is signed.
    let short = loose_i64(p.get("positionType")) == Some(2);
    let size = hold.map(|h| {
        if short && decimal_sign(&h) == Some(super::check::Sign::Positive) {
            format!("-{h}")
        } else {
            h
        }
    });
    Ok(MexcEvent::Position {
        head,
        size,
        entry_price: num_text(p.get("holdAvgPrice"), "holdAvgPrice")?,
        leverage: num_text(p.get("leverage"), "leverage")?,
        margin_mode: loose_i64(p.get("openType")).and_then(codes::futures_margin_mode),
        liq_price: num_text(p.get("liquidatePrice"), "liquidatePrice")?,
    })
}

// ---------------------------------------------------------------------------------------------
// REST snapshot: GET /api/v1/contract/depth/{symbol}

/// Parse a contract depth body, wrapped (`{success, code, data}`) or bare.
pub fn parse_snapshot(body: &[u8], symbol: Option<&str>) -> Result<MexcEvent, MexcError> {
    let doc = jsonv::parse(body)?;
    let v = doc.root();
    if !v.is_object() {
        return Err(MexcError::invalid(
            "body",
            "futures depth snapshot",
            "expected a JSON object",
        ));
    }
    let failed = matches!(v.get("success"), Some(J::Bool(false)))
        || v.get("code").and_then(J::as_i64).is_some_and(|c| c != 0);
    if failed {
        return Err(
            super::spot::rest_error(v).unwrap_or_else(|| MexcError::Rest {
                code: "?".into(),
                message: field_text(v),
            }),
        );
    }
    let data = match v.get("data") {
        Some(d) if d.is_object() => d,
        _ => v,
    };
    let ctx = "futures depth snapshot";
    let (bids, asks, _first, last) = depth_body(data, ctx)?;
    Ok(MexcEvent::Depth {
        head: Head {
            symbol: symbol.map(str::to_string),
            channel: None,
            exchange_ts_ms: loose_i64(data.get("timestamp")),
        },
        bids,
        asks,
        first_seq: None,
        last_seq: Some(last),
        is_snapshot: true,
    })
}

// ---------------------------------------------------------------------------------------------
// helpers

/// An integer that may arrive as a JSON integer or a digit string (`"ts":"1587442022003"`).
fn loose_i64(v: Option<J<'_>>) -> Option<i64> {
    match v? {
        J::Num(n) if is_integer_token(n) => n.parse().ok(),
        J::Str(s) => s.parse().ok(),
        _ => None,
    }
}

fn data_ts(data: J<'_>, key: &str) -> Option<i64> {
    loose_i64(data.get(key))
}

/// Ids may be numbers beyond 2^53 or strings: keep the exact text.
fn id_text(v: J<'_>) -> Option<String> {
    match v {
        J::Num(n) => Some(n.to_string()),
        J::Str(s) if !s.is_empty() => Some(s.to_string()),
        _ => None,
    }
}

/// A JSON number's exact token (decimal strings accepted too); error for anything else.
fn number<'t>(v: J<'t>, key: &str, ctx: &str) -> Result<&'t str, MexcError> {
    match v {
        J::Num(n) => Ok(n),
        J::Str(s) if decimal_sign(s).is_some() => Ok(s),
        J::Str(s) => Err(MexcError::invalid(
            key,
            ctx,
            format!("expected a number, got {s:?}"),
        )),
        other => Err(MexcError::invalid(
            key,
            ctx,
            format!("expected a number, got {}", other.type_name()),
        )),
    }
}

/// Optional numeric field → exact text; absent / null / `""` → None; other types are errors.
fn num_text(v: Option<J<'_>>, key: &str) -> Result<Option<String>, MexcError> {
    match v {
        None | Some(J::Null) => Ok(None),
        Some(J::Str("")) => Ok(None),
        Some(v) => number(v, key, "futures push").map(|s| Some(s.to_string())),
    }
}

/// JSON → `Field` (integers stay integers, other numbers exact text, duplicate keys last wins).
pub fn field(v: J<'_>) -> Field {
    match v {
        J::Null => Field::Null,
        J::Bool(b) => Field::Bool(b),
        J::Num(n) if is_integer_token(n) => Field::Int(n.to_string()),
        J::Num(n) => Field::Num(n.to_string()),
        J::Str(s) => Field::Str(s.to_string()),
        J::Arr(items) => Field::List(items.iter().map(field).collect()),
        J::Obj(members) => {
            let mut out: Vec<(String, Field)> = Vec::with_capacity(members.len());
            for (k, val) in members.iter() {
                let f = field(val);
                match out.iter_mut().find(|(key, _)| key == k) {
                    Some(slot) => slot.1 = f,
                    None => out.push((k.to_string(), f)),
                }
            }
            Field::Map(out)
        }
    }
}

/// Compact text of a JSON value (for messages that are not strings).
fn field_text(v: J<'_>) -> String {
    match v {
        J::Null => "null".into(),
        J::Bool(b) => b.to_string(),
        J::Num(n) => n.to_string(),
        J::Str(s) => format!("{s:?}"),
        J::Arr(items) => format!(
            "[{}]",
            items.iter().map(field_text).collect::<Vec<_>>().join(",")
        ),
        J::Obj(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, x)| format!("{k:?}:{}", field_text(x)))
                .collect::<Vec<_>>()
                .join(",")
        ),
    }
}
