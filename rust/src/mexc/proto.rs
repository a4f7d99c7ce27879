//! MEXC spot v3 push schema as hand-written prost structs.
//!
//! Field numbers, types and labels follow `mexcdevelop/websocket-proto` @ 7b8ac7a (2026-06-17), as
//! transcribed in `protocols/mexc.md` §5 (including the 2026.6 additions of §5.4). Writing the structs
//! by hand keeps `protoc` out of the build; wire bytes do not depend on the (absent) proto package.
//! proto3 implicit-presence scalars are plain fields (absent ⇔ default), `optional` ones are `Option`.

/// Every binary frame of `wss://wbs-api.mexc.com/ws` is one of these (no length prefix, no batching).
#[derive(Clone, PartialEq, prost::Message)]
pub struct PushDataV3ApiWrapper {
    #[prost(string, tag = "1")]
    pub channel: String,
    #[prost(string, optional, tag = "3")]
    pub symbol: Option<String>,
    #[prost(string, optional, tag = "4")]
    pub symbol_id: Option<String>,
    #[prost(int64, optional, tag = "5")]
    pub create_time: Option<i64>,
    #[prost(int64, optional, tag = "6")]
    pub send_time: Option<i64>,
    #[prost(
        oneof = "Body",
        tags = "301, 302, 303, 304, 305, 306, 307, 308, 309, 310, 311, 312, 313, 314, 315"
    )]
    pub body: Option<Body>,
}

/// The wrapper's `oneof body` (field numbers 301–315).
// One value per frame, on the stack: boxing the large private-order variant would only add an
// allocation per push.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, PartialEq, prost::Oneof)]
pub enum Body {
    #[prost(message, tag = "301")]
    PublicDeals(PublicDealsV3Api),
    #[prost(message, tag = "302")]
    PublicIncreaseDepths(PublicIncreaseDepthsV3Api),
    #[prost(message, tag = "303")]
    PublicLimitDepths(PublicLimitDepthsV3Api),
    #[prost(message, tag = "304")]
    PrivateOrders(PrivateOrdersV3Api),
    #[prost(message, tag = "305")]
    PublicBookTicker(PublicBookTickerV3Api),
    #[prost(message, tag = "306")]
    PrivateDeals(PrivateDealsV3Api),
    #[prost(message, tag = "307")]
    PrivateAccount(PrivateAccountV3Api),
    #[prost(message, tag = "308")]
    PublicSpotKline(PublicSpotKlineV3Api),
    #[prost(message, tag = "309")]
    PublicMiniTicker(PublicMiniTickerV3Api),
    #[prost(message, tag = "310")]
    PublicMiniTickers(PublicMiniTickersV3Api),
    #[prost(message, tag = "311")]
    PublicBookTickerBatch(PublicBookTickerBatchV3Api),
    #[prost(message, tag = "312")]
    PublicIncreaseDepthsBatch(PublicIncreaseDepthsBatchV3Api),
    #[prost(message, tag = "313")]
    PublicAggreDepths(PublicAggreDepthsV3Api),
    #[prost(message, tag = "314")]
    PublicAggreDeals(PublicAggreDealsV3Api),
    #[prost(message, tag = "315")]
    PublicAggreBookTicker(PublicAggreBookTickerV3Api),
}

impl Body {
    /// The oneof member's field number.
    pub fn field_number(&self) -> u32 {
        match self {
            Body::PublicDeals(_) => 301,
            Body::PublicIncreaseDepths(_) => 302,
            Body::PublicLimitDepths(_) => 303,
            Body::PrivateOrders(_) => 304,
            Body::PublicBookTicker(_) => 305,
            Body::PrivateDeals(_) => 306,
            Body::PrivateAccount(_) => 307,
            Body::PublicSpotKline(_) => 308,
            Body::PublicMiniTicker(_) => 309,
            Body::PublicMiniTickers(_) => 310,
            Body::PublicBookTickerBatch(_) => 311,
            Body::PublicIncreaseDepthsBatch(_) => 312,
            Body::PublicAggreDepths(_) => 313,
            Body::PublicAggreDeals(_) => 314,
            Body::PublicAggreBookTicker(_) => 315,
        }
    }

    /// The oneof member's name as written in the .proto (`publicAggreDepths`).
    pub fn member_name(&self) -> &'static str {
        body_member_name(self.field_number()).unwrap_or("unknown")
    }
}

/// Name of the oneof member with this field number, if it is one.
pub fn body_member_name(field: u32) -> Option<&'static str> {
    Some(match field {
        301 => "publicDeals",
        302 => "publicIncreaseDepths",
        303 => "publicLimitDepths",
        304 => "privateOrders",
        305 => "publicBookTicker",
        306 => "privateDeals",
        307 => "privateAccount",
        308 => "publicSpotKline",
        309 => "publicMiniTicker",
        310 => "publicMiniTickers",
        311 => "publicBookTickerBatch",
        312 => "publicIncreaseDepthsBatch",
        313 => "publicAggreDepths",
        314 => "publicAggreDeals",
        315 => "publicAggreBookTicker",
        _ => return None,
    })
}

// ---------------------------------------------------------------------------------------------
// Market data

#[derive(Clone, PartialEq, prost::Message)]
pub struct PublicAggreDepthsV3Api {
    #[prost(message, repeated, tag = "1")]
    pub asks: Vec<PublicAggreDepthV3ApiItem>,
    #[prost(message, repeated, tag = "2")]
    pub bids: Vec<PublicAggreDepthV3ApiItem>,
    #[prost(string, tag = "3")]
    pub event_type: String,
    #[prost(string, tag = "4")]
    pub from_version: String,
    #[prost(string, tag = "5")]
    pub to_version: String,
    /// Added 2026.6.
    #[prost(int64, tag = "6")]
    pub last_order_create_time: i64,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct PublicAggreDepthV3ApiItem {
    #[prost(string, tag = "1")]
    pub price: String,
    #[prost(string, tag = "2")]
    pub quantity: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct PublicAggreDealsV3Api {
    #[prost(message, repeated, tag = "1")]
    pub deals: Vec<PublicAggreDealsV3ApiItem>,
    #[prost(string, tag = "2")]
    pub event_type: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct PublicAggreDealsV3ApiItem {
    #[prost(string, tag = "1")]
    pub price: String,
    #[prost(string, tag = "2")]
    pub quantity: String,
    /// 1 buy, 2 sell.
    #[prost(int32, tag = "3")]
    pub trade_type: i32,
    /// Milliseconds.
    #[prost(int64, tag = "4")]
    pub time: i64,
    /// Added 2026.6.
    #[prost(string, tag = "5")]
    pub trade_id: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct PublicAggreBookTickerV3Api {
    #[prost(string, tag = "1")]
    pub bid_price: String,
    #[prost(string, tag = "2")]
    pub bid_quantity: String,
    #[prost(string, tag = "3")]
    pub ask_price: String,
    #[prost(string, tag = "4")]
    pub ask_quantity: String,
    /// Added 2026.6.
    #[prost(string, tag = "5")]
    pub version: String,
    /// Added 2026.6.
    #[prost(int64, tag = "6")]
    pub last_order_create_time: i64,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct PublicLimitDepthsV3Api {
    #[prost(message, repeated, tag = "1")]
    pub asks: Vec<PublicLimitDepthV3ApiItem>,
    #[prost(message, repeated, tag = "2")]
    pub bids: Vec<PublicLimitDepthV3ApiItem>,
    #[prost(string, tag = "3")]
    pub event_type: String,
    #[prost(string, tag = "4")]
    pub version: String,
    /// Added 2026.6.
    #[prost(int64, tag = "5")]
    pub last_order_create_time: i64,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct PublicLimitDepthV3ApiItem {
    #[prost(string, tag = "1")]
    pub price: String,
    #[prost(string, tag = "2")]
    pub quantity: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct PublicBookTickerV3Api {
    #[prost(string, tag = "1")]
    pub bid_price: String,
    #[prost(string, tag = "2")]
    pub bid_quantity: String,
    #[prost(string, tag = "3")]
    pub ask_price: String,
    #[prost(string, tag = "4")]
    pub ask_quantity: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct PublicBookTickerBatchV3Api {
    #[prost(message, repeated, tag = "1")]
    pub items: Vec<PublicBookTickerV3Api>,
    /// Added 2026.6.
    #[prost(string, tag = "2")]
    pub version: String,
    /// Added 2026.6.
    #[prost(int64, tag = "3")]
    pub last_order_create_time: i64,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct PublicSpotKlineV3Api {
    #[prost(string, tag = "1")]
    pub interval: String,
    /// Seconds.
    #[prost(int64, tag = "2")]
    pub window_start: i64,
    #[prost(string, tag = "3")]
    pub opening_price: String,
    #[prost(string, tag = "4")]
    pub closing_price: String,
    #[prost(string, tag = "5")]
    pub highest_price: String,
    #[prost(string, tag = "6")]
    pub lowest_price: String,
    /// Base volume.
    #[prost(string, tag = "7")]
    pub volume: String,
    /// Quote turnover.
    #[prost(string, tag = "8")]
    pub amount: String,
    /// Seconds.
    #[prost(int64, tag = "9")]
    pub window_end: i64,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct PublicMiniTickerV3Api {
    #[prost(string, tag = "1")]
    pub symbol: String,
    #[prost(string, tag = "2")]
    pub price: String,
    #[prost(string, tag = "3")]
    pub rate: String,
    #[prost(string, tag = "4")]
    pub zoned_rate: String,
    #[prost(string, tag = "5")]
    pub high: String,
    #[prost(string, tag = "6")]
    pub low: String,
    /// Quote turnover.
    #[prost(string, tag = "7")]
    pub volume: String,
    /// Base quantity.
    #[prost(string, tag = "8")]
    pub quantity: String,
    #[prost(string, tag = "9")]
    pub last_close_rate: String,
    #[prost(string, tag = "10")]
    pub last_close_zoned_rate: String,
    #[prost(string, tag = "11")]
    pub last_close_high: String,
    #[prost(string, tag = "12")]
    pub last_close_low: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct PublicMiniTickersV3Api {
    #[prost(message, repeated, tag = "1")]
    pub items: Vec<PublicMiniTickerV3Api>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct PublicDealsV3Api {
    #[prost(message, repeated, tag = "1")]
    pub deals: Vec<PublicDealsV3ApiItem>,
    #[prost(string, tag = "2")]
    pub event_type: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct PublicDealsV3ApiItem {
    #[prost(string, tag = "1")]
    pub price: String,
    #[prost(string, tag = "2")]
    pub quantity: String,
    #[prost(int32, tag = "3")]
    pub trade_type: i32,
    #[prost(int64, tag = "4")]
    pub time: i64,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct PublicIncreaseDepthsV3Api {
    #[prost(message, repeated, tag = "1")]
    pub asks: Vec<PublicIncreaseDepthV3ApiItem>,
    #[prost(message, repeated, tag = "2")]
    pub bids: Vec<PublicIncreaseDepthV3ApiItem>,
    #[prost(string, tag = "3")]
    pub event_type: String,
    #[prost(string, tag = "4")]
    pub version: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct PublicIncreaseDepthV3ApiItem {
    #[prost(string, tag = "1")]
    pub price: String,
    #[prost(string, tag = "2")]
    pub quantity: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct PublicIncreaseDepthsBatchV3Api {
    #[prost(message, repeated, tag = "1")]
    pub items: Vec<PublicIncreaseDepthsV3Api>,
    #[prost(string, tag = "2")]
    pub event_type: String,
}

// ---------------------------------------------------------------------------------------------
// Private (listenKey connection)

#[derive(Clone, PartialEq, prost::Message)]
pub struct PrivateOrdersV3Api {
    #[prost(string, tag = "1")]
    pub id: String,
    #[prost(string, tag = "2")]
    pub client_id: String,
    #[prost(string, tag = "3")]
    pub price: String,
    #[prost(string, tag = "4")]
    pub quantity: String,
    #[prost(string, tag = "5")]
    pub amount: String,
    #[prost(string, tag = "6")]
    pub avg_price: String,
    #[prost(int32, tag = "7")]
    pub order_type: i32,
    #[prost(int32, tag = "8")]
    pub trade_type: i32,
    #[prost(bool, tag = "9")]
    pub is_maker: bool,
    #[prost(string, tag = "10")]
    pub remain_amount: String,
    #[prost(string, tag = "11")]
    pub remain_quantity: String,
    #[prost(string, optional, tag = "12")]
    pub last_deal_quantity: Option<String>,
    #[prost(string, tag = "13")]
    pub cumulative_quantity: String,
    #[prost(string, tag = "14")]
    pub cumulative_amount: String,
    #[prost(int32, tag = "15")]
    pub status: i32,
    #[prost(int64, tag = "16")]
    pub create_time: i64,
    #[prost(string, optional, tag = "17")]
    pub market: Option<String>,
    #[prost(int32, optional, tag = "18")]
    pub trigger_type: Option<i32>,
    #[prost(string, optional, tag = "19")]
    pub trigger_price: Option<String>,
    #[prost(int32, optional, tag = "20")]
    pub state: Option<i32>,
    #[prost(string, optional, tag = "21")]
    pub oco_id: Option<String>,
    #[prost(string, optional, tag = "22")]
    pub route_factor: Option<String>,
    #[prost(string, optional, tag = "23")]
    pub symbol_id: Option<String>,
    #[prost(string, optional, tag = "24")]
    pub market_id: Option<String>,
    #[prost(string, optional, tag = "25")]
    pub market_currency_id: Option<String>,
    #[prost(string, optional, tag = "26")]
    pub currency_id: Option<String>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct PrivateDealsV3Api {
    #[prost(string, tag = "1")]
    pub price: String,
    #[prost(string, tag = "2")]
    pub quantity: String,
    #[prost(string, tag = "3")]
    pub amount: String,
    #[prost(int32, tag = "4")]
    pub trade_type: i32,
    #[prost(bool, tag = "5")]
    pub is_maker: bool,
    #[prost(bool, tag = "6")]
    pub is_self_trade: bool,
    #[prost(string, tag = "7")]
    pub trade_id: String,
    #[prost(string, tag = "8")]
    pub client_order_id: String,
    #[prost(string, tag = "9")]
    pub order_id: String,
    #[prost(string, tag = "10")]
    pub fee_amount: String,
    #[prost(string, tag = "11")]
    pub fee_currency: String,
    #[prost(int64, tag = "12")]
    pub time: i64,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct PrivateAccountV3Api {
    #[prost(string, tag = "1")]
    pub vcoin_name: String,
    #[prost(string, tag = "2")]
    pub coin_id: String,
    #[prost(string, tag = "3")]
    pub balance_amount: String,
    #[prost(string, tag = "4")]
    pub balance_amount_change: String,
    #[prost(string, tag = "5")]
    pub frozen_amount: String,
    #[prost(string, tag = "6")]
    pub frozen_amount_change: String,
    /// Open set of strings (`ENTRUST_PLACE`, `CONTRACT_TRANSFER`, …): never a closed enum.
    #[prost(string, tag = "7")]
    pub r#type: String,
    #[prost(int64, tag = "8")]
    pub time: i64,
}
