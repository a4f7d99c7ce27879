//! A small strict JSON reader for MEXC and Gate text frames: borrowed values, numbers kept as their
//! exact source token, duplicate keys resolved last-wins on lookup, nesting limited (no recursion
//! past `MAX_DEPTH`), RFC 8259 only (no NaN, no trailing data).
//!
//! The tree is a flat tape (`Doc`): one `Vec` of nodes where each container's children sit in one
//! contiguous range (collected on a scratch stack, moved to the tape when the container closes),
//! and one `String` for the few strings that had escapes. A parse therefore costs a handful of
//! allocations instead of one per array/object. `J` is a `Copy` view into the tape.

use std::cell::RefCell;
use std::fmt;

use super::error::MexcError;

pub const MAX_DEPTH: usize = 64;

/// One tape slot: ranges, no borrows, so the tape buffers can be kept for the next parse.
/// Containers hold the range of their children in `Doc::nodes`; object children alternate key,
/// value.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Node {
    Null,
    Bool(bool),
    /// The number token: `Doc::src[start..end]`.
    Num(usize, usize),
    /// A string without escapes: `Doc::src[start..end]`.
    Str(usize, usize),
    /// A string that had escapes: its decoded text is `Doc::text[start..end]`.
    Esc(usize, usize),
    Arr(usize, usize),
    Obj(usize, usize),
}

/// Tape buffers kept per thread between parses (a parse then allocates nothing for the tree
/// itself). Bounded: at most 4 buffers of at most 16384 nodes (24 B each), 1.5 MB per thread.
const POOL_MAX_NODES: usize = 1 << 14;
const POOL_MAX_BUFFERS: usize = 4;

thread_local! {
    static POOL: RefCell<Vec<Vec<Node>>> = const { RefCell::new(Vec::new()) };
}

fn take_buffer() -> Vec<Node> {
    POOL.with(|p| p.try_borrow_mut().ok().and_then(|mut p| p.pop()))
        .unwrap_or_else(|| Vec::with_capacity(128))
}

fn give_buffer(mut v: Vec<Node>) {
    if v.capacity() > POOL_MAX_NODES {
        return;
    }
    v.clear();
    POOL.with(|p| {
        if let Ok(mut p) = p.try_borrow_mut() {
            if p.len() < POOL_MAX_BUFFERS {
                p.push(v);
            }
        }
    });
}

/// A parsed JSON text. Read it through [`Doc::root`].
#[derive(Debug, PartialEq)]
pub struct Doc<'a> {
    src: &'a str,
    /// Children ranges; the root is the last node.
    nodes: Vec<Node>,
    text: String,
}

impl Drop for Doc<'_> {
    fn drop(&mut self) {
        give_buffer(std::mem::take(&mut self.nodes));
    }
}

impl<'a> Doc<'a> {
    pub fn root(&self) -> J<'_> {
        match self.nodes.last() {
            Some(n) => self.view(n),
            None => J::Null,
        }
    }

    fn view<'t>(&'t self, n: &Node) -> J<'t> {
        match *n {
            Node::Null => J::Null,
            Node::Bool(b) => J::Bool(b),
            Node::Num(a, b) => J::Num(self.src.get(a..b).unwrap_or_default()),
            Node::Str(a, b) => J::Str(self.src.get(a..b).unwrap_or_default()),
            Node::Esc(a, b) => J::Str(self.text.get(a..b).unwrap_or_default()),
            Node::Arr(a, b) => J::Arr(Arr {
                doc: self,
                items: self.nodes.get(a..b).unwrap_or_default(),
            }),
            Node::Obj(a, b) => J::Obj(Obj {
                doc: self,
                members: self.nodes.get(a..b).unwrap_or_default(),
            }),
        }
    }

    /// Whether key node `n` is `key` (length first: most keys differ there).
    fn key_is(&self, n: &Node, key: &str) -> bool {
        match *n {
            Node::Str(a, b) | Node::Esc(a, b) if b.wrapping_sub(a) != key.len() => false,
            Node::Str(a, b) => self.src.as_bytes().get(a..b) == Some(key.as_bytes()),
            Node::Esc(a, b) => self.text.as_bytes().get(a..b) == Some(key.as_bytes()),
            _ => false,
        }
    }

    fn key<'t>(&'t self, n: &Node) -> &'t str {
        match *n {
            Node::Str(a, b) => self.src.get(a..b).unwrap_or_default(),
            Node::Esc(a, b) => self.text.get(a..b).unwrap_or_default(),
            _ => "",
        }
    }
}

/// A JSON value: a `Copy` view into a [`Doc`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum J<'t> {
    Null,
    Bool(bool),
    /// The exact number token (`6866.5`, `1.5E-7`, `9007199254740993`).
    Num(&'t str),
    Str(&'t str),
    Arr(Arr<'t>),
    Obj(Obj<'t>),
}

/// The items of a JSON array.
#[derive(Clone, Copy)]
pub struct Arr<'t> {
    doc: &'t Doc<'t>,
    items: &'t [Node],
}

impl<'t> Arr<'t> {
    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn get(&self, i: usize) -> Option<J<'t>> {
        let doc = self.doc;
        self.items.get(i).map(|n| doc.view(n))
    }

    pub fn first(&self) -> Option<J<'t>> {
        self.get(0)
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = J<'t>> + ExactSizeIterator + 't {
        let doc = self.doc;
        self.items.iter().map(move |n| doc.view(n))
    }
}

impl fmt::Debug for Arr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl PartialEq for Arr<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().zip(other.iter()).all(|(a, b)| a == b)
    }
}

/// The members of a JSON object, in wire order (duplicates kept; lookups are last-wins).
#[derive(Clone, Copy)]
pub struct Obj<'t> {
    doc: &'t Doc<'t>,
    /// key, value, key, value, …
    members: &'t [Node],
}

impl<'t> Obj<'t> {
    /// Number of members as sent (duplicate keys counted).
    pub fn len(&self) -> usize {
        self.members.len() / 2
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Member lookup; with duplicate keys the last one wins (like Python's `json`).
    pub fn get(&self, key: &str) -> Option<J<'t>> {
        let doc = self.doc;
        self.members.chunks_exact(2).rev().find_map(|kv| match kv {
            [k, v] if doc.key_is(k, key) => Some(doc.view(v)),
            _ => None,
        })
    }

    /// `(key, value)` in wire order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&'t str, J<'t>)> + 't {
        let doc = self.doc;
        self.members.chunks_exact(2).filter_map(move |kv| match kv {
            [k, v] => Some((doc.key(k), doc.view(v))),
            _ => None,
        })
    }
}

impl fmt::Debug for Obj<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl PartialEq for Obj<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().zip(other.iter()).all(|(a, b)| a == b)
    }
}

impl<'t> J<'t> {
    /// Member lookup; with duplicate keys the last one wins (like Python's `json`).
    pub fn get(self, key: &str) -> Option<J<'t>> {
        match self {
            J::Obj(o) => o.get(key),
            _ => None,
        }
    }

    pub fn as_str(self) -> Option<&'t str> {
        match self {
            J::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_num(self) -> Option<&'t str> {
        match self {
            J::Num(n) => Some(n),
            _ => None,
        }
    }

    /// A JSON integer (no fraction, no exponent) that fits an i64.
    pub fn as_i64(self) -> Option<i64> {
        match self {
            J::Num(n) if is_integer_token(n) => n.parse().ok(),
            _ => None,
        }
    }

    pub fn as_array(self) -> Option<Arr<'t>> {
        match self {
            J::Arr(a) => Some(a),
            _ => None,
        }
    }

    pub fn is_object(self) -> bool {
        matches!(self, J::Obj(_))
    }

    pub fn is_null(self) -> bool {
        matches!(self, J::Null)
    }

    pub fn type_name(self) -> &'static str {
        match self {
            J::Null => "null",
            J::Bool(_) => "bool",
            J::Num(_) => "number",
            J::Str(_) => "string",
            J::Arr(_) => "array",
            J::Obj(_) => "object",
        }
    }
}

pub fn is_integer_token(n: &str) -> bool {
    !n.bytes().any(|c| matches!(c, b'.' | b'e' | b'E'))
}

/// Parse a whole text frame (one JSON value, whitespace around it allowed).
pub fn parse(buf: &[u8]) -> Result<Doc<'_>, MexcError> {
    let text = std::str::from_utf8(buf).map_err(|e| MexcError::Utf8 {
        offset: e.valid_up_to(),
    })?;
    let mut p = Parser {
        s: text,
        b: buf,
        i: 0,
        stack: take_buffer(),
        // The document owns the tape from the start, so it goes back to the pool on every path.
        doc: Doc {
            src: text,
            nodes: take_buffer(),
            text: String::new(),
        },
    };
    let root = p.document();
    give_buffer(std::mem::take(&mut p.stack));
    let root = root.map_err(JErr::into_error)?;
    p.doc.nodes.push(root);
    Ok(p.doc)
}

/// The reader's own small error (keeps every `Result` the recursive descent returns small);
/// becomes a `MexcError` once, at the end.
enum JErr {
    Json(&'static str, usize),
    TooDeep(usize),
}

impl JErr {
    fn into_error(self) -> MexcError {
        match self {
            JErr::Json(msg, offset) => MexcError::Json { msg, offset },
            JErr::TooDeep(offset) => MexcError::TooDeep {
                limit: MAX_DEPTH,
                offset,
            },
        }
    }
}

struct Parser<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
    /// Children of the containers still open.
    stack: Vec<Node>,
    doc: Doc<'a>,
}

impl Parser<'_> {
    fn document(&mut self) -> Result<Node, JErr> {
        self.ws();
        let v = self.value(0)?;
        self.ws();
        if self.i != self.b.len() {
            return Err(self.err("extra data after the JSON value"));
        }
        Ok(v)
    }

    fn err(&self, msg: &'static str) -> JErr {
        JErr::Json(msg, self.i)
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn lit(&mut self, word: &str, v: Node) -> Result<Node, JErr> {
        if self.b.get(self.i..self.i + word.len()) == Some(word.as_bytes()) {
            self.i += word.len();
            Ok(v)
        } else {
            Err(self.err("invalid literal"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Node, JErr> {
        match self.peek() {
            None => Err(self.err("unexpected end of input")),
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => self.string(),
            Some(b't') => self.lit("true", Node::Bool(true)),
            Some(b'f') => self.lit("false", Node::Bool(false)),
            Some(b'n') => self.lit("null", Node::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b'N' | b'I') => Err(self.err("non-standard JSON constant (NaN/Infinity)")),
            Some(_) => Err(self.err("expected a JSON value")),
        }
    }

    fn enter(&self, depth: usize) -> Result<(), JErr> {
        if depth > MAX_DEPTH {
            return Err(JErr::TooDeep(self.i));
        }
        Ok(())
    }

    /// Move the children collected since `mark` to the tape: their range there.
    fn close(&mut self, mark: usize) -> (usize, usize) {
        let nodes = &mut self.doc.nodes;
        let start = nodes.len();
        nodes.extend_from_slice(self.stack.get(mark..).unwrap_or_default());
        self.stack.truncate(mark);
        (start, nodes.len())
    }

    fn object(&mut self, depth: usize) -> Result<Node, JErr> {
        self.enter(depth)?;
        self.i += 1;
        let mark = self.stack.len();
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            let (a, b) = self.close(mark);
            return Ok(Node::Obj(a, b));
        }
        loop {
            self.ws();
            if self.peek() != Some(b'"') {
                return Err(self.err("expected a string key"));
            }
            let key = self.string()?;
            self.ws();
            if self.peek() != Some(b':') {
                return Err(self.err("expected ':'"));
            }
            self.i += 1;
            self.ws();
            let v = self.value(depth)?;
            self.stack.push(key);
            self.stack.push(v);
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    let (a, b) = self.close(mark);
                    return Ok(Node::Obj(a, b));
                }
                _ => return Err(self.err("expected ',' or '}'")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Node, JErr> {
        self.enter(depth)?;
        self.i += 1;
        let mark = self.stack.len();
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            let (a, b) = self.close(mark);
            return Ok(Node::Arr(a, b));
        }
        loop {
            self.ws();
            let v = self.value(depth)?;
            self.stack.push(v);
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    let (a, b) = self.close(mark);
                    return Ok(Node::Arr(a, b));
                }
                _ => return Err(self.err("expected ',' or ']'")),
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        self.i - start
    }

    fn number(&mut self) -> Result<Node, JErr> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.err("invalid number")),
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return Err(self.err("invalid number: digits expected after '.'"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return Err(self.err("invalid number: digits expected in exponent"));
            }
        }
        Ok(Node::Num(start, self.i))
    }

    fn hex4(&mut self) -> Result<u32, JErr> {
        let h = self
            .s
            .get(self.i..self.i + 4)
            .ok_or_else(|| self.err("truncated \\u escape"))?;
        // from_str_radix alone would accept a sign (`\u+041`)
        if !h.bytes().all(|c| c.is_ascii_hexdigit()) {
            return Err(self.err("invalid \\u escape"));
        }
        let v = u32::from_str_radix(h, 16).map_err(|_| self.err("invalid \\u escape"))?;
        self.i += 4;
        Ok(v)
    }

    fn string(&mut self) -> Result<Node, JErr> {
        self.i += 1; // opening quote
        let start = self.i;
        // Fast path: scan to the closing quote; no escapes → borrow.
        self.i = scan_plain(self.b, start);
        match self.peek() {
            None => return Err(self.err("unterminated string")),
            Some(b'"') => {
                let end = self.i;
                self.i += 1;
                return Ok(Node::Str(start, end));
            }
            Some(b'\\') => {}
            Some(_) => return Err(self.err("control character in string")),
        }
        let from = self.doc.text.len();
        let head = self.s.get(start..self.i).unwrap_or_default();
        self.doc.text.push_str(head);
        loop {
            match self.peek() {
                None => return Err(self.err("unterminated string")),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(Node::Esc(from, self.doc.text.len()));
                }
                Some(b'\\') => {
                    self.i += 1;
                    let esc = self.peek().ok_or_else(|| self.err("unterminated string"))?;
                    self.i += 1;
                    let out = match esc {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hi = self.hex4()?;
                            let cp = if (0xD800..0xDC00).contains(&hi) {
                                if self.b.get(self.i..self.i + 2) != Some(b"\\u") {
                                    return Err(self.err("unpaired surrogate"));
                                }
                                self.i += 2;
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(self.err("unpaired surrogate"));
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else {
                                hi
                            };
                            char::from_u32(cp).ok_or_else(|| self.err("unpaired surrogate"))?
                        }
                        _ => return Err(self.err("invalid escape")),
                    };
                    self.doc.text.push(out);
                }
                Some(c) if c < 0x20 => return Err(self.err("control character in string")),
                Some(_) => {
                    // Copy one UTF-8 char (input is valid UTF-8).
                    let ch = self.s.get(self.i..).and_then(|r| r.chars().next());
                    let Some(ch) = ch else {
                        return Err(self.err("bad string"));
                    };
                    self.doc.text.push(ch);
                    self.i += ch.len_utf8();
                }
            }
        }
    }
}

/// Index of the first `"`, `\\` or control byte at or after `i` (or the end): eight bytes per step,
/// the last few byte by byte.
fn scan_plain(b: &[u8], mut i: usize) -> usize {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    // "Some byte is zero" / "some byte is < n" (n <= 128) masks: a false flag can only appear
    // above a true one (borrows run upwards), so the lowest flag marks the first stop byte.
    let has_zero = |x: u64| x.wrapping_sub(LO) & !x & HI;
    while let Some(chunk) = b.get(i..i + 8) {
        let Ok(bytes) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        let w = u64::from_le_bytes(bytes);
        let stop = has_zero(w ^ (LO * u64::from(b'"')))
            | has_zero(w ^ (LO * u64::from(b'\\')))
            | (w.wrapping_sub(LO * 0x20) & !w & HI);
        if stop != 0 {
            // Little-endian: byte k of the chunk is bits 8k..8k+8.
            return i + (stop.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&c) = b.get(i) {
        if c == b'"' || c == b'\\' || c < 0x20 {
            break;
        }
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unicode_escape_needs_four_hex_digits() {
        assert!(parse(br#""\u+041""#).is_err());
        assert!(parse(br#""\u-041""#).is_err());
        let doc = parse(br#""\u0041""#);
        assert_eq!(doc.as_ref().ok().and_then(|d| d.root().as_str()), Some("A"));
    }

    #[test]
    fn exact_tokens_and_last_wins() {
        let doc = parse(br#"{"a":1.5E-7,"b":[9007199254740993,"x\u00e9\ud83d\ude00"],"a":2}"#);
        let Ok(doc) = doc else {
            panic!("valid JSON refused: {doc:?}");
        };
        let v = doc.root();
        assert_eq!(v.get("a"), Some(J::Num("2")));
        let b = v.get("b").and_then(|b| b.as_array());
        assert_eq!(
            b.and_then(|b| b.first()).and_then(|x| x.as_i64()),
            Some(9_007_199_254_740_993)
        );
        assert_eq!(
            b.and_then(|b| b.get(1)).and_then(|x| x.as_str()),
            Some("xé😀")
        );
        assert_eq!(b.map(|b| b.len()), Some(2));
    }

    #[test]
    fn tape_ranges_nest() {
        let doc = parse(br#"[[1,[2,3]],{"k\"":{"x":[]},"y":"a\nb"},4]"#);
        let Ok(doc) = doc else {
            panic!("valid JSON refused: {doc:?}");
        };
        let items: Vec<J<'_>> = doc
            .root()
            .as_array()
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        assert_eq!(items.len(), 3);
        let inner = items
            .first()
            .and_then(|a| a.as_array())
            .and_then(|a| a.get(1));
        assert_eq!(inner.and_then(|a| a.as_array()).map(|a| a.len()), Some(2));
        let obj = items.get(1).copied().unwrap_or(J::Null);
        let k = obj.get("k\"").unwrap_or(J::Null);
        assert_eq!(
            k.get("x").and_then(|x| x.as_array()).map(|a| a.is_empty()),
            Some(true)
        );
        assert_eq!(obj.get("y").and_then(|y| y.as_str()), Some("a\nb"));
        assert_eq!(items.get(2).and_then(|x| x.as_i64()), Some(4));
    }

    #[test]
    fn scan_stops_at_every_stop_byte() {
        for stop in [b'"', b'\\', 0x00, 0x1f, b'\n'] {
            for pos in 0..20 {
                let mut v = vec![b'a'; 24];
                v.extend_from_slice("é€".as_bytes());
                if let Some(slot) = v.get_mut(pos) {
                    *slot = stop;
                }
                assert_eq!(scan_plain(&v, 0), pos);
                assert_eq!(scan_plain(&v, pos), pos);
            }
        }
        assert_eq!(scan_plain(b"abc \x7f\x80 ~!#abcdef", 0), 16);
        // Two chosen bytes anywhere in 18 (borrow neighbours, high bytes), every start: same
        // answer as the byte-by-byte definition.
        let naive = |b: &[u8], i: usize| {
            (i..b.len())
                .find(|&k| {
                    b.get(k)
                        .is_some_and(|&c| c == b'"' || c == b'\\' || c < 0x20)
                })
                .unwrap_or(b.len().max(i))
        };
        let tricky = [
            0x00u8, 0x01, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x5b, 0x5c, 0x5d, 0x7f, 0x80, 0xa2, 0xff,
        ];
        for p1 in 0..18 {
            for p2 in p1..18 {
                for &c1 in &tricky {
                    for &c2 in &tricky {
                        let mut v = vec![b'x'; 18];
                        if let Some(s) = v.get_mut(p1) {
                            *s = c1;
                        }
                        if let Some(s) = v.get_mut(p2) {
                            *s = c2;
                        }
                        for start in [0, 1, p1, p2] {
                            assert_eq!(scan_plain(&v, start), naive(&v, start), "{v:?} {start}");
                        }
                    }
                }
            }
        }
        assert_eq!(scan_plain(b"", 0), 0);
    }

    #[test]
    fn tape_buffers_come_back() {
        for _ in 0..10 {
            let doc = parse(br#"{"a":[1,2,{"b":"c"}]}"#);
            assert!(doc.is_ok());
            assert!(parse(b"[1,").is_err());
        }
        let count = POOL.with(|p| p.borrow().len());
        assert!((1..=POOL_MAX_BUFFERS).contains(&count));
    }

    #[test]
    fn rejects() {
        for bad in [
            &b""[..],
            b"{",
            b"[1,]",
            b"{\"a\":NaN}",
            b"{} {}",
            b"01",
            b"1.",
            b"\"\\x\"",
            b"[1 2]",
            b"{\"a\" 1}",
            b"\"\x01\"",
            b"-",
            b"tru",
        ] {
            assert!(parse(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
        let deep = "[".repeat(100_000);
        assert!(parse(deep.as_bytes()).is_err());
        let ok = format!("{}{}", "[".repeat(64), "]".repeat(64));
        assert!(parse(ok.as_bytes()).is_ok());
    }
}
