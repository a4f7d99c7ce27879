//! Strict protobuf wire pre-validator for `PushDataV3ApiWrapper`.
//!
//! A generic protobuf runtime (upb) silently accepts several malformed encodings: a known field sent
//! with the wrong wire type is treated as unknown, a 10-byte varint with bits beyond 64 is truncated,
//! a missing oneof body is just `None`. This walker checks the bytes against the schema of
//! `protocols/mexc.md` §5 before prost decodes them, and names the problem, the field and the byte
//! offset. Unknown fields of every wire type (groups included) are skipped. Work is one linear pass
//! with an explicit, fixed-size stack: no recursion, no allocation unless an error is reported.

use super::error::{MexcError, WireError};
use super::proto::body_member_name;

/// Most entries a single repeated field may hold in one frame (P9 of the vectors README).
pub const MAX_REPEATED: u32 = 50_000;
/// Nesting limit for messages plus groups, the prost/upb default.
pub const MAX_DEPTH: usize = 100;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// int32 / int64 / bool: wire type 0.
    Varint,
    /// string: wire type 2, UTF-8 checked.
    Str,
    /// Embedded message (index into `MSGS`): wire type 2.
    Msg(usize),
}

struct FieldDef {
    num: u32,
    name: &'static str,
    kind: Kind,
    /// Counter slot for repeated fields (entries per frame are limited).
    slot: Option<usize>,
}

struct MsgDef {
    fields: &'static [FieldDef],
}

const fn f(num: u32, name: &'static str, kind: Kind) -> FieldDef {
    FieldDef {
        num,
        name,
        kind,
        slot: None,
    }
}

const fn rep(num: u32, name: &'static str, msg: usize, slot: usize) -> FieldDef {
    FieldDef {
        num,
        name,
        kind: Kind::Msg(msg),
        slot: Some(slot),
    }
}

use Kind::{Str, Varint};

// Message indices into MSGS.
const WRAPPER: usize = 0;
const DEALS: usize = 1;
const DEALS_ITEM: usize = 2;
const INC_DEPTHS: usize = 3;
const LEVEL: usize = 4; // every depth item is {1 price, 2 quantity}
const LIMIT_DEPTHS: usize = 5;
const ORDERS: usize = 6;
const BOOK_TICKER: usize = 7;
const PRIV_DEALS: usize = 8;
const ACCOUNT: usize = 9;
const KLINE: usize = 10;
const MINI_TICKER: usize = 11;
const MINI_TICKERS: usize = 12;
const BOOK_TICKER_BATCH: usize = 13;
const INC_DEPTHS_BATCH: usize = 14;
const AGGRE_DEPTHS: usize = 15;
const AGGRE_DEALS: usize = 16;
const AGGRE_DEALS_ITEM: usize = 17;
const AGGRE_BOOK_TICKER: usize = 18;

/// Number of repeated-field counter slots used below.
const SLOTS: usize = 11;

const BOOK_TICKER_FIELDS: &[FieldDef] = &[
    f(1, "bidPrice", Str),
    f(2, "bidQuantity", Str),
    f(3, "askPrice", Str),
    f(4, "askQuantity", Str),
];

static MSGS: [MsgDef; 19] = [
    MsgDef {
        fields: &[
            f(1, "channel", Str),
            f(3, "symbol", Str),
            f(4, "symbolId", Str),
            f(5, "createTime", Varint),
            f(6, "sendTime", Varint),
            f(301, "publicDeals", Kind::Msg(DEALS)),
            f(302, "publicIncreaseDepths", Kind::Msg(INC_DEPTHS)),
            f(303, "publicLimitDepths", Kind::Msg(LIMIT_DEPTHS)),
            f(304, "privateOrders", Kind::Msg(ORDERS)),
            f(305, "publicBookTicker", Kind::Msg(BOOK_TICKER)),
            f(306, "privateDeals", Kind::Msg(PRIV_DEALS)),
            f(307, "privateAccount", Kind::Msg(ACCOUNT)),
            f(308, "publicSpotKline", Kind::Msg(KLINE)),
            f(309, "publicMiniTicker", Kind::Msg(MINI_TICKER)),
            f(310, "publicMiniTickers", Kind::Msg(MINI_TICKERS)),
            f(311, "publicBookTickerBatch", Kind::Msg(BOOK_TICKER_BATCH)),
            f(
                312,
                "publicIncreaseDepthsBatch",
                Kind::Msg(INC_DEPTHS_BATCH),
            ),
            f(313, "publicAggreDepths", Kind::Msg(AGGRE_DEPTHS)),
            f(314, "publicAggreDeals", Kind::Msg(AGGRE_DEALS)),
            f(315, "publicAggreBookTicker", Kind::Msg(AGGRE_BOOK_TICKER)),
        ],
    },
    MsgDef {
        fields: &[rep(1, "deals", DEALS_ITEM, 0), f(2, "eventType", Str)],
    },
    MsgDef {
        fields: &[
            f(1, "price", Str),
            f(2, "quantity", Str),
            f(3, "tradeType", Varint),
            f(4, "time", Varint),
        ],
    },
    MsgDef {
        fields: &[
            rep(1, "asks", LEVEL, 1),
            rep(2, "bids", LEVEL, 2),
            f(3, "eventType", Str),
            f(4, "version", Str),
        ],
    },
    MsgDef {
        fields: &[f(1, "price", Str), f(2, "quantity", Str)],
    },
    MsgDef {
        fields: &[
            rep(1, "asks", LEVEL, 3),
            rep(2, "bids", LEVEL, 4),
            f(3, "eventType", Str),
            f(4, "version", Str),
            f(5, "lastOrderCreateTime", Varint),
        ],
    },
    MsgDef {
        fields: &[
            f(1, "id", Str),
            f(2, "clientId", Str),
            f(3, "price", Str),
            f(4, "quantity", Str),
            f(5, "amount", Str),
            f(6, "avgPrice", Str),
            f(7, "orderType", Varint),
            f(8, "tradeType", Varint),
            f(9, "isMaker", Varint),
            f(10, "remainAmount", Str),
            f(11, "remainQuantity", Str),
            f(12, "lastDealQuantity", Str),
            f(13, "cumulativeQuantity", Str),
            f(14, "cumulativeAmount", Str),
            f(15, "status", Varint),
            f(16, "createTime", Varint),
            f(17, "market", Str),
            f(18, "triggerType", Varint),
            f(19, "triggerPrice", Str),
            f(20, "state", Varint),
            f(21, "ocoId", Str),
            f(22, "routeFactor", Str),
            f(23, "symbolId", Str),
            f(24, "marketId", Str),
            f(25, "marketCurrencyId", Str),
            f(26, "currencyId", Str),
        ],
    },
    MsgDef {
        fields: BOOK_TICKER_FIELDS,
    },
    MsgDef {
        fields: &[
            f(1, "price", Str),
            f(2, "quantity", Str),
            f(3, "amount", Str),
            f(4, "tradeType", Varint),
            f(5, "isMaker", Varint),
            f(6, "isSelfTrade", Varint),
            f(7, "tradeId", Str),
            f(8, "clientOrderId", Str),
            f(9, "orderId", Str),
            f(10, "feeAmount", Str),
            f(11, "feeCurrency", Str),
            f(12, "time", Varint),
        ],
    },
    MsgDef {
        fields: &[
            f(1, "vcoinName", Str),
            f(2, "coinId", Str),
            f(3, "balanceAmount", Str),
            f(4, "balanceAmountChange", Str),
            f(5, "frozenAmount", Str),
            f(6, "frozenAmountChange", Str),
            f(7, "type", Str),
            f(8, "time", Varint),
        ],
    },
    MsgDef {
        fields: &[
            f(1, "interval", Str),
            f(2, "windowStart", Varint),
            f(3, "openingPrice", Str),
            f(4, "closingPrice", Str),
            f(5, "highestPrice", Str),
            f(6, "lowestPrice", Str),
            f(7, "volume", Str),
            f(8, "amount", Str),
            f(9, "windowEnd", Varint),
        ],
    },
    MsgDef {
        fields: &[
            f(1, "symbol", Str),
            f(2, "price", Str),
            f(3, "rate", Str),
            f(4, "zonedRate", Str),
            f(5, "high", Str),
            f(6, "low", Str),
            f(7, "volume", Str),
            f(8, "quantity", Str),
            f(9, "lastCloseRate", Str),
            f(10, "lastCloseZonedRate", Str),
            f(11, "lastCloseHigh", Str),
            f(12, "lastCloseLow", Str),
        ],
    },
    MsgDef {
        fields: &[rep(1, "items", MINI_TICKER, 5)],
    },
    MsgDef {
        fields: &[
            rep(1, "items", BOOK_TICKER, 6),
            f(2, "version", Str),
            f(3, "lastOrderCreateTime", Varint),
        ],
    },
    MsgDef {
        fields: &[rep(1, "items", INC_DEPTHS, 7), f(2, "eventType", Str)],
    },
    MsgDef {
        fields: &[
            rep(1, "asks", LEVEL, 8),
            rep(2, "bids", LEVEL, 9),
            f(3, "eventType", Str),
            f(4, "fromVersion", Str),
            f(5, "toVersion", Str),
            f(6, "lastOrderCreateTime", Varint),
        ],
    },
    MsgDef {
        fields: &[
            rep(1, "deals", AGGRE_DEALS_ITEM, 10),
            f(2, "eventType", Str),
        ],
    },
    MsgDef {
        fields: &[
            f(1, "price", Str),
            f(2, "quantity", Str),
            f(3, "tradeType", Varint),
            f(4, "time", Varint),
            f(5, "tradeId", Str),
        ],
    },
    MsgDef {
        fields: &[
            f(1, "bidPrice", Str),
            f(2, "bidQuantity", Str),
            f(3, "askPrice", Str),
            f(4, "askQuantity", Str),
            f(5, "version", Str),
            f(6, "lastOrderCreateTime", Varint),
        ],
    },
];

/// What the walk found at wrapper level; prost's decoded value tells the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WireSummary {
    /// Field number of the last known body member (the one prost keeps).
    pub body_field: Option<u32>,
    /// First length-delimited wrapper field >= 300 that is no known body member.
    pub unknown_body_field: Option<u32>,
}

/// One open message on the walk: which schema, where it ends, and how we got there (for errors).
#[derive(Clone, Copy)]
struct Open {
    msg: usize,
    end: usize,
    /// Field name in the parent that opened this message ("" for the wrapper).
    via_name: &'static str,
}

/// Known messages nest at most 4 deep (wrapper → batch → depths → level).
const MAX_OPEN: usize = 5;

struct Walker<'a> {
    buf: &'a [u8],
    stack: [Open; MAX_OPEN],
    len: usize,
}

impl<'a> Walker<'a> {
    fn top(&self) -> Open {
        // len >= 1 while walking (the wrapper is never popped before the loop ends).
        self.stack[self.len.saturating_sub(1).min(MAX_OPEN - 1)]
    }

    /// Render the field path for an error: `publicAggreDepths.asks.price`.
    fn path(&self, leaf: Option<&str>) -> String {
        let mut parts: Vec<&str> = Vec::with_capacity(self.len + 1);
        for open in self.stack.iter().take(self.len).skip(1) {
            parts.push(open.via_name);
        }
        if let Some(name) = leaf {
            parts.push(name);
        }
        if parts.is_empty() {
            "wrapper".to_string()
        } else {
            parts.join(".")
        }
    }

    fn err(&self, kind: WireError, offset: usize, field: u32, leaf: Option<&str>) -> MexcError {
        let path = match leaf {
            Some(name) => self.path(Some(name)),
            None => {
                let owner = self.path(None);
                format!("unknown field of {owner}")
            }
        };
        MexcError::Wire {
            kind,
            offset,
            field,
            path,
        }
    }

    /// Read a varint ending no later than `limit`. Errors carry `field` / `leaf` for the message.
    fn varint(
        &self,
        pos: &mut usize,
        limit: usize,
        field: u32,
        leaf: Option<&str>,
    ) -> Result<u64, MexcError> {
        let start = *pos;
        // Fast path: most tags, lengths and small values are one byte.
        if start < limit {
            if let Some(&b) = self.buf.get(start) {
                if b < 0x80 {
                    *pos = start + 1;
                    return Ok(u64::from(b));
                }
            }
        }
        let mut value: u64 = 0;
        for i in 0..10 {
            let at = start + i;
            if at >= limit {
                return Err(self.err(WireError::TruncatedVarint, start, field, leaf));
            }
            let b = self.buf.get(at).copied().unwrap_or(0);
            if i == 9 && b > 1 {
                // The 10th byte may only carry bit 63; more is an overflow (or a longer varint).
                let kind = if b & 0x80 != 0 {
                    WireError::VarintTooLong
                } else {
                    WireError::VarintOverflow
                };
                return Err(self.err(kind, start, field, leaf));
            }
            value |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                *pos = at + 1;
                return Ok(value);
            }
        }
        Err(self.err(WireError::VarintTooLong, start, field, leaf))
    }
}

fn lookup(msg: usize, num: u32) -> Option<&'static FieldDef> {
    MSGS.get(msg)?.fields.iter().find(|fd| fd.num == num)
}

fn expected_wire_type(kind: Kind) -> u8 {
    match kind {
        Kind::Varint => 0,
        Kind::Str | Kind::Msg(_) => 2,
    }
}

/// Walk `buf` as a `PushDataV3ApiWrapper`. Returns where the body is, or the first problem found.
pub fn validate(buf: &[u8]) -> Result<WireSummary, MexcError> {
    walk(buf, true)
}

/// [`validate`] without the UTF-8 check of string fields, for callers that decode with prost right
/// after (prost checks UTF-8 itself; on its error, [`validate`] locates the bad byte).
pub fn validate_structure(buf: &[u8]) -> Result<WireSummary, MexcError> {
    walk(buf, false)
}

fn walk(buf: &[u8], check_utf8: bool) -> Result<WireSummary, MexcError> {
    let root = Open {
        msg: WRAPPER,
        end: buf.len(),
        via_name: "",
    };
    let mut w = Walker {
        buf,
        stack: [root; MAX_OPEN],
        len: 1,
    };
    let mut counts = [0u32; SLOTS];
    let mut summary = WireSummary::default();
    let mut pos = 0usize;

    loop {
        let top = w.top();
        if pos >= top.end {
            w.len -= 1;
            if w.len == 0 {
                break;
            }
            continue;
        }
        let tag_at = pos;
        let tag = w.varint(&mut pos, top.end, 0, Some("tag"))?;
        let field_u64 = tag >> 3;
        let wt = (tag & 7) as u8;
        if field_u64 == 0 {
            return Err(w.err(WireError::FieldNumberZero, tag_at, 0, Some("tag")));
        }
        let Ok(field) = u32::try_from(field_u64) else {
            return Err(w.err(
                WireError::FieldNumberTooLarge,
                tag_at,
                u32::MAX,
                Some("tag"),
            ));
        };
        if field > 536_870_911 {
            return Err(w.err(WireError::FieldNumberTooLarge, tag_at, field, Some("tag")));
        }
        if wt > 5 {
            return Err(w.err(WireError::InvalidWireType(wt), tag_at, field, None));
        }

        let Some(def) = lookup(top.msg, field) else {
            // Unknown field: skip it whatever its wire type, with the same bounds checks.
            skip_unknown(&w, &mut pos, top.end, field, wt, tag_at)?;
            if top.msg == WRAPPER && wt == 2 && field >= 300 && summary.unknown_body_field.is_none()
            {
                summary.unknown_body_field = Some(field);
            }
            continue;
        };

        let want = expected_wire_type(def.kind);
        if wt != want {
            return Err(w.err(
                WireError::WrongWireType {
                    got: wt,
                    expected: want,
                },
                tag_at,
                field,
                Some(def.name),
            ));
        }
        match def.kind {
            Kind::Varint => {
                w.varint(&mut pos, top.end, field, Some(def.name))?;
            }
            Kind::Str | Kind::Msg(_) => {
                let len_at = pos;
                let len = w.varint(&mut pos, top.end, field, Some(def.name))?;
                let room = top.end - pos;
                if len > room as u64 {
                    let kind = WireError::LengthPastEnd {
                        len,
                        of_frame: top.end == buf.len(),
                    };
                    return Err(w.err(kind, len_at, field, Some(def.name)));
                }
                // len <= room, so it fits in usize.
                let end = pos + len as usize;
                match def.kind {
                    Kind::Str => {
                        let bytes = buf.get(pos..end).unwrap_or_default();
                        if let Some(e) = check_utf8
                            .then(|| std::str::from_utf8(bytes).err())
                            .flatten()
                        {
                            let at = pos + e.valid_up_to();
                            return Err(w.err(WireError::InvalidUtf8, at, field, Some(def.name)));
                        }
                        pos = end;
                    }
                    Kind::Msg(child) => {
                        if let Some(slot) = def.slot {
                            let c = counts.get_mut(slot).ok_or_else(|| {
                                w.err(WireError::TooDeep, tag_at, field, Some(def.name))
                            })?;
                            *c += 1;
                            if *c > MAX_REPEATED {
                                return Err(w.err(
                                    WireError::TooManyEntries(MAX_REPEATED),
                                    tag_at,
                                    field,
                                    Some(def.name),
                                ));
                            }
                        }
                        if top.msg == WRAPPER {
                            summary.body_field = Some(field);
                        }
                        if w.len >= MAX_OPEN {
                            // Unreachable with this schema; kept so a schema edit cannot overflow.
                            return Err(w.err(WireError::TooDeep, tag_at, field, Some(def.name)));
                        }
                        w.stack[w.len] = Open {
                            msg: child,
                            end,
                            via_name: def.name,
                        };
                        w.len += 1;
                    }
                    Kind::Varint => {}
                }
            }
        }
    }
    Ok(summary)
}

/// Skip one unknown field (its tag already read). Groups are walked with a bounded stack of
/// open field numbers so that end-group tags must match.
fn skip_unknown(
    w: &Walker<'_>,
    pos: &mut usize,
    limit: usize,
    field: u32,
    wt: u8,
    tag_at: usize,
) -> Result<(), MexcError> {
    match wt {
        0 => {
            w.varint(pos, limit, field, None)?;
        }
        1 | 5 => {
            let need = if wt == 1 { 8 } else { 4 };
            if limit - *pos < need {
                let kind = WireError::TruncatedFixed(if wt == 1 { 64 } else { 32 });
                return Err(w.err(kind, *pos, field, None));
            }
            *pos += need;
        }
        2 => {
            let len_at = *pos;
            let len = w.varint(pos, limit, field, None)?;
            if len > (limit - *pos) as u64 {
                let kind = WireError::LengthPastEnd {
                    len,
                    of_frame: limit == w.buf.len(),
                };
                return Err(w.err(kind, len_at, field, None));
            }
            *pos += len as usize;
        }
        3 => skip_group(w, pos, limit, field, tag_at)?,
        4 => return Err(w.err(WireError::EndGroupWithoutStart, tag_at, field, None)),
        _ => return Err(w.err(WireError::InvalidWireType(wt), tag_at, field, None)),
    }
    Ok(())
}

fn skip_group(
    w: &Walker<'_>,
    pos: &mut usize,
    limit: usize,
    field: u32,
    tag_at: usize,
) -> Result<(), MexcError> {
    // Depth so far: the open messages below the wrapper plus the groups opened here.
    let base = w.len.saturating_sub(1);
    let mut open = [0u32; MAX_DEPTH + 1];
    let mut n = 1usize;
    open[0] = field;
    if base + n > MAX_DEPTH {
        return Err(w.err(WireError::TooDeep, tag_at, field, None));
    }
    while n > 0 {
        if *pos >= limit {
            let outer = open.first().copied().unwrap_or(field);
            return Err(w.err(WireError::UnterminatedGroup, tag_at, outer, None));
        }
        let at = *pos;
        let tag = w.varint(pos, limit, field, None)?;
        let num_u64 = tag >> 3;
        let wt = (tag & 7) as u8;
        if num_u64 == 0 {
            return Err(w.err(WireError::FieldNumberZero, at, 0, None));
        }
        let num = u32::try_from(num_u64).unwrap_or(u32::MAX);
        if num > 536_870_911 {
            return Err(w.err(WireError::FieldNumberTooLarge, at, num, None));
        }
        match wt {
            3 => {
                if base + n + 1 > MAX_DEPTH {
                    return Err(w.err(WireError::TooDeep, at, num, None));
                }
                if let Some(slot) = open.get_mut(n) {
                    *slot = num;
                }
                n += 1;
            }
            4 => {
                let expect = open.get(n - 1).copied().unwrap_or(0);
                if num != expect {
                    return Err(w.err(WireError::MismatchedEndGroup(expect), at, num, None));
                }
                n -= 1;
            }
            0 | 1 | 2 | 5 => skip_unknown(w, pos, limit, num, wt, at)?,
            _ => return Err(w.err(WireError::InvalidWireType(wt), at, num, None)),
        }
    }
    Ok(())
}

/// Name of a wrapper-level body field for messages (`publicAggreDepths` or `field 316`).
pub fn body_label(field: u32) -> String {
    match body_member_name(field) {
        Some(name) => name.to_string(),
        None => format!("unknown body field {field}"),
    }
}
