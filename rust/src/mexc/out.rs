//! What the MEXC parsers produce, field for field as spec/api.md names them. Decimal values are the
//! exact wire text (`None` for absent / empty text); the crate's event model is built from these.

/// Fields every event has (besides exchange / market, fixed by the parser).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Head {
    pub symbol: Option<String>,
    pub channel: Option<String>,
    pub exchange_ts_ms: Option<i64>,
}

pub use crate::events::Levels;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ControlKind {
    Subscribed,
    Unsubscribed,
    Login,
    Pong,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PriceKind {
    Index,
    Mark,
}

/// A JSON value of an `AccountEvent.fields` / ticker entry: integers stay integers (exact, any
/// size, as text), other numbers are their exact token text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    Null,
    Bool(bool),
    Int(String),
    Num(String),
    Str(String),
    List(Vec<Field>),
    Map(Vec<(String, Field)>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MexcEvent {
    Depth {
        head: Head,
        bids: Levels,
        asks: Levels,
        first_seq: Option<u64>,
        last_seq: Option<u64>,
        is_snapshot: bool,
    },
    Trade {
        head: Head,
        price: String,
        qty: String,
        side: Option<&'static str>,
        side_code: Option<i64>,
        trade_id: Option<String>,
    },
    BookTicker {
        head: Head,
        bid_price: Option<String>,
        bid_qty: Option<String>,
        ask_price: Option<String>,
        ask_qty: Option<String>,
        update_id: Option<u64>,
    },
    Ticker {
        head: Head,
        last: Option<String>,
        bid: Option<String>,
        ask: Option<String>,
        high: Option<String>,
        low: Option<String>,
        base_volume: Option<String>,
        quote_volume: Option<String>,
        change_pct: Option<String>,
    },
    Kline {
        head: Head,
        interval: String,
        open_time_ms: Option<i64>,
        open: Option<String>,
        high: Option<String>,
        low: Option<String>,
        close: Option<String>,
        volume: Option<String>,
        quote_volume: Option<String>,
    },
    Order {
        head: Head,
        order_id: Option<String>,
        client_order_id: Option<String>,
        side: Option<&'static str>,
        side_code: Option<i64>,
        order_type: &'static str,
        order_type_code: Option<i64>,
        status: &'static str,
        status_code: Option<i64>,
        price: Option<String>,
        qty: Option<String>,
        filled_qty: Option<String>,
        avg_price: Option<String>,
        update_ts_ms: Option<i64>,
    },
    Fill {
        head: Head,
        trade_id: Option<String>,
        order_id: Option<String>,
        side: Option<&'static str>,
        side_code: Option<i64>,
        price: Option<String>,
        qty: Option<String>,
        fee: Option<String>,
        fee_asset: Option<String>,
        is_maker: Option<bool>,
    },
    Balance {
        head: Head,
        asset: Option<String>,
        free: Option<String>,
        locked: Option<String>,
    },
    Position {
        head: Head,
        size: Option<String>,
        entry_price: Option<String>,
        leverage: Option<String>,
        margin_mode: Option<&'static str>,
        liq_price: Option<String>,
    },
    FundingRate {
        head: Head,
        rate: Option<String>,
        next_funding_ms: Option<i64>,
    },
    Price {
        head: Head,
        kind: PriceKind,
        price: Option<String>,
    },
    Account {
        head: Head,
        topic: String,
        fields: Field,
    },
    Control {
        head: Head,
        kind: ControlKind,
        request_id: Option<i64>,
        detail: Option<String>,
    },
    ErrorReply {
        head: Head,
        code: Option<i64>,
        message: String,
        request_id: Option<i64>,
    },
    /// The payload exactly as given (binary frames keep their bytes).
    Unknown {
        head: Head,
        raw: Vec<u8>,
        binary: bool,
    },
}

/// `""` → `None`: proto3 elides empty strings, and the spec maps empty decimal text to `None`.
pub fn non_empty(s: String) -> Option<String> {
    if s.is_empty() {
        None
    } else {
        Some(s)
    }
}

impl MexcEvent {
    /// The spec's `kind` string of the event this becomes.
    pub fn kind(&self) -> &'static str {
        match self {
            MexcEvent::Depth { .. } => "depth",
            MexcEvent::Trade { .. } => "trade",
            MexcEvent::BookTicker { .. } => "book_ticker",
            MexcEvent::Ticker { .. } => "ticker",
            MexcEvent::Kline { .. } => "kline",
            MexcEvent::Order { .. } => "order",
            MexcEvent::Fill { .. } => "fill",
            MexcEvent::Balance { .. } => "balance",
            MexcEvent::Position { .. } => "position",
            MexcEvent::FundingRate { .. } => "funding_rate",
            MexcEvent::Price {
                kind: PriceKind::Index,
                ..
            } => "index_price",
            MexcEvent::Price {
                kind: PriceKind::Mark,
                ..
            } => "mark_price",
            MexcEvent::Account { .. } => "account",
            MexcEvent::Control {
                kind: ControlKind::Subscribed,
                ..
            } => "subscribed",
            MexcEvent::Control {
                kind: ControlKind::Unsubscribed,
                ..
            } => "unsubscribed",
            MexcEvent::Control {
                kind: ControlKind::Login,
                ..
            } => "login",
            MexcEvent::Control {
                kind: ControlKind::Pong,
                ..
            } => "pong",
            MexcEvent::ErrorReply { .. } => "error_reply",
            MexcEvent::Unknown { .. } => "unknown",
        }
    }

    /// The common fields.
    pub fn head(&self) -> &Head {
        match self {
            MexcEvent::Depth { head, .. }
            | MexcEvent::Trade { head, .. }
            | MexcEvent::BookTicker { head, .. }
            | MexcEvent::Ticker { head, .. }
            | MexcEvent::Kline { head, .. }
            | MexcEvent::Order { head, .. }
            | MexcEvent::Fill { head, .. }
            | MexcEvent::Balance { head, .. }
            | MexcEvent::Position { head, .. }
            | MexcEvent::FundingRate { head, .. }
            | MexcEvent::Price { head, .. }
            | MexcEvent::Account { head, .. }
            | MexcEvent::Control { head, .. }
            | MexcEvent::ErrorReply { head, .. }
            | MexcEvent::Unknown { head, .. } => head,
        }
    }
}
