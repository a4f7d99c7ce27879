//! hft_ws core: pure Rust. The PyO3 layer lives in `python/` behind the `python` feature.

pub mod book;
pub mod error;
pub mod events;
pub mod frame;
pub mod gate;
pub mod mexc;
pub mod num;

#[cfg(feature = "python")]
mod python;
