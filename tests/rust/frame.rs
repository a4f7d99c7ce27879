//! RFC 6455 client codec: hand-made frames for every decoder rule, the encoder and handshake
//! helpers, and the Autobahn fuzzingserver corpus (`../shared/realdata/autobahn-gws-client-reports/`).

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use hft_ws::frame::{
    accept_key, apply_mask, encode_binary, encode_close, encode_frame, encode_ping, encode_pong,
    encode_text, generate_key, handshake_request, parse_handshake_response, EncodeError,
    FrameDecoder, FrameError, HandshakeError, Message, OpCode, OwnedMessage,
    DEFAULT_MAX_MESSAGE_SIZE,
};
use serde_json::Value;

// ----------------------------------------------------------------------------------------------
// helpers
// ----------------------------------------------------------------------------------------------

/// Tiny deterministic RNG (xorshift64*), so chunkings are reproducible without extra crates.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// An unmasked server frame with the minimal length encoding.
fn server_frame(fin: bool, rsv: u8, opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![(u8::from(fin) << 7) | (rsv << 4) | opcode];
    let n = payload.len();
    if n < 126 {
        f.push(n as u8);
    } else if n <= 0xFFFF {
        f.push(126);
        f.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        f.push(127);
        f.extend_from_slice(&(n as u64).to_be_bytes());
    }
    f.extend_from_slice(payload);
    f
}

fn text(s: &str) -> Vec<u8> {
    server_frame(true, 0, 1, s.as_bytes())
}

fn close_frame(code: u16, reason: &[u8]) -> Vec<u8> {
    let mut p = code.to_be_bytes().to_vec();
    p.extend_from_slice(reason);
    server_frame(true, 0, 8, &p)
}

/// Result of pushing bytes through a decoder: messages decoded, then the error if any.
#[derive(Debug, PartialEq)]
struct Decoded {
    msgs: Vec<OwnedMessage>,
    err: Option<FrameError>,
}

fn decode_with(dec: &mut FrameDecoder, chunks: &[&[u8]]) -> Decoded {
    let mut msgs = Vec::new();
    for c in chunks {
        dec.feed(c);
        loop {
            match dec.next_message() {
                Ok(Some(m)) => msgs.push(OwnedMessage::from(m)),
                Ok(None) => break,
                Err(e) => return Decoded { msgs, err: Some(e) },
            }
        }
    }
    Decoded { msgs, err: None }
}

fn decode(bytes: &[u8]) -> Decoded {
    decode_with(&mut FrameDecoder::new(), &[bytes])
}

/// Decodes whole, byte by byte and in random chunks; all three must agree.
fn decode_all_ways(bytes: &[u8]) -> Decoded {
    let whole = decode(bytes);
    let singles: Vec<&[u8]> = bytes.chunks(1).collect();
    assert_eq!(
        decode_with(&mut FrameDecoder::new(), &singles),
        whole,
        "byte-by-byte differs"
    );
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15 ^ bytes.len() as u64);
    for _ in 0..4 {
        let chunks = random_chunks(bytes, &mut rng, 9);
        assert_eq!(
            decode_with(&mut FrameDecoder::new(), &chunks),
            whole,
            "random chunks differ"
        );
    }
    whole
}

fn random_chunks<'a>(bytes: &'a [u8], rng: &mut XorShift, max: usize) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let n = (1 + rng.below(max)).min(rest.len());
        let (a, b) = rest.split_at(n);
        out.push(a);
        rest = b;
    }
    out
}

fn code_of(d: &Decoded) -> Option<u16> {
    d.err.as_ref().map(FrameError::close_code)
}

fn hex_decode(s: &str) -> Vec<u8> {
    assert!(s.len() % 2 == 0, "odd hex {s}");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

fn unmask_client_frame(f: &[u8]) -> (u8, Vec<u8>) {
    assert!(f[1] & 0x80 != 0, "client frames must be masked");
    let (len, off) = match f[1] & 0x7F {
        126 => (u16::from_be_bytes([f[2], f[3]]) as usize, 4),
        127 => (
            u64::from_be_bytes(f[2..10].try_into().unwrap()) as usize,
            10,
        ),
        n => (n as usize, 2),
    };
    let key: [u8; 4] = f[off..off + 4].try_into().unwrap();
    let mut p = f[off + 4..].to_vec();
    assert_eq!(p.len(), len);
    apply_mask(&mut p, key);
    (f[0], p)
}

// ----------------------------------------------------------------------------------------------
// decoder rules, hand-made frames
// ----------------------------------------------------------------------------------------------

#[test]
fn lengths_7_16_64_bit() {
    for n in [0usize, 1, 125, 126, 127, 65535, 65536, 70000] {
        let payload: Vec<u8> = (0..n).map(|i| (i % 251) as u8).collect();
        let d = decode(&server_frame(true, 0, 2, &payload));
        assert_eq!(
            d.msgs,
            vec![OwnedMessage::Binary(payload.clone())],
            "len {n}"
        );
        assert!(d.err.is_none());
    }
    // Byte-level splits of the extended-length headers.
    let d = decode_all_ways(&server_frame(true, 0, 1, &[b'x'; 300]));
    assert_eq!(d.msgs, vec![OwnedMessage::Text("x".repeat(300))]);
    let d = decode_all_ways(&server_frame(true, 0, 1, &[b'y'; 65536]));
    assert_eq!(d.msgs.len(), 1);
}

#[test]
fn non_minimal_lengths_are_accepted() {
    // RFC 6455 §5.2 puts minimal encoding on the sender; tolerant receivers (Autobahn has no
    // case against it) accept 16/64-bit forms of small lengths.
    let d = decode(&[0x81, 126, 0, 2, b'h', b'i']);
    assert_eq!(d.msgs, vec![OwnedMessage::Text("hi".into())]);
    let d = decode(&[0x81, 127, 0, 0, 0, 0, 0, 0, 0, 2, b'h', b'i']);
    assert_eq!(d.msgs, vec![OwnedMessage::Text("hi".into())]);
}

#[test]
fn length_with_msb_set_is_1002() {
    let d = decode(&[0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 1]);
    assert_eq!(d.err, Some(FrameError::LengthOverflow));
    assert_eq!(code_of(&d), Some(1002));
}

#[test]
fn fragmentation_with_interleaved_control_frames() {
    let mut b = server_frame(false, 0, 1, "frag1-κ".as_bytes());
    b.extend(server_frame(true, 0, 9, b"ping in the middle"));
    b.extend(server_frame(false, 0, 0, "-frag2".as_bytes()));
    b.extend(server_frame(true, 0, 10, b"pong in the middle"));
    b.extend(server_frame(true, 0, 0, b"-end"));
    b.extend(server_frame(false, 0, 2, &[1, 2]));
    b.extend(server_frame(true, 0, 0, &[3]));
    let d = decode_all_ways(&b);
    assert_eq!(
        d.msgs,
        vec![
            OwnedMessage::Ping(b"ping in the middle".to_vec()),
            OwnedMessage::Pong(b"pong in the middle".to_vec()),
            OwnedMessage::Text("frag1-κ-frag2-end".into()),
            OwnedMessage::Binary(vec![1, 2, 3]),
        ]
    );
    assert!(d.err.is_none());
}

#[test]
fn empty_fragments() {
    let mut b = server_frame(false, 0, 1, b"");
    b.extend(server_frame(false, 0, 0, b""));
    b.extend(server_frame(true, 0, 0, b""));
    let d = decode_all_ways(&b);
    assert_eq!(d.msgs, vec![OwnedMessage::Text(String::new())]);
}

#[test]
fn close_interleaved_in_a_fragmented_message_ends_decoding() {
    let mut b = server_frame(false, 0, 1, b"part");
    b.extend(close_frame(1001, b"going away"));
    b.extend(server_frame(true, 0, 0, b"ignored after close"));
    let mut dec = FrameDecoder::new();
    let d = decode_with(&mut dec, &[&b]);
    assert_eq!(
        d.msgs,
        vec![OwnedMessage::Close {
            code: Some(1001),
            reason: "going away".into()
        }]
    );
    assert!(dec.is_closed());
    dec.feed(&text("more"));
    assert_eq!(dec.next_message(), Ok(None));
}

#[test]
fn control_frame_longer_than_125_is_1002_from_the_header_alone() {
    for op in [8u8, 9, 10] {
        let f = server_frame(true, 0, op, &[b'a'; 126]);
        // Only the 4 header bytes: the decoder must not wait for the payload.
        let d = decode(&f[..4]);
        assert_eq!(
            d.err,
            Some(FrameError::ControlFrameTooLong {
                opcode: op,
                len: 126
            })
        );
        assert_eq!(code_of(&d), Some(1002));
    }
    // 125 is fine.
    let d = decode(&server_frame(true, 0, 9, &[b'a'; 125]));
    assert_eq!(d.msgs, vec![OwnedMessage::Ping(vec![b'a'; 125])]);
}

#[test]
fn fragmented_control_frame_is_1002() {
    for op in [8u8, 9, 10] {
        let d = decode(&server_frame(false, 0, op, b"x"));
        assert_eq!(d.err, Some(FrameError::FragmentedControl(op)));
        assert_eq!(code_of(&d), Some(1002));
    }
}

#[test]
fn reserved_bits_are_1002() {
    for rsv in 1..8u8 {
        for op in [0u8, 1, 2, 8, 9, 10] {
            let d = decode(&server_frame(true, rsv, op, b"x"));
            assert_eq!(
                d.err,
                Some(FrameError::ReservedBits(rsv)),
                "rsv {rsv} op {op}"
            );
            assert_eq!(code_of(&d), Some(1002));
        }
    }
}

#[test]
fn reserved_opcodes_are_1002() {
    for op in [3u8, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF] {
        let d = decode(&server_frame(true, 0, op, b""));
        assert_eq!(d.err, Some(FrameError::UnknownOpcode(op)));
        assert_eq!(code_of(&d), Some(1002));
    }
}

#[test]
fn masked_server_frame_is_1002() {
    let d = decode(&[0x81, 0x82, 1, 2, 3, 4, b'h' ^ 1, b'i' ^ 2]);
    assert_eq!(d.err, Some(FrameError::MaskedFrame));
    assert_eq!(code_of(&d), Some(1002));
}

#[test]
fn fragmentation_order_violations_are_1002() {
    let d = decode(&server_frame(true, 0, 0, b"nothing to continue"));
    assert_eq!(d.err, Some(FrameError::UnexpectedContinuation));
    assert_eq!(code_of(&d), Some(1002));
    let d = decode(&server_frame(false, 0, 0, b"nothing to continue"));
    assert_eq!(d.err, Some(FrameError::UnexpectedContinuation));
    for op in [1u8, 2] {
        let mut b = server_frame(false, 0, 1, b"start");
        b.extend(server_frame(true, 0, op, b"new data frame"));
        let d = decode(&b);
        assert_eq!(d.err, Some(FrameError::ExpectedContinuation(op)));
        assert_eq!(code_of(&d), Some(1002));
    }
    // A continuation after a finished message is again without a start.
    let mut b = text("done");
    b.extend(server_frame(true, 0, 0, b"late"));
    let d = decode(&b);
    assert_eq!(d.msgs, vec![OwnedMessage::Text("done".into())]);
    assert_eq!(d.err, Some(FrameError::UnexpectedContinuation));
}

#[test]
fn invalid_utf8_is_1007() {
    for bad in [
        &[0xFFu8][..],
        &[0xC0, 0x80],             // overlong
        &[0xED, 0xA0, 0x80],       // surrogate
        &[0xF4, 0x90, 0x80, 0x80], // above U+10FFFF
        &[b'o', b'k', 0xE2, 0x82], // truncated at message end
        &[0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0x80],
    ] {
        let d = decode_all_ways(&server_frame(true, 0, 1, bad));
        assert_eq!(d.err, Some(FrameError::InvalidUtf8), "{bad:x?}");
        assert_eq!(code_of(&d), Some(1007));
        // Binary messages carry the same bytes fine.
        assert!(decode(&server_frame(true, 0, 2, bad)).err.is_none());
    }
}

#[test]
fn code_points_split_across_fragments_are_valid() {
    let s = "Hello-µ@ßöäüàá-UTF-8!! κόσμε 𤭢";
    let bytes = s.as_bytes();
    let mut b = Vec::new();
    for (i, chunk) in bytes.chunks(1).enumerate() {
        let op = if i == 0 { 1 } else { 0 };
        b.extend(server_frame(i == bytes.len() - 1, 0, op, chunk));
    }
    let d = decode_all_ways(&b);
    assert_eq!(d.msgs, vec![OwnedMessage::Text(s.into())]);
}

#[test]
fn invalid_utf8_fails_fast_across_fragments() {
    // First fragment valid, second makes it invalid: the error comes before the final fragment.
    let mut dec = FrameDecoder::new();
    let d = decode_with(
        &mut dec,
        &[
            &server_frame(false, 0, 1, "κόσμε".as_bytes()),
            &server_frame(false, 0, 0, &[0xF4, 0x90, 0x80, 0x80]),
        ],
    );
    assert_eq!(d.err, Some(FrameError::InvalidUtf8));
    // Error is sticky and further input is ignored.
    dec.feed(&server_frame(true, 0, 0, b"edited"));
    assert_eq!(dec.next_message(), Err(FrameError::InvalidUtf8));
}

#[test]
fn invalid_utf8_fails_fast_inside_a_partial_frame() {
    // One 21-byte text frame, of which only the header and a bad prefix have arrived.
    let payload = [&[0xCEu8, 0xBA][..], &[0xF4, 0x90], &[b'x'; 17]].concat();
    let f = server_frame(true, 0, 1, &payload);
    let d = decode_with(&mut FrameDecoder::new(), &[&f[..2], &f[2..4], &f[4..6]]);
    assert_eq!(d.err, Some(FrameError::InvalidUtf8));
    // A valid prefix of a partial frame (ending mid code point) is not an error.
    let good = server_frame(true, 0, 1, "κόσμε".as_bytes());
    let mut dec = FrameDecoder::new();
    let d = decode_with(&mut dec, &[&good[..4]]);
    assert_eq!(
        d,
        Decoded {
            msgs: vec![],
            err: None
        }
    );
    let d = decode_with(&mut dec, &[&good[4..]]);
    assert_eq!(d.msgs, vec![OwnedMessage::Text("κόσμε".into())]);
}

#[test]
fn close_frame_rules() {
    let d = decode(&server_frame(true, 0, 8, b""));
    assert_eq!(
        d.msgs,
        vec![OwnedMessage::Close {
            code: None,
            reason: String::new()
        }]
    );
    let d = decode(&server_frame(true, 0, 8, b"a"));
    assert_eq!(d.err, Some(FrameError::CloseFrameTooShort));
    assert_eq!(code_of(&d), Some(1002));
    for code in [
        0u16, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535,
    ] {
        let d = decode(&close_frame(code, b""));
        assert_eq!(d.err, Some(FrameError::InvalidCloseCode(code)));
        assert_eq!(code_of(&d), Some(1002));
    }
    for code in [
        1000u16, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999,
        4000, 4999,
    ] {
        let d = decode_all_ways(&close_frame(code, "bye κ".as_bytes()));
        assert_eq!(
            d.msgs,
            vec![OwnedMessage::Close {
                code: Some(code),
                reason: "bye κ".into()
            }]
        );
    }
    let d = decode(&close_frame(1000, &[0xCE, 0xBA, 0xED, 0xA0, 0x80]));
    assert_eq!(d.err, Some(FrameError::InvalidCloseReason));
    assert_eq!(code_of(&d), Some(1007));
}

#[test]
fn max_sizes_are_1009() {
    // A single frame over the limit is refused from its header (no payload buffered).
    let mut dec = FrameDecoder::with_limits(1000, 1000);
    let f = server_frame(true, 0, 2, &[0; 1001]);
    let d = decode_with(&mut dec, &[&f[..4]]);
    assert_eq!(
        d.err,
        Some(FrameError::FrameTooBig {
            len: 1001,
            max: 1000
        })
    );
    assert_eq!(code_of(&d), Some(1009));
    // Exactly at the limit is fine.
    let d = decode_with(
        &mut FrameDecoder::with_limits(1000, 1000),
        &[&server_frame(true, 0, 2, &[0; 1000])],
    );
    assert_eq!(d.msgs.len(), 1);
    // Fragments that together exceed the message limit.
    let mut b = server_frame(false, 0, 1, &[b'a'; 600]);
    b.extend(server_frame(true, 0, 0, &[b'a'; 401]));
    let d = decode_with(&mut FrameDecoder::with_limits(1000, 1000), &[&b]);
    assert_eq!(
        d.err,
        Some(FrameError::MessageTooBig {
            len: 1001,
            max: 1000
        })
    );
    assert_eq!(code_of(&d), Some(1009));
    // Frame cap smaller than the message cap.
    let mut dec = FrameDecoder::with_limits(10_000, 100);
    let mut b = server_frame(false, 0, 2, &[1; 100]);
    b.extend(server_frame(true, 0, 0, &[1; 100]));
    assert_eq!(
        decode_with(&mut dec, &[&b]).msgs,
        vec![OwnedMessage::Binary(vec![1; 200])]
    );
    let d = decode_with(&mut dec, &[&server_frame(true, 0, 2, &[1; 101])]);
    assert_eq!(code_of(&d), Some(1009));
    // Default: 4 MiB.
    let dec = FrameDecoder::new();
    assert_eq!(dec.max_message_size(), DEFAULT_MAX_MESSAGE_SIZE);
    assert_eq!(DEFAULT_MAX_MESSAGE_SIZE, 4 << 20);
    let hdr = [0x82, 127, 0, 0, 0, 0, 0, 0x40, 0, 1];
    let d = decode(&hdr);
    assert_eq!(code_of(&d), Some(1009));
    // A 64-bit length near u64::MAX (MSB clear) is refused without allocating.
    let d = decode(&[0x82, 127, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);
    assert_eq!(code_of(&d), Some(1009));
}

#[test]
fn buffer_is_compacted_while_streaming() {
    let mut dec = FrameDecoder::new();
    let mut stream = Vec::new();
    for i in 0..2000 {
        stream.extend(text(&format!(
            "message number {i} with some padding to be longer"
        )));
    }
    let mut rng = XorShift(7);
    let mut n = 0;
    for c in random_chunks(&stream, &mut rng, 300) {
        dec.feed(c);
        while let Some(m) = dec.next_message().expect("valid") {
            assert!(matches!(m, Message::Text(t) if t.starts_with("message number")));
            n += 1;
        }
        assert!(dec.buffered() < 400);
    }
    assert_eq!(n, 2000);
}

#[test]
fn drain_owned_and_message_opcode() {
    let mut dec = FrameDecoder::new();
    let mut b = text("a");
    b.extend(server_frame(true, 0, 2, b"b"));
    b.extend(server_frame(true, 0, 9, b"c"));
    dec.feed(&b);
    let msgs = dec.drain_owned().expect("valid");
    assert_eq!(msgs.len(), 3);
    dec.feed(&server_frame(true, 0, 10, b"d"));
    assert_eq!(
        dec.next_message().unwrap().map(|m| m.opcode()),
        Some(OpCode::Pong)
    );
}

/// Random bytes and randomly mutated valid streams: the decoder returns messages or a typed
/// error, never panics, and whole vs chunked feeding agree.
#[test]
fn random_and_mutated_input_never_panics() {
    let mut rng = XorShift(0xDEAD_BEEF);
    let mut valid = Vec::new();
    valid.extend(server_frame(false, 0, 1, "κόσ".as_bytes()));
    valid.extend(server_frame(true, 0, 9, b"ping"));
    valid.extend(server_frame(true, 0, 0, "με".as_bytes()));
    valid.extend(server_frame(true, 0, 2, &[7; 300]));
    valid.extend(close_frame(1000, b"bye"));
    let mut errors = std::collections::BTreeSet::new();
    for round in 0..3000 {
        let input: Vec<u8> = if round % 2 == 0 {
            (0..rng.below(64)).map(|_| rng.next() as u8).collect()
        } else {
            let mut v = valid.clone();
            for _ in 0..1 + rng.below(3) {
                let i = rng.below(v.len());
                v[i] = rng.next() as u8;
            }
            v
        };
        let mut dec = FrameDecoder::with_limits(1 << 16, 1 << 16);
        let whole = decode_with(&mut dec, &[&input]);
        let chunks = random_chunks(&input, &mut rng, 5);
        let chunked = decode_with(&mut FrameDecoder::with_limits(1 << 16, 1 << 16), &chunks);
        assert_eq!(whole, chunked, "{input:02x?}");
        if let Some(e) = &whole.err {
            assert!(matches!(e.close_code(), 1002 | 1007 | 1009));
            errors.insert(e.kind_label());
        }
    }
    // The mutations reach most error kinds.
    assert!(errors.len() >= 8, "{errors:?}");
}

// ----------------------------------------------------------------------------------------------
// encoder
// ----------------------------------------------------------------------------------------------

#[test]
fn encoder_masks_and_sizes() {
    let key = [0xA1, 0xB2, 0xC3, 0xD4];
    for n in [0usize, 5, 125, 126, 65535, 65536] {
        let payload: Vec<u8> = (0..n).map(|i| i as u8).collect();
        let f = encode_frame(OpCode::Binary, &payload, true, key).unwrap();
        assert_eq!(f[0], 0x82);
        let (b0, p) = unmask_client_frame(&f);
        assert_eq!(b0, 0x82);
        assert_eq!(p, payload);
    }
    let f = encode_frame(OpCode::Text, b"x", false, key).unwrap();
    assert_eq!(f[0], 0x01);
    assert_eq!(
        unmask_client_frame(&encode_text("héllo", key)).1,
        "héllo".as_bytes()
    );
    assert_eq!(
        unmask_client_frame(&encode_binary(&[9, 8], key)).1,
        vec![9, 8]
    );
    let (b0, p) = unmask_client_frame(&encode_ping(b"p", key).unwrap());
    assert_eq!((b0, p), (0x89, b"p".to_vec()));
    let (b0, p) = unmask_client_frame(&encode_pong(b"q", key).unwrap());
    assert_eq!((b0, p), (0x8A, b"q".to_vec()));
    assert_eq!(
        encode_ping(&[0; 126], key),
        Err(EncodeError::ControlPayloadTooLong(126))
    );
    assert_eq!(
        encode_frame(OpCode::Ping, b"", false, key),
        Err(EncodeError::FragmentedControl)
    );
    let (b0, p) = unmask_client_frame(&encode_close(Some(1000), "bye", key).unwrap());
    assert_eq!((b0, p), (0x88, b"\x03\xe8bye".to_vec()));
    assert_eq!(
        unmask_client_frame(&encode_close(None, "", key).unwrap()).1,
        b""
    );
    assert_eq!(
        encode_close(Some(1005), "", key),
        Err(EncodeError::InvalidCloseCode(1005))
    );
    // Long reasons are cut at a char boundary to fit 125 bytes.
    let long = "é".repeat(100);
    let p = unmask_client_frame(&encode_close(Some(1001), &long, key).unwrap()).1;
    assert!(p.len() <= 125);
    assert!(std::str::from_utf8(&p[2..]).is_ok());
}

// ----------------------------------------------------------------------------------------------
// handshake
// ----------------------------------------------------------------------------------------------

#[test]
fn accept_key_rfc_example() {
    // RFC 6455 §1.3.
    assert_eq!(
        accept_key("dGhlIHNhbXBsZSBub25jZQ=="),
        "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    );
    assert_eq!(
        generate_key(*b"the sample nonce"),
        "dGhlIHNhbXBsZSBub25jZQ=="
    );
}

#[test]
fn handshake_request_format_and_injection() {
    let req = handshake_request(
        "api.gateio.ws",
        "/ws/v4/",
        "dGhlIHNhbXBsZSBub25jZQ==",
        &[("User-Agent", "hft_ws")],
    )
    .unwrap();
    let s = String::from_utf8(req).unwrap();
    assert!(s.starts_with("GET /ws/v4/ HTTP/1.1\r\nHost: api.gateio.ws\r\n"));
    for line in [
        "Upgrade: websocket\r\n",
        "Connection: Upgrade\r\n",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n",
        "Sec-WebSocket-Version: 13\r\n",
        "User-Agent: hft_ws\r\n",
    ] {
        assert!(s.contains(line), "{line}");
    }
    assert!(s.ends_with("\r\n\r\n"));
    assert!(!s.to_ascii_lowercase().contains("extensions"));
    let key = "k";
    assert!(handshake_request("h\r\nX: y", "/", key, &[]).is_err());
    assert!(handshake_request("h", "/a\r\nb", key, &[]).is_err());
    assert!(handshake_request("h", "noslash", key, &[]).is_err());
    assert!(handshake_request("h", "/", key, &[("X", "a\r\nInjected: 1")]).is_err());
    assert!(handshake_request("h", "/", key, &[("Bad Name", "v")]).is_err());
    assert!(handshake_request("h", "/", key, &[("sec-websocket-key", "v")]).is_err());
}

const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";

fn response(status_line: &str, headers: &[&str]) -> Vec<u8> {
    let mut s = format!("{status_line}\r\n");
    for h in headers {
        s.push_str(h);
        s.push_str("\r\n");
    }
    s.push_str("\r\n");
    s.into_bytes()
}

#[test]
fn handshake_response_parsing() {
    let ok = response(
        "HTTP/1.1 101 Switching Protocols",
        &[
            "Upgrade: WebSocket",
            "Connection: keep-alive, Upgrade",
            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
        ],
    );
    let mut with_frames = ok.clone();
    with_frames.extend(text("first"));
    let (hs, used) = parse_handshake_response(&with_frames, KEY)
        .unwrap()
        .unwrap();
    assert_eq!(used, ok.len());
    assert_eq!(hs.status, 101);
    assert_eq!(hs.header("upgrade"), Some("WebSocket"));
    // Incomplete head: wait.
    for cut in 0..ok.len() {
        assert_eq!(
            parse_handshake_response(&ok[..cut], KEY),
            Ok(None),
            "cut {cut}"
        );
    }
    // Wrong accept.
    assert_eq!(
        parse_handshake_response(&ok, "AAAAAAAAAAAAAAAAAAAAAA==").unwrap_err(),
        HandshakeError::AcceptMismatch
    );
    // Missing upgrade / connection / accept.
    let r = response(
        "HTTP/1.1 101 Switching Protocols",
        &[
            "Connection: Upgrade",
            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
        ],
    );
    assert_eq!(
        parse_handshake_response(&r, KEY).unwrap_err(),
        HandshakeError::BadHeader("Upgrade")
    );
    let r = response(
        "HTTP/1.1 101 Switching Protocols",
        &[
            "Upgrade: websocket",
            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
        ],
    );
    assert_eq!(
        parse_handshake_response(&r, KEY).unwrap_err(),
        HandshakeError::BadHeader("Connection")
    );
    let r = response(
        "HTTP/1.1 101 Switching Protocols",
        &["Upgrade: websocket", "Connection: upgrade"],
    );
    assert_eq!(
        parse_handshake_response(&r, KEY).unwrap_err(),
        HandshakeError::BadHeader("Sec-WebSocket-Accept")
    );
    // An extension we never offered.
    let r = response(
        "HTTP/1.1 101 Switching Protocols",
        &[
            "Upgrade: websocket",
            "Connection: upgrade",
            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
            "Sec-WebSocket-Extensions: permessage-deflate",
        ],
    );
    assert_eq!(
        parse_handshake_response(&r, KEY).unwrap_err(),
        HandshakeError::UnexpectedExtension
    );
    // Non-101 statuses, with Location for redirects.
    let r = response(
        "HTTP/1.1 301 Moved Permanently",
        &["Location: wss://elsewhere.example/ws", "Content-Length: 0"],
    );
    let e = parse_handshake_response(&r, KEY).unwrap_err();
    assert_eq!(
        e,
        HandshakeError::Status {
            status: 301,
            location: Some("wss://elsewhere.example/ws".into())
        }
    );
    assert!(e.to_string().contains("301") && e.to_string().contains("elsewhere"));
    // the message names the redirect's origin only: a path, query or userinfo may hold a credential
    let r = response(
        "HTTP/1.1 302 Found",
        &["Location: wss://u:pw@h.example/ws?listenKey=SECRETKEY"],
    );
    let e = parse_handshake_response(&r, KEY).unwrap_err().to_string();
    assert_eq!(e, "server answered HTTP 302 (redirect to wss://h.example)");
    let r = response("HTTP/1.1 429 Too Many Requests", &["Retry-After: 5"]);
    assert_eq!(
        parse_handshake_response(&r, KEY).unwrap_err(),
        HandshakeError::Status {
            status: 429,
            location: None
        }
    );
    // Garbage and oversize heads.
    assert!(matches!(
        parse_handshake_response(b"SSH-2.0-OpenSSH\r\n\r\n", KEY),
        Err(HandshakeError::Malformed(_))
    ));
    assert!(matches!(
        parse_handshake_response(b"HTTP/1.1 1x1 ok\r\n\r\n", KEY),
        Err(HandshakeError::Malformed(_))
    ));
    assert!(matches!(
        parse_handshake_response(b"HTTP/1.1 101 ok\r\n folded\r\n\r\n", KEY),
        Err(HandshakeError::Malformed(_))
    ));
    let big = vec![b'a'; 16 * 1024];
    assert!(matches!(
        parse_handshake_response(&big, KEY),
        Err(HandshakeError::HeaderTooLarge(_))
    ));
    let mut many = b"HTTP/1.1 101 ok\r\n".to_vec();
    for i in 0..200 {
        many.extend(format!("X-{i}: v\r\n").bytes());
    }
    many.extend(b"\r\n");
    assert!(matches!(
        parse_handshake_response(&many, KEY),
        Err(HandshakeError::HeaderTooLarge(_))
    ));
}

// ----------------------------------------------------------------------------------------------
// Autobahn fuzzingserver corpus
// ----------------------------------------------------------------------------------------------

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/realdata/autobahn-gws-client-reports")
}

struct Case {
    id: String,
    file: String,
    json: Value,
}

impl Case {
    fn wirelog(&self) -> &[Value] {
        self.json["wirelog"].as_array().expect("wirelog")
    }
    fn description(&self) -> &str {
        self.json["description"].as_str().unwrap_or_default()
    }
    fn major(&self) -> u32 {
        self.id.split('.').next().unwrap().parse().unwrap()
    }
    fn behavior(&self) -> &str {
        self.json["behavior"].as_str().unwrap_or_default()
    }
}

fn load_cases() -> Vec<Case> {
    let dir = corpus_dir();
    let mut cases = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.starts_with("gws_client_async_case_") {
            continue;
        }
        let raw = std::fs::read_to_string(&path).unwrap();
        let json: Value = serde_json::from_str(&mark_lone_surrogates(&raw))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let id = json["id"].as_str().unwrap().to_owned();
        cases.push(Case {
            id,
            file: name,
            json,
        });
    }
    cases.sort_by(|a, b| a.file.cmp(&b.file));
    cases
}

/// Autobahn (Python) wrote payloads holding lone UTF-16 surrogates (sent as the invalid 3-byte
/// sequences ED A0 80 ...) as `\udXXX` escapes, which serde_json refuses. They are rewritten to
/// a marker `\u0000SURRxxxx` that [`wire_payload`] turns back into those bytes.
fn mark_lone_surrogates(json: &str) -> String {
    let b = json.as_bytes();
    let mut out = String::with_capacity(json.len());
    let mut i = 0;
    let mut last = 0;
    let hex_at = |i: usize| -> Option<u16> {
        let h = json.get(i + 2..i + 6)?;
        (b.get(i + 1) == Some(&b'u')).then(|| u16::from_str_radix(h, 16).ok())?
    };
    while i < b.len() {
        if b[i] != b'\\' {
            i += 1;
            continue;
        }
        match hex_at(i) {
            Some(hi @ 0xD800..=0xDBFF) if matches!(hex_at(i + 6), Some(0xDC00..=0xDFFF)) => {
                let _ = hi;
                i += 12;
            }
            Some(cp @ 0xD800..=0xDFFF) => {
                out.push_str(&json[last..i]);
                out.push_str(&format!("\\u0000SURR{cp:04x}"));
                i += 6;
                last = i;
            }
            Some(_) => i += 6,
            None => i += 2,
        }
    }
    out.push_str(&json[last..]);
    out
}

/// Text with surrogate markers back to the bytes Autobahn sent (UTF-8 encoding of the surrogate).
fn unmark_surrogates(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("\0SURR") {
        out.extend_from_slice(&rest.as_bytes()[..i]);
        let cp = u32::from_str_radix(&rest[i + 5..i + 9], 16).unwrap();
        out.extend([
            0xE0 | (cp >> 12) as u8,
            0x80 | ((cp >> 6) & 0x3F) as u8,
            0x80 | (cp & 0x3F) as u8,
        ]);
        rest = &rest[i + 9..];
    }
    out.extend_from_slice(rest.as_bytes());
    out
}

/// Splits a wirelog payload field `"text"`, `"0xhex"`, either possibly ending in `" ..."`
/// (truncated), into (bytes shown, truncated).
fn wire_payload(s: &str) -> (Vec<u8>, bool) {
    let (s, truncated) = match s.strip_suffix(" ...") {
        Some(p) => (p, true),
        None => (s, false),
    };
    match s.strip_prefix("0x") {
        Some(h) if h.len() % 2 == 0 && h.bytes().all(|b| b.is_ascii_hexdigit()) => {
            (hex_decode(h), truncated)
        }
        _ => (unmark_surrogates(s), truncated),
    }
}

/// Extends a truncated payload to `len` bytes by continuing the period of its shown tail
/// (Autobahn's bulk payloads are repetitions of a short pattern).
fn extend_periodic(shown: &[u8], len: usize) -> Option<Vec<u8>> {
    if shown.len() >= len {
        return Some(shown[..len].to_vec());
    }
    let tail = shown.len().min(32);
    let start = shown.len() - tail;
    let p = (1..=tail / 2).find(|&p| (start + p..shown.len()).all(|i| shown[i] == shown[i - p]))?;
    let mut out = shown.to_vec();
    while out.len() < len {
        out.push(out[out.len() - p]);
    }
    Some(out)
}

/// The frame bytes a `TF` (frame sent) entry describes.
fn tf_bytes(e: &[Value]) -> Vec<u8> {
    let declared = e[1][0].as_u64().unwrap() as usize;
    let (shown, truncated) = wire_payload(e[1][1].as_str().unwrap());
    let opcode = e[2].as_u64().unwrap() as u8;
    let fin = e[3].as_bool().unwrap();
    let rsv = e[4].as_u64().unwrap() as u8;
    assert!(e[5].is_null(), "server frames are unmasked");
    let payload = match e[6].as_u64() {
        // payload_len override: Autobahn repeats the payload to this length.
        Some(n) => {
            assert!(!truncated && !shown.is_empty());
            shown.iter().copied().cycle().take(n as usize).collect()
        }
        None if truncated => extend_periodic(&shown, declared).expect("periodic payload"),
        None => shown,
    };
    server_frame(fin, rsv, opcode, &payload)
}

#[derive(Debug)]
enum Segment {
    Bytes(Vec<u8>),
    Timeout(String),
}

/// Server bytes after the HTTP response, as sent (one segment per `TO`), with timer markers.
/// Truncated `TO` hex is rebuilt from the `TF` entries and checked against the shown prefix.
fn server_segments(case: &Case) -> Vec<Segment> {
    let wl = case.wirelog();
    let first_to = wl.iter().position(|e| e[0] == "TO").expect("http response");
    let mut queue: VecDeque<u8> = VecDeque::new();
    // Whether the last TF text had astral chars (see the fallback below).
    let mut astral_tf = false;
    let mut out = Vec::new();
    for e in &wl[first_to + 1..] {
        let e = e.as_array().unwrap();
        match e[0].as_str().unwrap() {
            "TF" => {
                astral_tf = e[1][1].as_str().unwrap().chars().any(|c| c > '\u{FFFF}');
                queue.extend(tf_bytes(e));
            }
            "TO" => {
                let n = e[1][0].as_u64().unwrap() as usize;
                let (shown, truncated) = wire_payload(&format!("0x{}", e[1][1].as_str().unwrap()));
                let rebuilt: Option<Vec<u8>> =
                    (queue.len() >= n).then(|| queue.iter().take(n).copied().collect());
                let bytes = match rebuilt {
                    Some(b) if b.starts_with(&shown) && (truncated || b.len() == shown.len()) => {
                        queue.drain(..n);
                        b
                    }
                    _ => {
                        // The TF text is ambiguous where Python logged surrogates (6.21.x sent
                        // two lone surrogates, logged like one astral char): trust the octets.
                        assert!(!truncated, "{}: cannot rebuild truncated TO", case.id);
                        assert!(
                            queue.is_empty() || astral_tf,
                            "{}: TF and TO disagree",
                            case.id
                        );
                        queue.clear();
                        shown
                    }
                };
                assert_eq!(bytes.len(), n, "{}", case.id);
                out.push(Segment::Bytes(bytes));
            }
            "CT" => {
                if let Some(id) = e[2].as_str() {
                    out.push(Segment::Timeout(id.to_owned()));
                }
            }
            _ => {}
        }
    }
    // Octets of TF entries may remain: the client had already failed the connection (3.4).
    out
}

#[derive(Debug, Clone, PartialEq)]
enum Event {
    Message(Vec<u8>, bool),
    Pong(Vec<u8>),
    Timeout(String),
}

#[derive(Debug)]
struct Outcome {
    events: Vec<Event>,
    /// Close code the client sends: the echoed server code, or the decoder error's code.
    close: Option<u16>,
    error: Option<FrameError>,
}

#[derive(Clone, Copy, Debug)]
enum Feeding {
    /// Each `TO` segment whole; timers kept.
    Segments,
    /// Each `TO` segment in random chunks of 1..=max; timers kept.
    SegmentChunks(usize),
    /// All bytes concatenated, then in random chunks of 1..=max; timers dropped.
    Stream(usize),
}

/// Plays an echo client: messages are echoed, pings answered, close echoed; a decoder error
/// fails the connection with its close code.
fn play(segments: &[Segment], feeding: Feeding, seed: u64, limits: (usize, usize)) -> Outcome {
    let mut dec = FrameDecoder::with_limits(limits.0, limits.1);
    let mut rng = XorShift(seed | 1);
    let mut out = Outcome {
        events: Vec::new(),
        close: None,
        error: None,
    };
    let concatenated: Vec<u8>;
    let mut pieces: Vec<(&[u8], Option<&str>)> = Vec::new();
    match feeding {
        Feeding::Stream(max) => {
            concatenated = segments
                .iter()
                .flat_map(|s| match s {
                    Segment::Bytes(b) => b.as_slice(),
                    Segment::Timeout(_) => &[],
                })
                .copied()
                .collect();
            for c in random_chunks(&concatenated, &mut rng, max) {
                pieces.push((c, None));
            }
        }
        _ => {
            for s in segments {
                match s {
                    Segment::Bytes(b) => match feeding {
                        Feeding::SegmentChunks(max) => {
                            for c in random_chunks(b, &mut rng, max) {
                                pieces.push((c, None));
                            }
                        }
                        _ => pieces.push((b, None)),
                    },
                    Segment::Timeout(id) => pieces.push((&[], Some(id))),
                }
            }
        }
    }
    for (bytes, timer) in pieces {
        if let Some(id) = timer {
            out.events.push(Event::Timeout(id.to_owned()));
            continue;
        }
        dec.feed(bytes);
        loop {
            match dec.next_message() {
                Ok(None) => break,
                Ok(Some(Message::Text(t))) => out
                    .events
                    .push(Event::Message(t.as_bytes().to_vec(), false)),
                Ok(Some(Message::Binary(b))) => out.events.push(Event::Message(b.to_vec(), true)),
                Ok(Some(Message::Ping(p))) => out.events.push(Event::Pong(p.to_vec())),
                Ok(Some(Message::Pong(_))) => {}
                Ok(Some(Message::Close { code, .. })) => {
                    out.close = Some(code.unwrap_or(1000));
                    return out;
                }
                Err(e) => {
                    out.close = Some(e.close_code());
                    out.error = Some(e);
                    return out;
                }
            }
        }
    }
    out
}

fn payload_matches(actual: &[u8], expected: &str) -> bool {
    let (shown, truncated) = wire_payload(expected);
    let plain = expected.strip_suffix(" ...").unwrap_or(expected).as_bytes();
    [shown.as_slice(), plain].iter().any(|cand| {
        if truncated {
            actual.starts_with(cand) && actual.len() > cand.len()
        } else {
            actual == *cand
        }
    })
}

fn events_match(actual: &[Event], expected: &[Value], with_timers: bool) -> bool {
    let actual: Vec<&Event> = actual
        .iter()
        .filter(|e| with_timers || !matches!(e, Event::Timeout(_)))
        .collect();
    let expected: Vec<&Vec<Value>> = expected
        .iter()
        .map(|v| v.as_array().unwrap())
        .filter(|v| with_timers || v[0] != "timeout")
        .collect();
    actual.len() == expected.len()
        && actual
            .iter()
            .zip(&expected)
            .all(|(a, e)| match (a, e[0].as_str().unwrap()) {
                (Event::Message(p, bin), "message") => {
                    e[2].as_bool() == Some(*bin) && payload_matches(p, e[1].as_str().unwrap())
                }
                (Event::Pong(p), "pong") => payload_matches(p, e[1].as_str().unwrap()),
                (Event::Timeout(id), "timeout") => e[1].as_str() == Some(id.as_str()),
                _ => false,
            })
}

/// Verdict of one playback against the case's `expected` / `expectedClose`.
fn verdict(case: &Case, o: &Outcome, with_timers: bool) -> Result<&'static str, String> {
    let allowed: Vec<u64> = case.json["expectedClose"]["closeCode"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    let close = o.close.map(u64::from);
    if !close.is_some_and(|c| allowed.contains(&c)) {
        return Err(format!(
            "{}: close {:?} not in {allowed:?} (error {:?})",
            case.id, o.close, o.error
        ));
    }
    let expected = case.json["expected"].as_object().unwrap();
    if expected.is_empty() {
        return Ok("OK");
    }
    for verdict in ["OK", "NON-STRICT"] {
        if let Some(list) = expected.get(verdict) {
            if events_match(&o.events, list.as_array().unwrap(), with_timers) {
                return Ok(verdict);
            }
        }
    }
    if case.behavior() == "INFORMATIONAL" {
        return Ok("INFORMATIONAL");
    }
    Err(format!(
        "{}: events {:?} match no expectation {:?}",
        case.id, o.events, expected
    ))
}

/// Autobahn's bulk cases need messages up to 16 MiB (9.1.6); a client that opts in must pass.
const AUTOBAHN_LIMITS: (usize, usize) = (16 << 20, 16 << 20);

#[test]
fn autobahn_corpus() {
    let cases = load_cases();
    assert_eq!(cases.len(), 517, "corpus size");
    let mut tally = std::collections::BTreeMap::<String, usize>::new();
    let mut failures = Vec::new();
    let mut checked_timers = 0;
    for case in &cases {
        let segments = server_segments(case);
        let seed = case.id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
        let mut feedings = vec![Feeding::Segments, Feeding::Stream(usize::MAX)];
        for (i, max) in [1usize, 3, 7, 64, 1500].into_iter().enumerate() {
            feedings.push(Feeding::SegmentChunks(max));
            feedings.push(Feeding::Stream(max + i));
        }
        let mut first: Option<&'static str> = None;
        for (i, f) in feedings.into_iter().enumerate() {
            let with_timers = !matches!(f, Feeding::Stream(_));
            let o = play(&segments, f, seed.wrapping_add(i as u64), AUTOBAHN_LIMITS);
            match verdict(case, &o, with_timers) {
                Ok(v) => {
                    if with_timers && segments.iter().any(|s| matches!(s, Segment::Timeout(_))) {
                        checked_timers += 1;
                    }
                    // The strict verdict is the one with timers (fail-fast is visible there).
                    if with_timers {
                        if let Some(prev) = first {
                            assert_eq!(prev, v, "{}: verdict depends on chunking", case.id);
                        }
                        first = Some(v);
                    }
                }
                Err(e) => failures.push(format!("{e} [feeding {f:?}]")),
            }
        }
        let major = case.major();
        *tally
            .entry(format!("{major:>2}.x {}", first.unwrap_or("FAILED")))
            .or_default() += 1;
        // Every non-informational case is expected to pass strictly (no NON-STRICT leniency).
        if case.behavior() != "INFORMATIONAL" && first.is_some() && first != Some("OK") {
            failures.push(format!("{}: only {:?}", case.id, first));
        }
    }
    eprintln!("autobahn verdicts per category: {tally:#?}");
    eprintln!("playbacks with timers checked: {checked_timers}");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    let ok: usize = tally
        .iter()
        .filter(|(k, _)| k.ends_with(" OK"))
        .map(|(_, v)| v)
        .sum();
    let informational: usize = tally
        .iter()
        .filter(|(k, _)| k.ends_with("INFORMATIONAL"))
        .map(|(_, v)| v)
        .sum();
    // 517 cases: all OK except 7.1.6 (informational: events undefined by the spec, our close
    // code is checked). 7.13.x are informational but our events equal Autobahn's OK list.
    assert_eq!(ok + informational, 517);
    assert!(informational <= 1, "{tally:?}");
}

/// Fail-fast on invalid UTF-8 (6.4.x): the error must come before the timer that follows the
/// invalid bytes, in every chunking.
#[test]
fn autobahn_fail_fast_cases() {
    let cases = load_cases();
    let fast: Vec<&Case> = cases.iter().filter(|c| c.id.starts_with("6.4.")).collect();
    assert_eq!(fast.len(), 4);
    for case in fast {
        let segments = server_segments(case);
        for (i, f) in [
            Feeding::Segments,
            Feeding::SegmentChunks(1),
            Feeding::SegmentChunks(3),
        ]
        .into_iter()
        .enumerate()
        {
            let o = play(&segments, f, i as u64, AUTOBAHN_LIMITS);
            assert_eq!(
                o.events,
                vec![Event::Timeout("A".into())],
                "{} {f:?}",
                case.id
            );
            assert_eq!(o.error, Some(FrameError::InvalidUtf8), "{}", case.id);
        }
    }
}

/// Parses "A * 2**B" in a description.
fn parse_size(desc: &str) -> usize {
    let i = desc.find(" * 2**").expect("size");
    let a: usize = desc[..i].rsplit(' ').next().unwrap().parse().unwrap();
    let rest = &desc[i + 6..];
    let b: u32 = rest[..rest.find(' ').unwrap()].parse().unwrap();
    a << b
}

fn parse_unit(s: &str) -> usize {
    let s = s.trim_end_matches('.');
    match s.strip_suffix('k') {
        Some(n) => n.parse::<usize>().unwrap() << 10,
        None => match s.strip_suffix('M') {
            Some(n) => n.parse::<usize>().unwrap() << 20,
            None => s.parse().unwrap(),
        },
    }
}

fn word_after<'a>(desc: &'a str, marker: &str) -> Option<&'a str> {
    desc.find(marker)
        .map(|i| desc[i + marker.len()..].split(' ').next().unwrap())
}

/// Payload for a bulk message: text mixes 1- to 4-byte code points so fragment and chop
/// boundaries split them; binary covers all byte values.
fn bulk_payload(len: usize, binary: bool) -> Vec<u8> {
    if binary {
        (0..len).map(|i| (i * 7 % 256) as u8).collect()
    } else {
        let unit = "*κό€𤭢abc".as_bytes();
        let mut p: Vec<u8> = unit.iter().copied().cycle().take(len).collect();
        // End on a char boundary: pad the cut code point with ASCII.
        let valid = match std::str::from_utf8(&p) {
            Ok(_) => len,
            Err(e) => e.valid_up_to(),
        };
        p[valid..].fill(b'*');
        p
    }
}

/// The 9.x (bulk) cases: Autobahn keeps no wirelog of their data frames (only the closing
/// handshake is in the files), so the frames are rebuilt from each case's description.
#[test]
fn autobahn_bulk_cases_rebuilt_from_descriptions() {
    let cases = load_cases();
    let bulk: Vec<&Case> = cases.iter().filter(|c| c.major() == 9).collect();
    assert_eq!(bulk.len(), 54);
    for case in bulk {
        let desc = case.description();
        let binary = desc.contains("binary");
        // (message payloads, frame size, chop size)
        let (messages, frag, chop): (Vec<Vec<u8>>, Option<usize>, Option<usize>) =
            if let Some(n) = word_after(desc, "messages of payload size ") {
                let n: usize = n.parse().unwrap();
                (vec![bulk_payload(n, binary); 1000], None, None)
            } else {
                let size = parse_size(desc);
                let frag = word_after(desc, "fragments of ").map(parse_unit);
                let chop = word_after(desc, "chops of ").map(parse_unit);
                (vec![bulk_payload(size, binary)], frag, chop)
            };
        let mut stream = Vec::new();
        let op = if binary { 2 } else { 1 };
        for m in &messages {
            match frag {
                Some(f) if f < m.len() => {
                    let parts: Vec<&[u8]> = m.chunks(f).collect();
                    for (i, p) in parts.iter().enumerate() {
                        let code = if i == 0 { op } else { 0 };
                        stream.extend(server_frame(i == parts.len() - 1, 0, code, p));
                    }
                }
                _ => stream.extend(server_frame(true, 0, op, m)),
            }
        }
        stream.extend(close_frame(1000, b""));
        let mut dec = FrameDecoder::with_limits(AUTOBAHN_LIMITS.0, AUTOBAHN_LIMITS.1);
        let mut rng = XorShift(case.id.len() as u64 * 7919);
        let chunks: Vec<&[u8]> = match chop {
            Some(c) => stream.chunks(c).collect(),
            None => random_chunks(&stream, &mut rng, 8192),
        };
        let mut got = 0usize;
        let mut closed = false;
        for c in chunks {
            dec.feed(c);
            while let Some(m) = dec
                .next_message()
                .unwrap_or_else(|e| panic!("{}: {e}", case.id))
            {
                match m {
                    Message::Text(t) => {
                        assert!(!binary);
                        assert!(t.as_bytes() == messages[got].as_slice(), "{}", case.id);
                        got += 1;
                    }
                    Message::Binary(b) => {
                        assert!(binary);
                        assert!(b == messages[got].as_slice(), "{}", case.id);
                        got += 1;
                    }
                    Message::Close { code, .. } => {
                        assert_eq!(code, Some(1000));
                        closed = true;
                    }
                    other => panic!("{}: unexpected {other:?}", case.id),
                }
            }
        }
        assert_eq!(got, messages.len(), "{}", case.id);
        assert!(closed, "{}", case.id);
        // The replayable part of the file (the closing handshake) also passes.
        let o = play(
            &server_segments(case),
            Feeding::Segments,
            1,
            AUTOBAHN_LIMITS,
        );
        verdict(case, &o, true).unwrap();
        // With the default 4 MiB cap, messages above it fail with 1009 instead.
        if messages[0].len() > DEFAULT_MAX_MESSAGE_SIZE {
            let d = decode_with(
                &mut FrameDecoder::new(),
                &[&stream[..stream.len().min(1 << 16)]],
            );
            assert_eq!(code_of(&d), Some(1009), "{}", case.id);
        }
    }
}

/// permessage-deflate (12.x/13.x) is out of scope: we never offer it. The files hold only the
/// closing handshake (no wirelog of the compressed frames), which must pass; and a server that
/// sent such a compressed (RSV1) frame anyway, as described in each case, must get 1002.
#[test]
fn autobahn_deflate_cases_rejected_without_negotiation() {
    let cases = load_cases();
    let deflate: Vec<&Case> = cases
        .iter()
        .filter(|c| matches!(c.major(), 12 | 13))
        .collect();
    assert_eq!(deflate.len(), 216);
    for case in deflate {
        let o = play(
            &server_segments(case),
            Feeding::Segments,
            1,
            AUTOBAHN_LIMITS,
        );
        verdict(case, &o, true).unwrap();
        // The 101 of these cases accepts permessage-deflate, which we must refuse.
        let (resp, key) = http_pair(case);
        assert_eq!(
            parse_handshake_response(resp.as_bytes(), &key).unwrap_err(),
            HandshakeError::UnexpectedExtension,
            "{}",
            case.id
        );
        let size: usize = word_after(case.description(), "payload size ")
            .unwrap()
            .trim_end_matches(',')
            .parse()
            .unwrap();
        // A stored (uncompressed) deflate block of `size` bytes, trailer 00 00 ff ff removed
        // as permessage-deflate does; RSV1 marks it compressed.
        let data = bulk_payload(size, false);
        let mut block = vec![0x00];
        block.extend((size as u16).to_le_bytes());
        block.extend((!(size as u16)).to_le_bytes());
        block.extend(&data);
        let d = decode_all_ways(&server_frame(true, 4, 1, &block));
        assert_eq!(d.err, Some(FrameError::ReservedBits(4)), "{}", case.id);
        assert_eq!(code_of(&d), Some(1002));
        assert!(d.msgs.is_empty());
    }
}

fn http_pair(case: &Case) -> (String, String) {
    let req = case.json["httpRequest"].as_str().unwrap();
    let key = req
        .split("\r\n")
        .find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case("sec-websocket-key")
                .then(|| v.trim().to_owned())
        })
        .expect("key");
    (case.json["httpResponse"].as_str().unwrap().to_owned(), key)
}

/// Every recorded 101 response verifies against its request's key; those that accepted the
/// (gws-offered) permessage-deflate are refused since we never offer it.
#[test]
fn autobahn_handshakes() {
    let mut ok = 0;
    let mut ext = 0;
    for case in load_cases() {
        let (resp, key) = http_pair(&case);
        match parse_handshake_response(resp.as_bytes(), &key) {
            Ok(Some((hs, used))) => {
                assert_eq!(hs.status, 101);
                assert_eq!(used, resp.len());
                ok += 1;
            }
            Err(HandshakeError::UnexpectedExtension) => ext += 1,
            other => panic!("{}: {other:?}", case.id),
        }
        let wrong = parse_handshake_response(resp.as_bytes(), "AAAAAAAAAAAAAAAAAAAAAA==");
        assert!(wrong.is_err(), "{}", case.id);
    }
    eprintln!("handshakes: {ok} accepted, {ext} refused for an unoffered extension");
    assert_eq!(ok + ext, 517);
    assert!(ok >= 300);
}

/// Our encoder reproduces the masked frames the gws client sent (`RO` octets), given the same
/// payload and mask key (`RF`).
#[test]
fn autobahn_client_frames_match_encoder() {
    let mut compared = 0;
    for case in load_cases() {
        let wl = case.wirelog();
        let mut i = wl.iter().position(|e| e[0] == "RO").unwrap() + 1;
        while i < wl.len() {
            if wl[i][0] != "RO" {
                i += 1;
                continue;
            }
            let (ro, ro_trunc) = wire_payload(&format!("0x{}", wl[i][1][1].as_str().unwrap()));
            let mut j = i + 1;
            let mut encoded = Vec::new();
            let mut usable = !ro_trunc;
            while j < wl.len() && wl[j][0] != "RO" {
                let e = wl[j].as_array().unwrap();
                if e[0] == "RF" {
                    let (payload, trunc) = wire_payload(e[1][1].as_str().unwrap());
                    usable &= !trunc && e[4] == 0 && e[5] == true;
                    if usable {
                        let op = OpCode::from_u8(e[2].as_u64().unwrap() as u8).unwrap();
                        let key: [u8; 4] = hex_decode(e[6].as_str().unwrap()).try_into().unwrap();
                        encoded.extend(encode_frame(op, &payload, e[3] == true, key).unwrap());
                    }
                }
                j += 1;
            }
            if usable && !encoded.is_empty() {
                assert_eq!(encoded, ro, "{}", case.id);
                compared += 1;
            }
            i = j;
        }
    }
    eprintln!("client frames compared: {compared}");
    assert!(compared > 400, "{compared}");
}
