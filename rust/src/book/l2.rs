//! The L2 book: exact fixed-point price keys, exact quantities.

use std::collections::BTreeMap;

use super::{check_seq, BookError, BookUpdate, LevelText, SeqCheck, Side};
use crate::num::Fixed;

/// Default cap on levels per side: well above MEXC's 5000-level REST snapshot, low enough that a
/// hostile stream cannot grow a book without bound.
pub const DEFAULT_MAX_LEVELS: usize = 20_000;

/// What `apply` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// A diff was applied.
    Updated,
    /// A snapshot replaced the book.
    Replaced,
    /// The diff was older than the book (`last_seq <= L`): ignored.
    Stale,
}

impl Applied {
    /// True unless stale (the Python `apply()` return value).
    pub fn is_applied(self) -> bool {
        !matches!(self, Applied::Stale)
    }
}

#[derive(Debug, Clone)]
pub struct L2Book {
    /// Ascending by price; the best bid is the last entry.
    bids: BTreeMap<Fixed, Fixed>,
    /// Ascending by price; the best ask is the first entry.
    asks: BTreeMap<Fixed, Fixed>,
    last_seq: Option<u64>,
    synced: bool,
    max_levels: usize,
    /// Parsed levels of the update being applied, reused so a steady-state apply does not allocate.
    scratch: Vec<(Side, Fixed, Fixed)>,
}

impl Default for L2Book {
    fn default() -> Self {
        L2Book::new()
    }
}

impl L2Book {
    pub fn new() -> L2Book {
        L2Book::with_max_levels(DEFAULT_MAX_LEVELS)
    }

    pub fn with_max_levels(max_levels: usize) -> L2Book {
        L2Book {
            bids: BTreeMap::new(),
            asks: BTreeMap::new(),
            last_seq: None,
            synced: false,
            max_levels,
            scratch: Vec::with_capacity(64),
        }
    }

    /// Applies a snapshot or diff under the sequence rule (module docs of `book`).
    /// On any error the book (levels, `last_seq`) is unchanged; a gap also marks it unsynced.
    pub fn apply<L: LevelText>(&mut self, update: BookUpdate<'_, L>) -> Result<Applied, BookError> {
        if !update.is_snapshot {
            let (first, last) = update.seq_range()?;
            match check_seq(self.last_seq, first, last) {
                SeqCheck::Stale => return Ok(Applied::Stale),
                SeqCheck::Gap { expected, got } => {
                    self.synced = false;
                    return Err(BookError::Gap { expected, got });
                }
                SeqCheck::Apply => {}
            }
        }
        self.parse_into_scratch(update.bids, update.asks)?;
        if update.is_snapshot {
            self.check_snapshot_size()?;
            self.bids.clear();
            self.asks.clear();
        } else {
            self.check_diff_size()?;
        }
        for &(side, price, qty) in &self.scratch {
            let map = match side {
                Side::Bid => &mut self.bids,
                Side::Ask => &mut self.asks,
            };
            if qty.is_zero() {
                map.remove(&price);
            } else {
                map.insert(price, qty);
            }
        }
        self.last_seq = update.last_seq;
        if update.is_snapshot {
            self.synced = true;
            Ok(Applied::Replaced)
        } else {
            Ok(Applied::Updated)
        }
    }

    /// Validates every level before anything is mutated.
    fn parse_into_scratch<L: LevelText>(
        &mut self,
        bids: &[L],
        asks: &[L],
    ) -> Result<(), BookError> {
        self.scratch.clear();
        for (side, levels) in [(Side::Bid, bids), (Side::Ask, asks)] {
            for (index, level) in levels.iter().enumerate() {
                let (price, qty) =
                    level
                        .to_fixed()
                        .map_err(|(field, source)| BookError::Level {
                            side,
                            index,
                            field,
                            source,
                        })?;
                if !price.is_positive() {
                    return Err(BookError::LevelValue {
                        side,
                        index,
                        reason: "price must be > 0",
                    });
                }
                if qty.is_negative() {
                    return Err(BookError::LevelValue {
                        side,
                        index,
                        reason: "qty must be >= 0",
                    });
                }
                self.scratch.push((side, price, qty));
            }
        }
        Ok(())
    }

    fn check_snapshot_size(&self) -> Result<(), BookError> {
        for side in [Side::Bid, Side::Ask] {
            let n = self
                .scratch
                .iter()
                .filter(|(s, _, q)| *s == side && !q.is_zero())
                .count();
            if n > self.max_levels {
                // Duplicated prices could make n an overcount: count distinct ones before refusing.
                let distinct = final_levels(&self.scratch, side)
                    .values()
                    .filter(|q| !q.is_zero())
                    .count();
                if distinct > self.max_levels {
                    return Err(BookError::TooManyLevels {
                        side,
                        limit: self.max_levels,
                    });
                }
            }
        }
        Ok(())
    }

    fn check_diff_size(&self) -> Result<(), BookError> {
        for side in [Side::Bid, Side::Ask] {
            let map = self.side_map(side);
            let inserts = self
                .scratch
                .iter()
                .filter(|(s, _, q)| *s == side && !q.is_zero())
                .count();
            if map.len().saturating_add(inserts) <= self.max_levels {
                continue;
            }
            // Rare path near the cap: exact size after the update.
            let mut len = map.len();
            for (price, qty) in final_levels(&self.scratch, side) {
                match (map.contains_key(&price), qty.is_zero()) {
                    (false, false) => len += 1,
                    (true, true) => len -= 1,
                    _ => {}
                }
            }
            if len > self.max_levels {
                return Err(BookError::TooManyLevels {
                    side,
                    limit: self.max_levels,
                });
            }
        }
        Ok(())
    }

    fn side_map(&self, side: Side) -> &BTreeMap<Fixed, Fixed> {
        match side {
            Side::Bid => &self.bids,
            Side::Ask => &self.asks,
        }
    }

    /// Forgets the levels and the sequence id (not synced).
    pub fn clear(&mut self) {
        self.bids.clear();
        self.asks.clear();
        self.last_seq = None;
        self.synced = false;
    }

    /// Marks the book as not synced (contents kept) until the next snapshot.
    pub fn invalidate(&mut self) {
        self.synced = false;
    }

    pub fn last_seq(&self) -> Option<u64> {
        self.last_seq
    }

    /// True once a snapshot was applied and no gap was seen since.
    pub fn is_synced(&self) -> bool {
        self.synced
    }

    pub fn max_levels(&self) -> usize {
        self.max_levels
    }

    pub fn best_bid(&self) -> Option<(Fixed, Fixed)> {
        self.bids.last_key_value().map(|(p, q)| (*p, *q))
    }

    pub fn best_ask(&self) -> Option<(Fixed, Fixed)> {
        self.asks.first_key_value().map(|(p, q)| (*p, *q))
    }

    /// Bids best (highest) first.
    pub fn bids(
        &self,
    ) -> impl ExactSizeIterator<Item = (&Fixed, &Fixed)> + DoubleEndedIterator + '_ {
        self.bids.iter().rev()
    }

    /// Asks best (lowest) first.
    pub fn asks(
        &self,
    ) -> impl ExactSizeIterator<Item = (&Fixed, &Fixed)> + DoubleEndedIterator + '_ {
        self.asks.iter()
    }

    /// Levels of one side, best first.
    pub fn levels(&self, side: Side) -> Box<dyn Iterator<Item = (&Fixed, &Fixed)> + '_> {
        match side {
            Side::Bid => Box::new(self.bids()),
            Side::Ask => Box::new(self.asks()),
        }
    }

    /// Top `n` levels (all when `None`), best first, as floats equal to `float(text)`.
    pub fn top_f64(&self, side: Side, n: Option<usize>) -> Vec<(f64, f64)> {
        let n = n.unwrap_or(usize::MAX);
        match side {
            Side::Bid => self
                .bids()
                .take(n)
                .map(|(p, q)| (p.to_f64(), q.to_f64()))
                .collect(),
            Side::Ask => self
                .asks()
                .take(n)
                .map(|(p, q)| (p.to_f64(), q.to_f64()))
                .collect(),
        }
    }

    /// Top `n` levels (all when `None`), best first, as plain decimal text.
    pub fn top_text(&self, side: Side, n: Option<usize>) -> Vec<(String, String)> {
        let n = n.unwrap_or(usize::MAX);
        let f = |(p, q): (&Fixed, &Fixed)| (p.to_plain_string(), q.to_plain_string());
        match side {
            Side::Bid => self.bids().take(n).map(f).collect(),
            Side::Ask => self.asks().take(n).map(f).collect(),
        }
    }

    /// Midpoint of best bid and ask, from the exact sum (one rounding).
    pub fn mid(&self) -> Option<f64> {
        let (b, _) = self.best_bid()?;
        let (a, _) = self.best_ask()?;
        b.mid_f64(&a)
    }

    /// Exact best ask − best bid (negative when crossed).
    pub fn spread_fixed(&self) -> Option<Fixed> {
        let (b, _) = self.best_bid()?;
        let (a, _) = self.best_ask()?;
        a.checked_sub(&b)
    }

    pub fn spread(&self) -> Option<f64> {
        self.spread_fixed().map(|s| s.to_f64())
    }

    /// Best bid >= best ask. Reported, never repaired (Gate has shipped zombie levels).
    pub fn is_crossed(&self) -> bool {
        match (self.bids.last_key_value(), self.asks.first_key_value()) {
            (Some((b, _)), Some((a, _))) => b >= a,
            _ => false,
        }
    }

    pub fn bid_len(&self) -> usize {
        self.bids.len()
    }

    pub fn ask_len(&self) -> usize {
        self.asks.len()
    }

    /// Levels on both sides.
    pub fn len(&self) -> usize {
        self.bids.len() + self.asks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bids.is_empty() && self.asks.is_empty()
    }
}

/// Final quantity per price of one side of an update (last occurrence wins).
fn final_levels(scratch: &[(Side, Fixed, Fixed)], side: Side) -> BTreeMap<Fixed, Fixed> {
    scratch
        .iter()
        .filter(|(s, _, _)| *s == side)
        .map(|&(_, p, q)| (p, q))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::num::parse_fixed;

    type Lv = (&'static str, &'static str);

    fn fx(s: &str) -> Fixed {
        parse_fixed(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn snap(seq: Option<u64>, bids: &[Lv], asks: &[Lv]) -> L2Book {
        let mut b = L2Book::new();
        assert_eq!(
            b.apply(BookUpdate::snapshot(seq, bids, asks)),
            Ok(Applied::Replaced)
        );
        b
    }

    type Texts = Vec<(String, String)>;

    fn texts(b: &L2Book) -> (Texts, Texts) {
        (b.top_text(Side::Bid, None), b.top_text(Side::Ask, None))
    }

    #[test]
    fn snapshot_then_diffs() {
        let mut b = snap(
            Some(100),
            &[("100.0", "1"), ("99.5", "2"), ("99", "0")],
            &[("101", "3"), ("100.5", "0.10")],
        );
        assert!(b.is_synced());
        assert_eq!(b.len(), 4);
        assert_eq!(b.best_bid(), Some((fx("100"), fx("1"))));
        assert_eq!(b.best_ask(), Some((fx("100.5"), fx("0.1"))));
        assert_eq!(b.spread(), Some(0.5));
        assert_eq!(b.mid(), Some(100.25));
        // stale: last <= L
        assert_eq!(
            b.apply(BookUpdate::diff(90, 100, &[("100", "0")], &[])),
            Ok(Applied::Stale)
        );
        assert_eq!(b.best_bid(), Some((fx("100"), fx("1"))));
        // bridging overlap: first <= L+1 <= last
        assert_eq!(
            b.apply(BookUpdate::diff(
                95,
                102,
                &[("100", "0"), ("99.75", "4")],
                &[]
            )),
            Ok(Applied::Updated)
        );
        assert_eq!(b.last_seq(), Some(102));
        assert_eq!(b.best_bid(), Some((fx("99.75"), fx("4"))));
        // same price as different text is one level
        assert_eq!(
            b.apply(BookUpdate::diff(
                103,
                103,
                &[],
                &[("100.50", "7"), ("100.500", "8")]
            )),
            Ok(Applied::Updated)
        );
        assert_eq!(b.best_ask(), Some((fx("100.5"), fx("8"))));
        assert_eq!(b.ask_len(), 2);
        // empty diff still advances the id (Gate futures rule)
        assert_eq!(
            b.apply(BookUpdate::<Lv>::diff(104, 104, &[], &[])),
            Ok(Applied::Updated)
        );
        assert_eq!(b.last_seq(), Some(104));
        assert_eq!(b.top_f64(Side::Bid, Some(1)), vec![(99.75, 4.0)]);
        assert_eq!(
            b.top_text(Side::Ask, None),
            vec![("100.5".into(), "8".into()), ("101".into(), "3".into())]
        );
    }

    #[test]
    fn gap_leaves_book_unchanged() {
        let mut b = snap(Some(10), &[("1", "1")], &[("2", "1")]);
        let before = texts(&b);
        assert_eq!(
            b.apply(BookUpdate::diff(12, 13, &[("1", "0")], &[])),
            Err(BookError::Gap {
                expected: 11,
                got: 12
            })
        );
        assert_eq!(texts(&b), before);
        assert_eq!(b.last_seq(), Some(10));
        assert!(!b.is_synced());
        // a full snapshot heals it
        assert_eq!(
            b.apply(BookUpdate::snapshot(Some(50), &[("1", "2")], &[])),
            Ok(Applied::Replaced)
        );
        assert!(b.is_synced());
        assert_eq!(b.last_seq(), Some(50));
        assert_eq!(b.ask_len(), 0);
    }

    #[test]
    fn bad_level_leaves_book_unchanged() {
        let mut b = snap(Some(10), &[("1", "1")], &[("2", "1")]);
        let before = texts(&b);
        let r = b.apply(BookUpdate::diff(
            11,
            11,
            &[("1", "0"), ("0.5", "3")],
            &[("2.5", "x")],
        ));
        assert!(
            matches!(
                r,
                Err(BookError::Level {
                    side: Side::Ask,
                    index: 0,
                    field: "qty",
                    ..
                })
            ),
            "{r:?}"
        );
        assert!(matches!(
            b.apply(BookUpdate::diff(11, 11, &[("-1", "1")], &[])),
            Err(BookError::LevelValue { .. })
        ));
        assert!(matches!(
            b.apply(BookUpdate::diff(11, 11, &[("0", "1")], &[])),
            Err(BookError::LevelValue { .. })
        ));
        assert!(matches!(
            b.apply(BookUpdate::diff(11, 11, &[("1", "-1")], &[])),
            Err(BookError::LevelValue { .. })
        ));
        assert!(matches!(
            b.apply(BookUpdate::snapshot(
                Some(99),
                &[("1", "1")],
                &[("1e-31", "1")]
            )),
            Err(BookError::Level { .. })
        ));
        assert_eq!(texts(&b), before);
        assert_eq!(b.last_seq(), Some(10));
        assert!(b.is_synced());
    }

    #[test]
    fn sequence_edge_cases() {
        let mut b = L2Book::new();
        assert_eq!(
            b.apply(BookUpdate::<Lv>::diff(5, 4, &[], &[])),
            Err(BookError::InvalidRange { first: 5, last: 4 })
        );
        let no_seq: BookUpdate<'_, Lv> = BookUpdate {
            first_seq: Some(1),
            last_seq: None,
            is_snapshot: false,
            bids: &[],
            asks: &[],
        };
        assert_eq!(b.apply(no_seq), Err(BookError::MissingSeq));
        // snapshot without id: checking resumes with the next diff
        let mut b = snap(None, &[("1", "1")], &[]);
        assert_eq!(b.last_seq(), None);
        assert_eq!(
            b.apply(BookUpdate::<Lv>::diff(7000, 7005, &[], &[])),
            Ok(Applied::Updated)
        );
        assert_eq!(
            b.apply(BookUpdate::<Lv>::diff(7007, 7008, &[], &[])),
            Err(BookError::Gap {
                expected: 7006,
                got: 7007
            })
        );
        // u64 extremes do not overflow
        let mut b = snap(Some(u64::MAX), &[], &[]);
        assert_eq!(
            b.apply(BookUpdate::<Lv>::diff(u64::MAX, u64::MAX, &[], &[])),
            Ok(Applied::Stale)
        );
        let mut b = snap(Some(u64::MAX - 1), &[], &[]);
        assert_eq!(
            b.apply(BookUpdate::<Lv>::diff(u64::MAX, u64::MAX, &[], &[])),
            Ok(Applied::Updated)
        );
        // MEXC futures version chaining: first == last == version
        let mut b = snap(Some(26), &[], &[]);
        let one_version: BookUpdate<'_, Lv> = BookUpdate {
            first_seq: None,
            last_seq: Some(27),
            is_snapshot: false,
            bids: &[("5", "1")],
            asks: &[],
        };
        assert_eq!(b.apply(one_version), Ok(Applied::Updated));
        let skip: BookUpdate<'_, Lv> = BookUpdate {
            first_seq: None,
            last_seq: Some(29),
            is_snapshot: false,
            bids: &[],
            asks: &[],
        };
        assert_eq!(
            b.apply(skip),
            Err(BookError::Gap {
                expected: 28,
                got: 29
            })
        );
    }

    #[test]
    fn crossed_is_reported() {
        let mut b = snap(Some(1), &[("100", "1")], &[("101", "1")]);
        assert!(!b.is_crossed());
        assert_eq!(
            b.apply(BookUpdate::diff(2, 2, &[("101", "2")], &[])),
            Ok(Applied::Updated)
        );
        assert!(b.is_crossed());
        assert_eq!(b.spread(), Some(0.0));
        assert_eq!(
            b.apply(BookUpdate::diff(3, 3, &[("102", "2")], &[])),
            Ok(Applied::Updated)
        );
        assert_eq!(b.spread(), Some(-1.0));
        assert_eq!(b.bid_len(), 3);
    }

    #[test]
    fn level_cap() {
        let mut b = L2Book::with_max_levels(3);
        assert_eq!(
            b.apply(BookUpdate::snapshot(
                Some(1),
                &[("1", "1"), ("2", "1"), ("3", "1")],
                &[]
            )),
            Ok(Applied::Replaced)
        );
        let r = b.apply(BookUpdate::diff(2, 2, &[("4", "1")], &[]));
        assert_eq!(
            r,
            Err(BookError::TooManyLevels {
                side: Side::Bid,
                limit: 3
            })
        );
        assert_eq!(b.bid_len(), 3);
        assert_eq!(b.last_seq(), Some(1));
        // replacing one level and deleting another stays within the cap
        assert_eq!(
            b.apply(BookUpdate::diff(
                2,
                2,
                &[("4", "1"), ("1", "0"), ("2", "5"), ("4", "2")],
                &[]
            )),
            Ok(Applied::Updated)
        );
        assert_eq!(b.bid_len(), 3);
        assert!(matches!(
            b.apply(BookUpdate::snapshot(
                Some(9),
                &[("1", "1"), ("2", "1"), ("3", "1"), ("5", "1")],
                &[]
            )),
            Err(BookError::TooManyLevels { .. })
        ));
        assert_eq!(
            b.apply(BookUpdate::snapshot(
                Some(9),
                &[("1", "1"), ("2", "1"), ("3", "1"), ("1", "2"), ("6", "0")],
                &[]
            )),
            Ok(Applied::Replaced)
        );
        assert_eq!(b.best_bid(), Some((fx("3"), fx("1"))));
    }

    #[test]
    fn owned_and_parsed_levels() {
        let mut b = L2Book::new();
        let owned = vec![("1.5".to_string(), "2".to_string())];
        assert_eq!(
            b.apply(BookUpdate::snapshot(Some(1), &owned, &[])),
            Ok(Applied::Replaced)
        );
        let parsed = [(fx("1.5"), Fixed::ZERO), (fx("1.4"), fx("3"))];
        assert_eq!(
            b.apply(BookUpdate::diff(2, 2, &parsed, &[])),
            Ok(Applied::Updated)
        );
        assert_eq!(b.best_bid(), Some((fx("1.4"), fx("3"))));
    }
}
