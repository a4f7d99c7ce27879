//! hft_ws core: pure Rust. The PyO3 layer lives in `python/` behind the `python` feature.

pub mod mexc;
