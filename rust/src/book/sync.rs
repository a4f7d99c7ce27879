//! Per-symbol sync: `Unsynced → Buffering → Synced`, gap → `Buffering` again.
//!
//! The documented procedures (Gate §8.1/8.2, MEXC spot §3.1, MEXC futures §6.4) reduce to one:
//! buffer diffs while a REST snapshot is fetched; apply the snapshot; drop buffered diffs with
//! `last <= snapshot id`; the first remaining one must bridge (`first <= id + 1`), otherwise the
//! snapshot is too old and another is needed; then continue under the book's sequence rule.
//! A self-contained snapshot arriving as a push (Gate `full: true`, obu, MEXC limit depth) syncs
//! the book the same way. `is_synced()` is true only after a snapshot has been bridged.
//! [`SyncMachine`] works on a book the caller owns (the Python layer shares it with handlers);
//! [`BookSync`] bundles the two.

use std::collections::VecDeque;

use super::{check_seq, Applied, BookError, BookUpdate, L2Book, LevelText, SeqCheck, Side};
use crate::num::Fixed;

/// Default bound on buffered diffs while a snapshot is fetched (100 ms pushes: minutes of data;
/// 10 ms MEXC pushes: ~100 s).
pub const DEFAULT_MAX_BUFFER: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncConfig {
    /// Most diffs kept while waiting for a snapshot; beyond it the buffer restarts ([`SyncOutcome::Overflow`]).
    pub max_buffer: usize,
    /// Most levels per book side.
    pub max_levels: usize,
    /// Keep no book: only check sequence continuity (for users who maintain their own book).
    pub deltas_only: bool,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            max_buffer: DEFAULT_MAX_BUFFER,
            max_levels: super::DEFAULT_MAX_LEVELS,
            deltas_only: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncPhase {
    /// Nothing received yet (or reset).
    Unsynced,
    /// Diffs are buffered; a snapshot is needed.
    Buffering,
    /// The book is synced (deltas-only: the sequence chain is established).
    Synced,
}

impl SyncPhase {
    pub fn as_str(self) -> &'static str {
        match self {
            SyncPhase::Unsynced => "unsynced",
            SyncPhase::Buffering => "buffering",
            SyncPhase::Synced => "synced",
        }
    }
}

/// What happened to one diff or snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncOutcome {
    /// Applied to the synced book (deltas-only: accepted in sequence).
    Applied,
    /// A snapshot was applied and bridged: the book is synced now.
    Synced {
        dropped_stale: usize,
        applied: usize,
    },
    /// Older than the book: ignored.
    Stale,
    /// Kept until a snapshot arrives.
    Buffered,
    /// The snapshot ends before the first buffered diff starts: fetch a newer one (buffer kept).
    SnapshotTooOld {
        snapshot_seq: u64,
        first_buffered: u64,
    },
    /// A gap: the book is not synced any more; the diff was buffered and a new snapshot is needed.
    /// In deltas-only mode the diff is accepted as the start of a new chain.
    GapResyncNeeded { expected: u64, got: u64 },
    /// The buffer reached its cap: it restarted from this diff and a new snapshot is needed.
    Overflow { cap: usize },
}

impl SyncOutcome {
    /// True when the maintained book changed and is synced (a consumer's `on_book` moment).
    pub fn book_updated(self) -> bool {
        matches!(self, SyncOutcome::Applied | SyncOutcome::Synced { .. })
    }
}

/// An update owned by the buffer (levels already parsed and validated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedUpdate {
    pub first_seq: Option<u64>,
    pub last_seq: Option<u64>,
    pub is_snapshot: bool,
    pub bids: Vec<(Fixed, Fixed)>,
    pub asks: Vec<(Fixed, Fixed)>,
}

impl OwnedUpdate {
    pub fn from_update<L: LevelText>(u: &BookUpdate<'_, L>) -> Result<OwnedUpdate, BookError> {
        let parse = |side: Side, levels: &[L]| -> Result<Vec<(Fixed, Fixed)>, BookError> {
            levels
                .iter()
                .enumerate()
                .map(|(index, l)| {
                    l.to_fixed().map_err(|(field, source)| BookError::Level {
                        side,
                        index,
                        field,
                        source,
                    })
                })
                .collect()
        };
        Ok(OwnedUpdate {
            first_seq: u.first_seq,
            last_seq: u.last_seq,
            is_snapshot: u.is_snapshot,
            bids: parse(Side::Bid, u.bids)?,
            asks: parse(Side::Ask, u.asks)?,
        })
    }

    pub fn as_update(&self) -> BookUpdate<'_, (Fixed, Fixed)> {
        BookUpdate {
            first_seq: self.first_seq,
            last_seq: self.last_seq,
            is_snapshot: self.is_snapshot,
            bids: &self.bids,
            asks: &self.asks,
        }
    }
}

#[derive(Debug, Clone)]
pub struct SyncMachine {
    config: SyncConfig,
    phase: SyncPhase,
    /// Deltas-only: last accepted sequence id.
    chain_last: Option<u64>,
    buffer: VecDeque<OwnedUpdate>,
    snapshot_wanted: bool,
    stale: u64,
    gaps: u64,
    overflows: u64,
}

impl Default for SyncMachine {
    fn default() -> Self {
        SyncMachine::new(SyncConfig::default())
    }
}

impl SyncMachine {
    pub fn new(config: SyncConfig) -> SyncMachine {
        SyncMachine {
            config,
            phase: SyncPhase::Unsynced,
            chain_last: None,
            buffer: VecDeque::new(),
            snapshot_wanted: false,
            stale: 0,
            gaps: 0,
            overflows: 0,
        }
    }

    pub fn config(&self) -> SyncConfig {
        self.config
    }

    pub fn phase(&self) -> SyncPhase {
        self.phase
    }

    pub fn is_synced(&self) -> bool {
        self.phase == SyncPhase::Synced
    }

    /// True while a REST snapshot should be (re)fetched and handed to `on_snapshot`.
    pub fn needs_snapshot(&self) -> bool {
        self.snapshot_wanted && !self.config.deltas_only
    }

    pub fn buffered(&self) -> usize {
        self.buffer.len()
    }

    /// Last sequence id applied (book mode) or accepted (deltas-only).
    pub fn last_seq(&self, book: &L2Book) -> Option<u64> {
        if self.config.deltas_only {
            self.chain_last
        } else {
            book.last_seq()
        }
    }

    /// Counters: stale updates dropped, gaps seen, buffer overflows.
    pub fn counters(&self) -> (u64, u64, u64) {
        (self.stale, self.gaps, self.overflows)
    }

    /// Starts buffering (call when subscribing, before the snapshot request).
    pub fn start(&mut self, book: &mut L2Book) {
        self.reset(book);
        self.phase = SyncPhase::Buffering;
        self.snapshot_wanted = !self.config.deltas_only;
    }

    /// Back to `Unsynced`: buffer and book dropped (e.g. after unsubscribe or reconnect).
    pub fn reset(&mut self, book: &mut L2Book) {
        self.phase = SyncPhase::Unsynced;
        self.buffer.clear();
        book.clear();
        self.chain_last = None;
        self.snapshot_wanted = false;
    }

    /// Feeds one pushed update (a diff, or a self-contained snapshot push).
    /// An `Err` (malformed levels, missing ids) changes nothing; a lost diff shows up as a gap later.
    pub fn on_diff<L: LevelText>(
        &mut self,
        book: &mut L2Book,
        update: BookUpdate<'_, L>,
    ) -> Result<SyncOutcome, BookError> {
        if self.config.deltas_only {
            return self.on_delta_only(&update);
        }
        if update.is_snapshot {
            return self.on_snapshot(book, update);
        }
        match self.phase {
            SyncPhase::Unsynced | SyncPhase::Buffering => self.buffer_diff(&update),
            SyncPhase::Synced => match book.apply(update) {
                Ok(Applied::Stale) => {
                    self.stale += 1;
                    Ok(SyncOutcome::Stale)
                }
                Ok(_) => Ok(SyncOutcome::Applied),
                Err(BookError::Gap { expected, got }) => {
                    self.gaps += 1;
                    book.invalidate();
                    self.phase = SyncPhase::Buffering;
                    self.snapshot_wanted = true;
                    self.buffer.clear();
                    // The diff that showed the gap is the first one a new snapshot can bridge to.
                    // Its levels may be malformed: then the buffer starts with the next diff.
                    if let Ok(owned) = OwnedUpdate::from_update(&update) {
                        self.buffer.push_back(owned);
                    }
                    Ok(SyncOutcome::GapResyncNeeded { expected, got })
                }
                Err(e) => Err(e),
            },
        }
    }

    fn buffer_diff<L: LevelText>(
        &mut self,
        update: &BookUpdate<'_, L>,
    ) -> Result<SyncOutcome, BookError> {
        let (first, last) = update.seq_range()?;
        let owned = OwnedUpdate::from_update(update)?;
        if self.phase == SyncPhase::Unsynced {
            self.phase = SyncPhase::Buffering;
            self.snapshot_wanted = true;
        }
        let prev_last = self.buffer.back().and_then(|u| u.last_seq);
        match check_seq(prev_last, first, last) {
            SeqCheck::Stale => {
                self.stale += 1;
                return Ok(SyncOutcome::Stale);
            }
            // Diffs before a gap inside the buffer can never be bridged to: keep only what follows.
            SeqCheck::Gap { .. } => {
                self.gaps += 1;
                self.buffer.clear();
            }
            SeqCheck::Apply => {}
        }
        if self.buffer.len() >= self.config.max_buffer {
            self.overflows += 1;
            self.buffer.clear();
            self.buffer.push_back(owned);
            self.snapshot_wanted = true;
            return Ok(SyncOutcome::Overflow {
                cap: self.config.max_buffer,
            });
        }
        self.buffer.push_back(owned);
        Ok(SyncOutcome::Buffered)
    }

    /// Applies a snapshot (REST body or snapshot push) and the buffered diffs that follow it.
    pub fn on_snapshot<L: LevelText>(
        &mut self,
        book: &mut L2Book,
        update: BookUpdate<'_, L>,
    ) -> Result<SyncOutcome, BookError> {
        let snapshot = BookUpdate {
            is_snapshot: true,
            ..update
        };
        if self.config.deltas_only {
            return self.on_delta_only(&snapshot);
        }
        // Validation errors leave the state as it was (still waiting for a usable snapshot).
        book.apply(snapshot)?;
        let mut dropped_stale = 0;
        let mut applied = 0;
        while let Some(next) = self.buffer.front() {
            match book.apply(next.as_update()) {
                Ok(Applied::Stale) => dropped_stale += 1,
                Ok(_) => applied += 1,
                Err(BookError::Gap { expected, got }) => {
                    // The snapshot ends before the buffered data starts: a newer snapshot is needed.
                    self.stale += dropped_stale as u64;
                    book.invalidate();
                    self.phase = SyncPhase::Buffering;
                    self.snapshot_wanted = true;
                    return Ok(SyncOutcome::SnapshotTooOld {
                        snapshot_seq: expected.saturating_sub(1),
                        first_buffered: got,
                    });
                }
                Err(e) => {
                    // Cannot happen for validated buffered levels except a level cap hit: start over.
                    self.buffer.clear();
                    book.invalidate();
                    self.phase = SyncPhase::Buffering;
                    self.snapshot_wanted = true;
                    return Err(e);
                }
            }
            self.buffer.pop_front();
        }
        self.stale += dropped_stale as u64;
        self.phase = SyncPhase::Synced;
        self.snapshot_wanted = false;
        Ok(SyncOutcome::Synced {
            dropped_stale,
            applied,
        })
    }

    fn on_delta_only<L: LevelText>(
        &mut self,
        update: &BookUpdate<'_, L>,
    ) -> Result<SyncOutcome, BookError> {
        if update.is_snapshot {
            self.chain_last = update.last_seq;
            self.phase = SyncPhase::Synced;
            return Ok(SyncOutcome::Applied);
        }
        let (first, last) = update.seq_range()?;
        let outcome = match check_seq(self.chain_last, first, last) {
            SeqCheck::Stale => {
                self.stale += 1;
                return Ok(SyncOutcome::Stale);
            }
            SeqCheck::Gap { expected, got } => {
                self.gaps += 1;
                SyncOutcome::GapResyncNeeded { expected, got }
            }
            SeqCheck::Apply => SyncOutcome::Applied,
        };
        self.chain_last = Some(last);
        self.phase = SyncPhase::Synced;
        Ok(outcome)
    }
}

/// A [`SyncMachine`] with the book it maintains.
#[derive(Debug, Clone)]
pub struct BookSync {
    machine: SyncMachine,
    book: L2Book,
}

impl Default for BookSync {
    fn default() -> Self {
        BookSync::new(SyncConfig::default())
    }
}

impl BookSync {
    pub fn new(config: SyncConfig) -> BookSync {
        BookSync {
            machine: SyncMachine::new(config),
            book: L2Book::with_max_levels(config.max_levels),
        }
    }

    pub fn machine(&self) -> &SyncMachine {
        &self.machine
    }

    pub fn config(&self) -> SyncConfig {
        self.machine.config()
    }

    pub fn phase(&self) -> SyncPhase {
        self.machine.phase()
    }

    pub fn is_synced(&self) -> bool {
        self.machine.is_synced()
    }

    /// The book, only while synced (never an unsynced book; `None` in deltas-only mode).
    pub fn book(&self) -> Option<&L2Book> {
        (self.machine.is_synced() && !self.machine.config().deltas_only).then_some(&self.book)
    }

    /// The book whatever its state (for diagnostics; check [`L2Book::is_synced`]).
    pub fn book_unchecked(&self) -> &L2Book {
        &self.book
    }

    pub fn needs_snapshot(&self) -> bool {
        self.machine.needs_snapshot()
    }

    pub fn buffered(&self) -> usize {
        self.machine.buffered()
    }

    pub fn last_seq(&self) -> Option<u64> {
        self.machine.last_seq(&self.book)
    }

    pub fn counters(&self) -> (u64, u64, u64) {
        self.machine.counters()
    }

    pub fn start(&mut self) {
        self.machine.start(&mut self.book);
    }

    pub fn reset(&mut self) {
        self.machine.reset(&mut self.book);
    }

    pub fn on_diff<L: LevelText>(
        &mut self,
        update: BookUpdate<'_, L>,
    ) -> Result<SyncOutcome, BookError> {
        self.machine.on_diff(&mut self.book, update)
    }

    pub fn on_snapshot<L: LevelText>(
        &mut self,
        update: BookUpdate<'_, L>,
    ) -> Result<SyncOutcome, BookError> {
        self.machine.on_snapshot(&mut self.book, update)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Lv = (&'static str, &'static str);

    fn d(first: u64, last: u64, bids: &'static [Lv]) -> BookUpdate<'static, Lv> {
        BookUpdate::diff(first, last, bids, &[])
    }

    #[test]
    fn buffer_then_bridge() {
        let mut s = BookSync::default();
        assert_eq!(s.phase(), SyncPhase::Unsynced);
        assert_eq!(s.on_diff(d(1, 3, &[("1", "1")])), Ok(SyncOutcome::Buffered));
        assert!(s.needs_snapshot());
        assert_eq!(s.phase(), SyncPhase::Buffering);
        assert_eq!(s.on_diff(d(4, 6, &[("2", "1")])), Ok(SyncOutcome::Buffered));
        assert_eq!(s.on_diff(d(4, 6, &[("2", "1")])), Ok(SyncOutcome::Stale));
        assert_eq!(s.on_diff(d(7, 9, &[("3", "1")])), Ok(SyncOutcome::Buffered));
        assert!(s.book().is_none());
        assert!(!s.is_synced());
        // snapshot at 5: 1-3 stale, 4-6 bridges, 7-9 follows
        let out = s.on_snapshot(BookUpdate::snapshot(
            Some(5),
            &[("1.5", "1")],
            &[("10", "1")],
        ));
        assert_eq!(
            out,
            Ok(SyncOutcome::Synced {
                dropped_stale: 1,
                applied: 2
            })
        );
        assert!(s.is_synced());
        assert!(!s.needs_snapshot());
        let book = s.book().map(|b| b.top_text(Side::Bid, None));
        assert_eq!(
            book,
            Some(vec![
                ("3".into(), "1".into()),
                ("2".into(), "1".into()),
                ("1.5".into(), "1".into())
            ])
        );
        assert_eq!(s.last_seq(), Some(9));
        assert_eq!(
            s.on_diff(d(10, 10, &[("3", "0")])),
            Ok(SyncOutcome::Applied)
        );
        assert_eq!(s.on_diff(d(8, 10, &[])), Ok(SyncOutcome::Stale));
        // gap: unsynced, the gapping diff buffered, snapshot wanted
        assert_eq!(
            s.on_diff(d(12, 13, &[("4", "1")])),
            Ok(SyncOutcome::GapResyncNeeded {
                expected: 11,
                got: 12
            })
        );
        assert!(!s.is_synced());
        assert!(s.book().is_none());
        assert!(s.needs_snapshot());
        assert_eq!(s.buffered(), 1);
        assert_eq!(s.on_diff(d(14, 14, &[])), Ok(SyncOutcome::Buffered));
        assert_eq!(
            s.on_snapshot(BookUpdate::snapshot(Some(12), &[("1", "1")], &[])),
            Ok(SyncOutcome::Synced {
                dropped_stale: 0,
                applied: 2
            })
        );
        assert_eq!(s.last_seq(), Some(14));
        assert_eq!(s.counters(), (3, 1, 0));
    }

    #[test]
    fn snapshot_too_old_keeps_buffer() {
        let mut s = BookSync::default();
        s.start();
        assert!(s.needs_snapshot());
        assert_eq!(
            s.on_diff(d(10, 12, &[("1", "1")])),
            Ok(SyncOutcome::Buffered)
        );
        let out = s.on_snapshot(BookUpdate::<Lv>::snapshot(Some(8), &[], &[]));
        assert_eq!(
            out,
            Ok(SyncOutcome::SnapshotTooOld {
                snapshot_seq: 8,
                first_buffered: 10
            })
        );
        assert!(!s.is_synced());
        assert!(s.needs_snapshot());
        assert_eq!(s.buffered(), 1);
        assert_eq!(
            s.on_snapshot(BookUpdate::<Lv>::snapshot(Some(9), &[], &[])),
            Ok(SyncOutcome::Synced {
                dropped_stale: 0,
                applied: 1
            })
        );
        // snapshot newer than every buffered diff: all stale, next live diff must bridge
        let mut s = BookSync::default();
        assert_eq!(s.on_diff(d(1, 2, &[])), Ok(SyncOutcome::Buffered));
        assert_eq!(
            s.on_snapshot(BookUpdate::<Lv>::snapshot(Some(5), &[], &[])),
            Ok(SyncOutcome::Synced {
                dropped_stale: 1,
                applied: 0
            })
        );
        assert_eq!(
            s.on_diff(d(7, 8, &[])),
            Ok(SyncOutcome::GapResyncNeeded {
                expected: 6,
                got: 7
            })
        );
    }

    #[test]
    fn gap_inside_buffer_and_overflow() {
        let mut s = BookSync::new(SyncConfig {
            max_buffer: 3,
            ..SyncConfig::default()
        });
        assert_eq!(s.on_diff(d(1, 1, &[])), Ok(SyncOutcome::Buffered));
        assert_eq!(s.on_diff(d(3, 3, &[])), Ok(SyncOutcome::Buffered));
        assert_eq!(s.buffered(), 1);
        assert_eq!(s.on_diff(d(4, 4, &[])), Ok(SyncOutcome::Buffered));
        assert_eq!(s.on_diff(d(5, 5, &[])), Ok(SyncOutcome::Buffered));
        assert_eq!(
            s.on_diff(d(6, 6, &[])),
            Ok(SyncOutcome::Overflow { cap: 3 })
        );
        assert_eq!(s.buffered(), 1);
        assert!(s.needs_snapshot());
        // an in-flight snapshot older than the restarted buffer is reported too old
        assert!(matches!(
            s.on_snapshot(BookUpdate::<Lv>::snapshot(Some(3), &[], &[])),
            Ok(SyncOutcome::SnapshotTooOld { .. })
        ));
        assert_eq!(
            s.on_snapshot(BookUpdate::<Lv>::snapshot(Some(5), &[], &[])),
            Ok(SyncOutcome::Synced {
                dropped_stale: 0,
                applied: 1
            })
        );
        assert_eq!(s.counters().2, 1);
    }

    #[test]
    fn full_push_syncs_and_errors_change_nothing() {
        let mut s = BookSync::default();
        assert_eq!(s.on_diff(d(1, 1, &[])), Ok(SyncOutcome::Buffered));
        assert!(matches!(
            s.on_diff(d(2, 2, &[("x", "1")])),
            Err(BookError::Level { .. })
        ));
        assert_eq!(s.buffered(), 1);
        // a full push is a snapshot: syncs without REST
        let full: BookUpdate<'_, Lv> = BookUpdate {
            first_seq: Some(100),
            last_seq: Some(120),
            is_snapshot: true,
            bids: &[("7", "1")],
            asks: &[],
        };
        assert_eq!(
            s.on_diff(full),
            Ok(SyncOutcome::Synced {
                dropped_stale: 1,
                applied: 0
            })
        );
        assert_eq!(s.last_seq(), Some(120));
        assert!(matches!(
            s.on_diff(d(121, 121, &[("1", "y")])),
            Err(BookError::Level { .. })
        ));
        assert!(s.is_synced());
        assert_eq!(s.last_seq(), Some(120));
        // the lost diff shows up as a gap at the next one
        assert!(matches!(
            s.on_diff(d(122, 122, &[])),
            Ok(SyncOutcome::GapResyncNeeded { .. })
        ));
        // a bad snapshot keeps waiting
        assert!(s
            .on_snapshot(BookUpdate::snapshot(Some(130), &[("bad", "1")], &[]))
            .is_err());
        assert!(s.needs_snapshot());
        assert!(!s.is_synced());
        s.reset();
        assert_eq!(s.phase(), SyncPhase::Unsynced);
        assert_eq!(s.buffered(), 0);
    }

    #[test]
    fn deltas_only_checks_sequence() {
        let mut s = BookSync::new(SyncConfig {
            deltas_only: true,
            ..SyncConfig::default()
        });
        assert_eq!(s.on_diff(d(5, 7, &[])), Ok(SyncOutcome::Applied));
        assert!(s.is_synced());
        assert!(s.book().is_none());
        assert!(!s.needs_snapshot());
        assert_eq!(s.on_diff(d(8, 8, &[])), Ok(SyncOutcome::Applied));
        assert_eq!(s.on_diff(d(8, 8, &[])), Ok(SyncOutcome::Stale));
        assert_eq!(
            s.on_diff(d(10, 11, &[])),
            Ok(SyncOutcome::GapResyncNeeded {
                expected: 9,
                got: 10
            })
        );
        assert_eq!(s.on_diff(d(12, 12, &[])), Ok(SyncOutcome::Applied));
        assert_eq!(
            s.on_diff(BookUpdate::<Lv>::snapshot(Some(50), &[], &[])),
            Ok(SyncOutcome::Applied)
        );
        assert_eq!(s.on_diff(d(51, 51, &[])), Ok(SyncOutcome::Applied));
        assert_eq!(s.last_seq(), Some(51));
        assert_eq!(
            s.on_diff(BookUpdate::<Lv> {
                first_seq: None,
                last_seq: None,
                is_snapshot: false,
                bids: &[],
                asks: &[]
            }),
            Err(BookError::MissingSeq)
        );
    }
}
