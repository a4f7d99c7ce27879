//! Plain Rust event structs: what a parser produces from one payload.
//!
//! Decimal fields keep the exact wire text (`Dec`); the float a user reads is derived on access,
//! so nothing is rounded at parse time and no per-level allocation is needed for depth levels.

/// Exchange of origin.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Exchange {
    Mexc,
    Gateio,
}

impl Exchange {
    pub fn as_str(self) -> &'static str {
        match self {
            Exchange::Mexc => "mexc",
            Exchange::Gateio => "gateio",
        }
    }
}

/// Market of origin.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Market {
    Spot,
    Futures,
}

impl Market {
    pub fn as_str(self) -> &'static str {
        match self {
            Market::Spot => "spot",
            Market::Futures => "futures",
        }
    }
}

/// Fields every event carries.
#[derive(Clone, Debug, PartialEq)]
pub struct Meta {
    pub exchange: Exchange,
    pub market: Market,
    /// Exchange-native symbol; `None` where the frame has none.
    pub symbol: Option<String>,
    /// The exchange's channel string as received.
    pub channel: String,
    pub exchange_ts_ms: Option<i64>,
    pub recv_ts_ns: Option<i64>,
}

impl Meta {
    pub fn new(exchange: Exchange, market: Market, channel: impl Into<String>) -> Self {
        Meta {
            exchange,
            market,
            symbol: None,
            channel: channel.into(),
            exchange_ts_ms: None,
            recv_ts_ns: None,
        }
    }
}

/// Exact decimal text as sent (or as derived exactly, e.g. `abs(-108)` → `"108"`).
/// Invariant: the parser has validated the syntax, so the float conversion cannot fail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dec(pub String);

impl Dec {
    pub fn new(text: impl Into<String>) -> Self {
        Dec(text.into())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// Equal to Python's `float(text)` for the syntaxes the parsers accept.
    pub fn to_f64(&self) -> f64 {
        self.0.parse::<f64>().unwrap_or(f64::NAN)
    }
}

/// Price/quantity levels of one side of a depth update: `(price_text, qty_text)` in wire order.
pub type Levels = Vec<(SmallStr, SmallStr)>;

/// Bytes a `SmallStr` keeps inline (most prices and quantities are shorter); 15 keeps the type
/// as small as a `String`.
const INLINE: usize = 15;

/// Exact text of a level's price or quantity: text borrowed from a frame is copied inline up to 15
/// bytes (no allocation of its own: a depth side is one `Vec`), longer text and `String`s a
/// decoder already allocated (protobuf) are kept as they are. Reads as a `str`.
#[derive(Clone)]
pub struct SmallStr(Repr);

#[derive(Clone)]
enum Repr {
    /// Invariant: `bytes[..len]` is the UTF-8 text it was made from.
    Inline {
        len: u8,
        bytes: [u8; INLINE],
    },
    Heap(String),
}

impl SmallStr {
    pub fn new(text: &str) -> Self {
        let mut bytes = [0u8; INLINE];
        match (bytes.get_mut(..text.len()), u8::try_from(text.len())) {
            (Some(slot), Ok(len)) => {
                slot.copy_from_slice(text.as_bytes());
                SmallStr(Repr::Inline { len, bytes })
            }
            _ => SmallStr(Repr::Heap(text.to_string())),
        }
    }

    pub fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline { len, bytes } => bytes.get(..usize::from(*len)).unwrap_or_default(),
            Repr::Heap(s) => s.as_bytes(),
        }
    }

    pub fn as_str(&self) -> &str {
        match &self.0 {
            // Always valid: the bytes were copied from a `str` (the check is a short ASCII scan).
            Repr::Inline { .. } => std::str::from_utf8(self.as_bytes()).unwrap_or_default(),
            Repr::Heap(s) => s,
        }
    }
}

impl From<&str> for SmallStr {
    fn from(text: &str) -> Self {
        SmallStr::new(text)
    }
}

/// Takes the `String` as it is (copying it inline would only move its `free` earlier).
impl From<String> for SmallStr {
    fn from(text: String) -> Self {
        SmallStr(Repr::Heap(text))
    }
}

impl std::ops::Deref for SmallStr {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for SmallStr {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for SmallStr {}

impl PartialEq<str> for SmallStr {
    fn eq(&self, other: &str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl PartialEq<&str> for SmallStr {
    fn eq(&self, other: &&str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

/// Same as a `String`'s: `"6866.5"`.
impl std::fmt::Debug for SmallStr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl std::fmt::Display for SmallStr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A JSON-like value for fields kept "as sent": JSON integers stay integers, other numbers keep
/// their exact token text, strings as sent.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    /// An integer beyond i64, kept as its decimal text (becomes a Python `int`).
    BigInt(String),
    /// A non-integer number token, exactly as sent (becomes a Python `str`).
    Num(String),
    Str(String),
    Array(Vec<Value>),
    /// Entries in wire order; duplicate keys already resolved (last wins).
    Object(Vec<(String, Value)>),
}

/// Taker side / order side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Buy,
    Sell,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Buy => "buy",
            Side::Sell => "sell",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderStatus {
    New,
    Open,
    PartiallyFilled,
    Filled,
    Cancelled,
    Rejected,
    Expired,
    Unknown,
}

impl OrderStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::New => "new",
            OrderStatus::Open => "open",
            OrderStatus::PartiallyFilled => "partially_filled",
            OrderStatus::Filled => "filled",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Rejected => "rejected",
            OrderStatus::Expired => "expired",
            OrderStatus::Unknown => "unknown",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderType {
    Limit,
    Market,
    PostOnly,
    Ioc,
    Fok,
    StopLimit,
    StopMarket,
    Other,
}

impl OrderType {
    pub fn as_str(self) -> &'static str {
        match self {
            OrderType::Limit => "limit",
            OrderType::Market => "market",
            OrderType::PostOnly => "post_only",
            OrderType::Ioc => "ioc",
            OrderType::Fok => "fok",
            OrderType::StopLimit => "stop_limit",
            OrderType::StopMarket => "stop_market",
            OrderType::Other => "other",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarginMode {
    Cross,
    Isolated,
}

impl MarginMode {
    pub fn as_str(self) -> &'static str {
        match self {
            MarginMode::Cross => "cross",
            MarginMode::Isolated => "isolated",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct DepthUpdate {
    pub meta: Meta,
    pub bids: Levels,
    pub asks: Levels,
    pub first_seq: Option<u64>,
    pub last_seq: Option<u64>,
    pub is_snapshot: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Trade {
    pub meta: Meta,
    pub price: Dec,
    /// Absolute value of a signed size.
    pub qty: Dec,
    pub side: Option<Side>,
    pub side_code: Option<String>,
    pub trade_id: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct BookTicker {
    pub meta: Meta,
    pub bid_price: Option<Dec>,
    pub bid_qty: Option<Dec>,
    pub ask_price: Option<Dec>,
    pub ask_qty: Option<Dec>,
    pub update_id: Option<u64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Ticker {
    pub meta: Meta,
    pub last: Option<Dec>,
    pub bid: Option<Dec>,
    pub ask: Option<Dec>,
    pub high: Option<Dec>,
    pub low: Option<Dec>,
    pub base_volume: Option<Dec>,
    pub quote_volume: Option<Dec>,
    /// Percent (fractions are multiplied by 100 exactly).
    pub change_pct: Option<Dec>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Kline {
    pub meta: Meta,
    pub interval: String,
    pub open_time_ms: Option<i64>,
    pub open: Option<Dec>,
    pub high: Option<Dec>,
    pub low: Option<Dec>,
    pub close: Option<Dec>,
    pub volume: Option<Dec>,
    pub quote_volume: Option<Dec>,
    /// Whether the window is closed, where the exchange says so (Gate `w`).
    pub closed: Option<bool>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct OrderUpdate {
    pub meta: Meta,
    pub order_id: Option<String>,
    pub client_order_id: Option<String>,
    pub side: Option<Side>,
    pub side_code: Option<String>,
    pub order_type: OrderType,
    pub order_type_code: Option<String>,
    pub status: OrderStatus,
    pub status_code: Option<String>,
    pub price: Option<Dec>,
    pub qty: Option<Dec>,
    pub filled_qty: Option<Dec>,
    pub avg_price: Option<Dec>,
    pub update_ts_ms: Option<i64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Fill {
    pub meta: Meta,
    pub trade_id: Option<String>,
    pub order_id: Option<String>,
    pub side: Option<Side>,
    pub side_code: Option<String>,
    pub price: Option<Dec>,
    pub qty: Option<Dec>,
    pub fee: Option<Dec>,
    pub fee_asset: Option<String>,
    pub is_maker: Option<bool>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct BalanceUpdate {
    pub meta: Meta,
    pub asset: Option<String>,
    pub free: Option<Dec>,
    pub locked: Option<Dec>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PositionUpdate {
    pub meta: Meta,
    /// Signed, in contracts.
    pub size: Option<Dec>,
    pub entry_price: Option<Dec>,
    pub leverage: Option<Dec>,
    pub margin_mode: Option<MarginMode>,
    pub liq_price: Option<Dec>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FundingRate {
    pub meta: Meta,
    pub rate: Option<Dec>,
    pub next_funding_ms: Option<i64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PriceKind {
    Index,
    Mark,
}

impl PriceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PriceKind::Index => "index_price",
            PriceKind::Mark => "mark_price",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct PriceUpdate {
    pub meta: Meta,
    pub price_kind: PriceKind,
    pub price: Option<Dec>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Liquidation {
    pub meta: Meta,
    pub price: Option<Dec>,
    pub qty: Option<Dec>,
    pub side: Option<Side>,
}

/// One entry of a stats channel (e.g. Gate `futures.contract_stats`), as sent.
#[derive(Clone, Debug, PartialEq)]
pub struct StatsUpdate {
    pub meta: Meta,
    pub fields: Vec<(String, Value)>,
}

/// One entry of a private channel without a class of its own, as sent.
#[derive(Clone, Debug, PartialEq)]
pub struct AccountEvent {
    pub meta: Meta,
    pub topic: String,
    pub fields: Vec<(String, Value)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ControlKind {
    Subscribed,
    Unsubscribed,
    Login,
    System,
    Pong,
}

impl ControlKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ControlKind::Subscribed => "subscribed",
            ControlKind::Unsubscribed => "unsubscribed",
            ControlKind::Login => "login",
            ControlKind::System => "system",
            ControlKind::Pong => "pong",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ControlEvent {
    pub meta: Meta,
    pub control: ControlKind,
    /// The request id echoed by the exchange (JSON integer or string), as sent.
    pub request_id: Option<Value>,
    pub detail: Option<String>,
}

/// Gate WS trading API ack / response / error.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiReply {
    pub meta: Meta,
    pub request_id: Option<String>,
    pub ok: bool,
    /// True for the first "ack" reply of a two-phase request.
    pub ack: bool,
    pub status: Option<String>,
    pub result: Option<Value>,
    pub code: Option<String>,
    pub message: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ErrorReply {
    pub meta: Meta,
    pub code: Option<i64>,
    pub message: Option<String>,
    /// The request id echoed by the exchange, as sent.
    pub request_id: Option<Value>,
}

/// The payload exactly as given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Raw {
    Text(String),
    Binary(Vec<u8>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Unknown {
    pub meta: Meta,
    pub raw: Raw,
}

/// Everything a parser can produce.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    Depth(DepthUpdate),
    Trade(Trade),
    BookTicker(BookTicker),
    Ticker(Ticker),
    Kline(Kline),
    Order(OrderUpdate),
    Fill(Fill),
    Balance(BalanceUpdate),
    Position(PositionUpdate),
    FundingRate(FundingRate),
    Price(PriceUpdate),
    Liquidation(Liquidation),
    Stats(StatsUpdate),
    Account(AccountEvent),
    Control(ControlEvent),
    ApiReply(ApiReply),
    ErrorReply(ErrorReply),
    Unknown(Unknown),
}

impl Event {
    pub fn meta(&self) -> &Meta {
        match self {
            Event::Depth(e) => &e.meta,
            Event::Trade(e) => &e.meta,
            Event::BookTicker(e) => &e.meta,
            Event::Ticker(e) => &e.meta,
            Event::Kline(e) => &e.meta,
            Event::Order(e) => &e.meta,
            Event::Fill(e) => &e.meta,
            Event::Balance(e) => &e.meta,
            Event::Position(e) => &e.meta,
            Event::FundingRate(e) => &e.meta,
            Event::Price(e) => &e.meta,
            Event::Liquidation(e) => &e.meta,
            Event::Stats(e) => &e.meta,
            Event::Account(e) => &e.meta,
            Event::Control(e) => &e.meta,
            Event::ApiReply(e) => &e.meta,
            Event::ErrorReply(e) => &e.meta,
            Event::Unknown(e) => &e.meta,
        }
    }

    /// The spec's `kind` string.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Depth(_) => "depth",
            Event::Trade(_) => "trade",
            Event::BookTicker(_) => "book_ticker",
            Event::Ticker(_) => "ticker",
            Event::Kline(_) => "kline",
            Event::Order(_) => "order",
            Event::Fill(_) => "fill",
            Event::Balance(_) => "balance",
            Event::Position(_) => "position",
            Event::FundingRate(_) => "funding_rate",
            Event::Price(e) => e.price_kind.as_str(),
            Event::Liquidation(_) => "liquidation",
            Event::Stats(_) => "stats",
            Event::Account(_) => "account",
            Event::Control(e) => e.control.as_str(),
            Event::ApiReply(_) => "api_reply",
            Event::ErrorReply(_) => "error_reply",
            Event::Unknown(_) => "unknown",
        }
    }
}

#[cfg(test)]
mod small_str_tests {
    use super::SmallStr;

    #[test]
    fn inline_and_heap_read_back_exactly() {
        for text in [
            "",
            "0",
            "117000.1",
            "0.0000000000001",  // 15 bytes: inline
            "0.00000000000001", // 16 bytes: heap
            "€1.5",             // non-ASCII
            "9".repeat(200).as_str(),
        ] {
            let a = SmallStr::new(text);
            let b = SmallStr::from(text.to_string());
            assert_eq!(a.as_str(), text);
            assert_eq!(b.as_str(), text);
            assert_eq!(a, b);
            assert_eq!(a, text);
            assert_eq!(a.as_bytes(), text.as_bytes());
            assert_eq!(format!("{a:?}"), format!("{:?}", text.to_string()));
            assert_eq!(a.to_string(), text);
        }
        assert!(std::mem::size_of::<SmallStr>() <= 24);
    }
}
