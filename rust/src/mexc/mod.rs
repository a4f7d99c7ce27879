//! MEXC: spot v3 protobuf pushes (hand-written prost structs + strict wire validation), spot JSON
//! replies and futures JSON.

pub mod check;
pub mod codes;
pub mod error;
pub mod event;
pub mod futures;
pub mod jsonv;
pub mod out;
pub mod proto;
pub mod spot;
pub mod wire;

pub use error::{MexcError, WireError};
pub use event::{MexcFuturesParser, MexcSpotParser};

use prost::Message;
use proto::PushDataV3ApiWrapper;

/// A strictly decoded spot push.
#[derive(Clone, PartialEq, Debug)]
pub struct DecodedPush {
    pub wrapper: PushDataV3ApiWrapper,
    /// Field number of the body (known member, or the unknown length-delimited field >= 300 when
    /// no known member is present).
    pub body_field: u32,
}

impl DecodedPush {
    /// True when the body field is not a member this schema knows (event `Unknown`).
    pub fn is_unknown_body(&self) -> bool {
        self.wrapper.body.is_none()
    }
}

/// Decode one binary frame: JSON-in-binary guard, wire validation, prost decode, semantic checks.
pub fn decode_push(buf: &[u8]) -> Result<DecodedPush, MexcError> {
    match buf.first() {
        None => return Err(MexcError::EmptyFrame),
        // A wrapper never starts with 0x7b / 0x5b: that would be field 15 / 11 with a group wire
        // type, which the schema does not contain (protocols/mexc.md §2.1).
        Some(&b) if b == b'{' || b == b'[' => return Err(MexcError::JsonInBinary(char::from(b))),
        Some(_) => {}
    }
    let summary = wire::validate_structure(buf)?;
    let wrapper = match PushDataV3ApiWrapper::decode(buf) {
        Ok(w) => w,
        // prost checks UTF-8 too; the full walk names the field and byte of the problem.
        Err(e) => {
            wire::validate(buf)?;
            return Err(MexcError::Decode(e.to_string()));
        }
    };
    check::check_push(&wrapper)?;
    let body_field = match (&wrapper.body, summary.unknown_body_field) {
        (Some(body), _) => body.field_number(),
        (None, Some(field)) => field,
        (None, None) => return Err(MexcError::MissingBody),
    };
    Ok(DecodedPush {
        wrapper,
        body_field,
    })
}
