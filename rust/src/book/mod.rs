//! Exact L2 order books and the per-symbol sync state machine.
//!
//! One sequence rule for every exchange (spec/api.md "Order book"), with `L` the book's last
//! applied sequence id: a snapshot replaces the book; `update.last_seq <= L` is stale (ignored,
//! reported); `update.first_seq > L + 1` is a gap (error, book unchanged); otherwise the absolute
//! levels are applied (qty 0 removes). Exchange mapping, done by the parsers: Gate `U`/`u`
//! (`full: true` pushes are snapshots), MEXC spot `fromVersion`/`toVersion`, MEXC futures
//! `begin`/`end` on merged pushes else `version`/`version`.

mod l2;
mod sync;

pub use l2::{Applied, L2Book, DEFAULT_MAX_LEVELS};
pub use sync::{
    BookSync, OwnedUpdate, SyncConfig, SyncMachine, SyncOutcome, SyncPhase, DEFAULT_MAX_BUFFER,
};

use thiserror::Error;

use crate::num::{parse_fixed, parse_fixed_bytes, Fixed, NumError};

/// Book side, for error reports and generic reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    Bid,
    Ask,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Bid => "bid",
            Side::Ask => "ask",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BookError {
    #[error("sequence gap: expected first id <= {expected}, got {got}")]
    Gap { expected: u64, got: u64 },
    #[error("depth diff without a sequence id")]
    MissingSeq,
    #[error("invalid sequence range: first {first} > last {last}")]
    InvalidRange { first: u64, last: u64 },
    #[error("invalid {} level {index}: {field}: {source}", side.as_str())]
    Level {
        side: Side,
        index: usize,
        field: &'static str,
        source: NumError,
    },
    #[error("invalid {} level {index}: {reason}", side.as_str())]
    LevelValue {
        side: Side,
        index: usize,
        reason: &'static str,
    },
    #[error("{} side would exceed {limit} levels", side.as_str())]
    TooManyLevels { side: Side, limit: usize },
}

/// A level as the caller holds it, turned into exact `(price, qty)`.
/// Implemented for text pairs (`(&str, &str)`, `(String, String)`, …) and parsed `(Fixed, Fixed)`.
pub trait LevelText {
    /// Parses the level. `Err((field, error))` names `"price"` or `"qty"`.
    fn to_fixed(&self) -> Result<(Fixed, Fixed), (&'static str, NumError)>;
}

impl<P: AsRef<str>, Q: AsRef<str>> LevelText for (P, Q) {
    fn to_fixed(&self) -> Result<(Fixed, Fixed), (&'static str, NumError)> {
        let p = parse_fixed(self.0.as_ref()).map_err(|e| ("price", e))?;
        let q = parse_fixed(self.1.as_ref()).map_err(|e| ("qty", e))?;
        Ok((p, q))
    }
}

/// Parser-built levels: read as bytes (no UTF-8 re-check on the apply path).
impl LevelText for (crate::events::SmallStr, crate::events::SmallStr) {
    fn to_fixed(&self) -> Result<(Fixed, Fixed), (&'static str, NumError)> {
        let p = parse_fixed_bytes(self.0.as_bytes()).map_err(|e| ("price", e))?;
        let q = parse_fixed_bytes(self.1.as_bytes()).map_err(|e| ("qty", e))?;
        Ok((p, q))
    }
}

impl LevelText for (Fixed, Fixed) {
    fn to_fixed(&self) -> Result<(Fixed, Fixed), (&'static str, NumError)> {
        Ok(*self)
    }
}

/// One depth update borrowed from wherever the caller keeps its levels (no copy needed).
/// `first_seq`/`last_seq` follow the exchange mapping in the module docs; a diff without
/// `first_seq` is treated as `first_seq == last_seq`.
#[derive(Debug)]
pub struct BookUpdate<'a, L = (&'a str, &'a str)> {
    pub first_seq: Option<u64>,
    pub last_seq: Option<u64>,
    pub is_snapshot: bool,
    pub bids: &'a [L],
    pub asks: &'a [L],
}

// Manual impls: only references inside, so no `L: Copy` bound is needed.
impl<L> Clone for BookUpdate<'_, L> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<L> Copy for BookUpdate<'_, L> {}

impl<'a, L> BookUpdate<'a, L> {
    pub fn diff(first_seq: u64, last_seq: u64, bids: &'a [L], asks: &'a [L]) -> Self {
        BookUpdate {
            first_seq: Some(first_seq),
            last_seq: Some(last_seq),
            is_snapshot: false,
            bids,
            asks,
        }
    }

    pub fn snapshot(last_seq: Option<u64>, bids: &'a [L], asks: &'a [L]) -> Self {
        BookUpdate {
            first_seq: None,
            last_seq,
            is_snapshot: true,
            bids,
            asks,
        }
    }

    /// `(first, last)` of a diff, checked.
    pub fn seq_range(&self) -> Result<(u64, u64), BookError> {
        let last = self.last_seq.ok_or(BookError::MissingSeq)?;
        let first = self.first_seq.unwrap_or(last);
        if first > last {
            return Err(BookError::InvalidRange { first, last });
        }
        Ok((first, last))
    }
}

/// Sequence decision for a diff against the last applied id `l` (None: nothing to check).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SeqCheck {
    Apply,
    Stale,
    Gap { expected: u64, got: u64 },
}

pub(crate) fn check_seq(l: Option<u64>, first: u64, last: u64) -> SeqCheck {
    let Some(l) = l else { return SeqCheck::Apply };
    if last <= l {
        return SeqCheck::Stale;
    }
    // last > l, so l < u64::MAX and l + 1 cannot overflow; checked anyway.
    match l.checked_add(1) {
        Some(next) if first > next => SeqCheck::Gap {
            expected: next,
            got: first,
        },
        Some(_) => SeqCheck::Apply,
        None => SeqCheck::Stale,
    }
}
