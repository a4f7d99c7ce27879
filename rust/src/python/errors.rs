//! The one place Rust errors become Python exceptions. The exception classes are defined in
//! `hft_ws/errors.py` (so they can also subclass the builtins users already catch).

use pyo3::prelude::*;

use crate::error::ParseError as RustParseError;
use crate::frame::{FrameError as RustFrameError, HandshakeError as RustHandshakeError};

pyo3::import_exception!(hft_ws.errors, ParseError);
pyo3::import_exception!(hft_ws.errors, SequenceGap);
pyo3::import_exception!(hft_ws.errors, BufferOverflow);
pyo3::import_exception!(hft_ws.errors, FrameError);
pyo3::import_exception!(hft_ws.errors, HandshakeError);

/// `hft_ws.ParseError(message, kind)`: `kind` is the metrics label.
pub fn parse_error(e: &RustParseError) -> PyErr {
    ParseError::new_err((e.to_string(), e.kind_label()))
}

/// `hft_ws.FrameError(message, close_code, kind)`: a server protocol violation; `close_code` is
/// what the client closes with (1002 / 1007 / 1009), `kind` the metrics label.
pub fn frame_error(e: &RustFrameError) -> PyErr {
    FrameError::new_err((e.to_string(), e.close_code(), e.kind_label()))
}

/// `hft_ws.HandshakeError(message, status, location)`: the opening handshake failed; `status`
/// is the HTTP status of a non-101 answer (else `None`), `location` its `Location` header.
pub fn handshake_error(e: &RustHandshakeError) -> PyErr {
    let (status, location) = match e {
        RustHandshakeError::Status { status, location } => (Some(*status), location.clone()),
        _ => (None, None),
    };
    HandshakeError::new_err((e.to_string(), status, location))
}
