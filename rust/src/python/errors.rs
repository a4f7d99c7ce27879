//! The one place Rust errors become Python exceptions. The exception classes are defined in
//! `hft_ws/errors.py` (so they can also subclass the builtins users already catch).

use pyo3::prelude::*;

use crate::error::ParseError as RustParseError;

pyo3::import_exception!(hft_ws.errors, ParseError);
pyo3::import_exception!(hft_ws.errors, SequenceGap);
pyo3::import_exception!(hft_ws.errors, BufferOverflow);
pyo3::import_exception!(hft_ws.errors, FrameError);

/// `hft_ws.ParseError(message, kind)`: `kind` is the metrics label.
pub fn parse_error(e: &RustParseError) -> PyErr {
    ParseError::new_err((e.to_string(), e.kind_label()))
}
