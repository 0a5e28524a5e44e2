//! Every request head of a connection, watched before hyper parses it.
//!
//! hyper keeps a request head in its read buffer until the head is
//! complete, and past the buffer's cap ([`Limits::hard_head_bytes`]) it
//! answers a bare `431` itself, with no body. Raising that cap would let
//! each connection hold as much memory as the largest head anyone sends.
//! It also frames a request that has both `Content-Length` and
//! `Transfer-Encoding` by the latter, and answers it: behind a proxy that
//! frames by `Content-Length`, that is the start of request smuggling
//! (RFC 9112 §6.3 says to handle it as an error and close).
//!
//! So [`HeadGuard`] reads the connection first. It holds each request head
//! back until the head is complete (at most [`Limits::watched_head_bytes`],
//! well below hyper's cap) and follows the request's framing
//! (`Content-Length`, or chunked) to where the next head starts, so it sees
//! every head of a kept-alive or pipelined connection, not only the first:
//!
//! - a head past the watched size is refused with `414` when its request
//!   line did not even end, else `431`;
//! - a head whose framing is ambiguous — `Content-Length` together with
//!   `Transfer-Encoding`, differing or malformed `Content-Length` values, a
//!   `Transfer-Encoding` whose last coding is not `chunked`, or any
//!   `Transfer-Encoding` in HTTP/1.0 — is refused with `400`;
//! - a head hyper would refuse with an empty answer is refused first, with
//!   a body: more header fields than hyper parses (`431`), a request line
//!   or a header field that does not parse, a request target that is not a
//!   URI (`400`). Bytes that cannot start a request line (a TLS handshake
//!   sent to the plain port, say) are refused as soon as they come, not
//!   when the header-read timeout ends the wait for a head.
//!
//! Each refusal is the document's problem, and closes the connection.
//! Where nothing is in flight (the connection's first head too large), the
//! guard writes the answer itself. Otherwise hyper may still be writing an
//! answer to an earlier request, so the guard hands hyper, in place of the
//! refused head, a stand-in request that only this process can write (a
//! header with a secret made at start, [`stand_in`]); hyper reaches it after
//! the earlier answers, and `serve` answers it with the refusal. Either
//! way the rest of what the client sends is read and dropped (at most
//! [`DRAIN_BYTES`]) so that closing does not reset the connection before
//! the client has read the answer.
//!
//! Where the guard does not follow the framing (an `Upgrade`, `CONNECT`, a
//! malformed chunk), it passes every further byte to hyper, which answers as
//! it does.

use std::io;
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{ready, Context, Poll};

use axum::http::StatusCode;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::limits::Limits;
use crate::spec::ApiSpec;

/// The most bytes read and dropped after a refusal.
pub const DRAIN_BYTES: usize = 8 << 20;

/// The header field of a stand-in request (see the module docs).
pub(crate) const STAND_IN: &str = "x-ev-energy-head-guard";

/// Bytes read from the connection at a time.
const READ_BYTES: usize = 8 * 1024;

/// The most header fields in a head: hyper's own limit (its
/// `DEFAULT_MAX_HEADERS`; `serve` does not change it), past which it
/// answers a bare `431`.
pub const MAX_FIELDS: usize = 100;

/// Why a head is refused, for the stand-in and the problem's detail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The request line is over the watched size.
    UriTooLong,
    /// The header fields are over the watched size.
    FieldsTooLarge,
    /// `Content-Length` and `Transfer-Encoding` together.
    BothFramings,
    /// A `Transfer-Encoding` whose last coding is not `chunked`.
    NotChunked,
    /// `Content-Length` values that differ, or are not a number.
    BadLength,
    /// `Transfer-Encoding` in an HTTP/1.0 request.
    CodingInHttp10,
    /// More than [`MAX_FIELDS`] header fields.
    TooManyFields,
    /// A request line that does not parse, or a target that is not a URI.
    BadLine,
    /// A header field that does not parse.
    BadField,
}

impl Refusal {
    const ALL: [Refusal; 9] = [
        Refusal::UriTooLong,
        Refusal::FieldsTooLarge,
        Refusal::BothFramings,
        Refusal::NotChunked,
        Refusal::BadLength,
        Refusal::CodingInHttp10,
        Refusal::TooManyFields,
        Refusal::BadLine,
        Refusal::BadField,
    ];

    fn code(self) -> &'static str {
        match self {
            Refusal::UriTooLong => "uri",
            Refusal::FieldsTooLarge => "fields",
            Refusal::BothFramings => "both",
            Refusal::NotChunked => "coding",
            Refusal::BadLength => "length",
            Refusal::CodingInHttp10 => "coding10",
            Refusal::TooManyFields => "count",
            Refusal::BadLine => "line",
            Refusal::BadField => "field",
        }
    }

    /// The status and detail of the refusal's problem.
    pub(crate) fn answer(self, limits: &Limits) -> (StatusCode, String) {
        let read = limits.watched_head_bytes();
        match self {
            Refusal::UriTooLong => (
                StatusCode::URI_TOO_LONG,
                format!(
                    "The request target is over {read} bytes long; this server accepts at most {}.",
                    limits.max_uri_bytes
                ),
            ),
            Refusal::FieldsTooLarge => (
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                format!(
                    "The request's header fields are over {read} bytes; this server accepts at most {}.",
                    limits.max_header_bytes
                ),
            ),
            Refusal::BothFramings => (
                StatusCode::BAD_REQUEST,
                "The request has both Content-Length and Transfer-Encoding, so where its body ends \
                 is ambiguous (RFC 9112 §6.3); send one of them."
                    .to_string(),
            ),
            Refusal::NotChunked => (
                StatusCode::BAD_REQUEST,
                "The request's Transfer-Encoding does not end with chunked, so where its body ends \
                 is unknown (RFC 9112 §6.3); send Transfer-Encoding: chunked or Content-Length."
                    .to_string(),
            ),
            Refusal::BadLength => (
                StatusCode::BAD_REQUEST,
                "The request's Content-Length is not one number (several differing values, or not \
                 a number), so where its body ends is ambiguous (RFC 9112 §6.3)."
                    .to_string(),
            ),
            Refusal::CodingInHttp10 => (
                StatusCode::BAD_REQUEST,
                "The request is HTTP/1.0 and has a Transfer-Encoding, which HTTP/1.0 does not \
                 have, so where its body ends is ambiguous (RFC 9112 §6.1); send Content-Length."
                    .to_string(),
            ),
            Refusal::TooManyFields => (
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                format!(
                    "The request has more than {MAX_FIELDS} header fields; this server accepts at \
                     most {MAX_FIELDS}."
                ),
            ),
            Refusal::BadLine => (
                StatusCode::BAD_REQUEST,
                "The request line does not parse: it must be a method, a space, a request target \
                 that is a URI, a space and HTTP/1.1 or HTTP/1.0, ending with CRLF (RFC 9112 §3)."
                    .to_string(),
            ),
            Refusal::BadField => (
                StatusCode::BAD_REQUEST,
                "A header field does not parse: each must be a token name, a colon and a value of \
                 visible characters, spaces and tabs, ending with CRLF (RFC 9112 §5)."
                    .to_string(),
            ),
        }
    }
}

/// This process's secret for stand-in requests: a client cannot write one.
fn secret() -> &'static str {
    static SECRET: OnceLock<String> = OnceLock::new();
    SECRET.get_or_init(|| {
        use std::hash::{BuildHasher, Hasher};
        let part = || {
            let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
            hasher.write_u128(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos()),
            );
            hasher.finish()
        };
        format!("{:016x}{:016x}", part(), part())
    })
}

/// The stand-in request hyper is handed in place of a refused head.
fn stand_in(refusal: Refusal) -> Vec<u8> {
    format!(
        "GET / HTTP/1.1\r\nhost: head-guard\r\nconnection: close\r\n{STAND_IN}: {} {}\r\n\r\n",
        secret(),
        refusal.code()
    )
    .into_bytes()
}

/// The refusal a request stands in for, if it is a stand-in this process
/// made (`serve` answers it); a client's copy of the header is not one.
pub(crate) fn stood_in_for(value: &[u8]) -> Option<Refusal> {
    let text = std::str::from_utf8(value).ok()?;
    let (secret_sent, code) = text.split_once(' ')?;
    if secret_sent != secret() {
        return None;
    }
    Refusal::ALL.into_iter().find(|r| r.code() == code)
}

/// How a request's body is framed, read from its head.
#[derive(Debug, PartialEq, Eq)]
enum Framing {
    /// No body: the next head follows.
    Empty,
    /// `Content-Length` bytes.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// Refused (see [`Refusal`]).
    Refused(Refusal),
    /// Not followed: every further byte passes to hyper.
    Unfollowed,
}

/// Why hyper would refuse what httparse says of a head, as a refusal.
fn parse_refusal(error: httparse::Error, request: &httparse::Request<'_, '_>) -> Refusal {
    match error {
        httparse::Error::TooManyHeaders => Refusal::TooManyFields,
        httparse::Error::HeaderName | httparse::Error::HeaderValue => Refusal::BadField,
        // A bad new line or token after the request line is in a field.
        httparse::Error::NewLine | httparse::Error::Token if request.version.is_some() => {
            Refusal::BadField
        }
        _ => Refusal::BadLine,
    }
}

/// Whether a byte can start a request line: a method is a token (RFC 9110 §5.6.2).
fn starts_a_method(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

/// The refusal of a request line, checked once it ends, before the rest
/// of its head comes.
fn line_refusal(head: &[u8]) -> Option<Refusal> {
    let mut fields = [httparse::EMPTY_HEADER; MAX_FIELDS];
    let mut request = httparse::Request::new(&mut fields);
    match request.parse(head) {
        Err(error) => Some(parse_refusal(error, &request)),
        Ok(_) => None,
    }
}

/// The framing of a complete request head.
fn framing(head: &[u8]) -> Framing {
    let mut fields = [httparse::EMPTY_HEADER; MAX_FIELDS];
    let mut request = httparse::Request::new(&mut fields);
    match request.parse(head) {
        Ok(httparse::Status::Complete(_)) => {}
        Ok(httparse::Status::Partial) => return Framing::Refused(Refusal::BadField),
        Err(error) => return Framing::Refused(parse_refusal(error, &request)),
    }
    // What hyper makes of the target (`http::Uri`): a target it cannot
    // read is a bare 400 from it.
    if request
        .path
        .is_none_or(|path| axum::http::Uri::try_from(path).is_err())
    {
        return Framing::Refused(Refusal::BadLine);
    }
    if request.method == Some("CONNECT") {
        return Framing::Unfollowed;
    }
    let mut lengths: Vec<&[u8]> = Vec::new();
    let mut codings: Vec<&[u8]> = Vec::new();
    for field in request.headers.iter() {
        if field.name.eq_ignore_ascii_case("content-length") {
            lengths.extend(field.value.split(|&b| b == b','));
        } else if field.name.eq_ignore_ascii_case("transfer-encoding") {
            codings.extend(field.value.split(|&b| b == b','));
        } else if field.name.eq_ignore_ascii_case("upgrade") {
            return Framing::Unfollowed;
        }
    }
    let trim = |value: &[u8]| -> Vec<u8> { value.trim_ascii().to_ascii_lowercase() };
    if !codings.is_empty() {
        if request.version == Some(0) {
            return Framing::Refused(Refusal::CodingInHttp10);
        }
        if !lengths.is_empty() {
            return Framing::Refused(Refusal::BothFramings);
        }
        return match codings
            .iter()
            .rev()
            .map(|c| trim(c))
            .find(|c| !c.is_empty())
        {
            Some(last) if last == b"chunked" => Framing::Chunked,
            _ => Framing::Refused(Refusal::NotChunked),
        };
    }
    let mut length = None;
    for value in lengths {
        let value = trim(value);
        let parsed = (!value.is_empty() && value.iter().all(u8::is_ascii_digit))
            .then(|| std::str::from_utf8(&value).ok()?.parse::<u64>().ok())
            .flatten();
        match (parsed, length) {
            (None, _) => return Framing::Refused(Refusal::BadLength),
            (Some(n), Some(earlier)) if n != earlier => {
                return Framing::Refused(Refusal::BadLength)
            }
            (Some(n), _) => length = Some(n),
        }
    }
    match length {
        Some(0) | None => Framing::Empty,
        Some(n) => Framing::Length(n),
    }
}

/// Where a chunked body is (RFC 9112 §7.1).
#[derive(Debug)]
enum Chunk {
    /// The chunk-size line: the size so far, whether a digit came, whether
    /// an extension started, whether its CR came.
    Size {
        size: u64,
        digits: bool,
        extension: bool,
        cr: bool,
    },
    /// Chunk data still to come.
    Data(u64),
    /// The CRLF after chunk data; `true` once the CR came.
    DataEnd(bool),
    /// The trailer section: bytes of the current line, whether its CR came.
    Trailer { line: usize, cr: bool },
}

/// What the guard is doing.
enum State {
    /// Holding a request head back until it is complete.
    Head {
        /// The head so far.
        bytes: Vec<u8>,
        /// Whether its request line ended.
        line_done: bool,
    },
    /// A body of this many more bytes.
    Body(u64),
    /// A chunked body.
    Chunked(Chunk),
    /// Not following the framing: every byte passes.
    Passing,
    /// Writing a refusal to the socket itself (nothing was in flight).
    Writing { answer: Vec<u8>, written: usize },
    /// Reading and dropping what the client sends after a refusal; hyper
    /// sees no more bytes. With `hold`, hyper is answering a stand-in, and
    /// the end of the client's bytes is not passed on (hyper would drop
    /// the answer on a busy connection's end of stream): it ends the
    /// connection itself once it has answered.
    Draining { left: usize, hold: bool },
    /// The client's bytes are drained; hyper is answering the stand-in.
    Held,
    /// The stream is over for hyper.
    Done,
}

/// Wraps a connection's stream; see the module docs.
pub struct HeadGuard<S> {
    inner: S,
    state: State,
    /// Whether the head being read is the connection's first.
    first: bool,
    /// Read from the connection, not yet looked at (`inbox_at` to
    /// `inbox_end`). Zeroed once, when the first read needs it, then read
    /// into as it is: zeroing it before every read cost 8 KiB of stores
    /// a read, several reads a request.
    inbox: Vec<u8>,
    inbox_at: usize,
    inbox_end: usize,
    /// Looked at, for hyper (from `outbox_at`).
    outbox: Vec<u8>,
    outbox_at: usize,
    /// The client closed its side.
    eof: bool,
    cap: usize,
    limits: Limits,
    /// Whose error shape a refusal written here takes.
    api: &'static ApiSpec,
}

impl<S> HeadGuard<S> {
    /// Watches the request heads of `inner` against `limits`, refusing in
    /// `api`'s error shape.
    pub fn new(inner: S, limits: Limits, api: &'static ApiSpec) -> Self {
        Self {
            inner,
            state: State::Head {
                bytes: Vec::new(),
                line_done: false,
            },
            first: true,
            inbox: Vec::new(),
            inbox_at: 0,
            inbox_end: 0,
            outbox: Vec::new(),
            outbox_at: 0,
            eof: false,
            cap: limits.watched_head_bytes(),
            limits,
            api,
        }
    }

    /// Refuses the head being read: written here when nothing is in flight
    /// (the first head, nothing handed to hyper yet), else through hyper.
    fn refuse(&mut self, refusal: Refusal) {
        self.inbox_at = 0;
        self.inbox_end = 0;
        if self.first && self.outbox_at == self.outbox.len() {
            let (status, detail) = refusal.answer(&self.limits);
            let answer = crate::limits::raw_refusal(self.api, status, detail);
            self.state = State::Writing { answer, written: 0 };
        } else {
            self.outbox.extend_from_slice(&stand_in(refusal));
            self.state = State::Draining {
                left: DRAIN_BYTES,
                hold: true,
            };
        }
    }

    /// Looks at the bytes in the inbox: what is for hyper goes to the outbox.
    fn look(&mut self) {
        while self.inbox_at < self.inbox_end {
            let rest = &self.inbox[self.inbox_at..self.inbox_end];
            match &mut self.state {
                State::Head { bytes, line_done } => {
                    let mut ended = false;
                    let mut used = 0;
                    let mut refused = None;
                    // A line at a time: up to its LF, or as far as the cap
                    // allows (one byte past it, to tell that it was passed).
                    while used < rest.len() {
                        if bytes.is_empty() {
                            let byte = rest[used];
                            if !starts_a_method(byte) && !b"\r\n".contains(&byte) {
                                used += 1;
                                bytes.push(byte);
                                refused = Some(Refusal::BadLine);
                                break;
                            }
                        }
                        let window = &rest[used..];
                        let room = (self.cap + 1).saturating_sub(bytes.len()).max(1);
                        let line_end = window.iter().take(room).position(|&b| b == b'\n');
                        let take = line_end.map_or(window.len().min(room), |at| at + 1);
                        bytes.extend_from_slice(&window[..take]);
                        used += take;
                        if line_end.is_some() {
                            // A line ends at LF, with or without CR before
                            // it, as hyper reads it (RFC 9112 §2.2).
                            let before = &bytes[..bytes.len() - 1];
                            let before = before.strip_suffix(b"\r").unwrap_or(before);
                            if before.is_empty() {
                                // Empty lines before a request line are allowed.
                                bytes.clear();
                                continue;
                            }
                            if before.ends_with(b"\n") {
                                ended = true;
                                break;
                            }
                            if !*line_done {
                                *line_done = true;
                                refused = line_refusal(bytes);
                                if refused.is_some() {
                                    break;
                                }
                            }
                        }
                        if bytes.len() > self.cap {
                            break;
                        }
                    }
                    self.inbox_at += used;
                    if let Some(refusal) = refused {
                        return self.refuse(refusal);
                    }
                    if ended {
                        let mut head = std::mem::take(bytes);
                        let next = match framing(&head) {
                            Framing::Refused(refusal) => return self.refuse(refusal),
                            Framing::Empty => None,
                            Framing::Length(n) => Some(State::Body(n)),
                            Framing::Chunked => Some(State::Chunked(Chunk::Size {
                                size: 0,
                                digits: false,
                                extension: false,
                                cr: false,
                            })),
                            Framing::Unfollowed => Some(State::Passing),
                        };
                        self.outbox.extend_from_slice(&head);
                        // A next head without a body between reuses the
                        // buffer (no regrowth per request).
                        head.clear();
                        self.state = next.unwrap_or(State::Head {
                            bytes: head,
                            line_done: false,
                        });
                        self.first = false;
                    } else if bytes.len() > self.cap {
                        let refusal = match *line_done {
                            false => Refusal::UriTooLong,
                            true => Refusal::FieldsTooLarge,
                        };
                        return self.refuse(refusal);
                    }
                }
                State::Body(left) => {
                    let n = rest.len().min(usize::try_from(*left).unwrap_or(usize::MAX));
                    self.outbox.extend_from_slice(&rest[..n]);
                    self.inbox_at += n;
                    *left -= n as u64;
                    if *left == 0 {
                        self.state = State::Head {
                            bytes: Vec::new(),
                            line_done: false,
                        };
                    }
                }
                State::Chunked(chunk) => {
                    let mut used = 0;
                    let mut done = false;
                    let mut lost = false;
                    while used < rest.len() {
                        if let Chunk::Data(left) = chunk {
                            let n = (rest.len() - used)
                                .min(usize::try_from(*left).unwrap_or(usize::MAX));
                            used += n;
                            *left -= n as u64;
                            if *left == 0 {
                                *chunk = Chunk::DataEnd(false);
                            }
                            continue;
                        }
                        let byte = rest[used];
                        used += 1;
                        match step(chunk, byte) {
                            Step::More => {}
                            Step::End => {
                                done = true;
                                break;
                            }
                            Step::Lost => {
                                lost = true;
                                break;
                            }
                        }
                    }
                    self.outbox.extend_from_slice(&rest[..used]);
                    self.inbox_at += used;
                    if lost {
                        self.state = State::Passing;
                    } else if done {
                        self.state = State::Head {
                            bytes: Vec::new(),
                            line_done: false,
                        };
                    }
                }
                State::Passing => {
                    self.outbox.extend_from_slice(rest);
                    self.inbox_at = self.inbox_end;
                }
                State::Writing { .. } | State::Draining { .. } | State::Held | State::Done => {
                    self.inbox_at = self.inbox_end;
                }
            }
        }
    }
}

/// What one byte of a chunked body did.
enum Step {
    More,
    End,
    /// Not chunked framing the guard follows: hyper answers it.
    Lost,
}

fn step(chunk: &mut Chunk, byte: u8) -> Step {
    match chunk {
        Chunk::Size {
            size,
            digits,
            extension,
            cr,
        } => {
            if *cr {
                if byte != b'\n' || !*digits {
                    return Step::Lost;
                }
                *chunk = match *size {
                    0 => Chunk::Trailer { line: 0, cr: false },
                    n => Chunk::Data(n),
                };
                return Step::More;
            }
            match byte {
                b'\r' => *cr = true,
                _ if *extension => {}
                b';' | b' ' | b'\t' => *extension = true,
                _ => match (byte as char).to_digit(16) {
                    Some(digit) if *size >> 56 == 0 => {
                        *size = *size * 16 + u64::from(digit);
                        *digits = true;
                    }
                    _ => return Step::Lost,
                },
            }
            Step::More
        }
        Chunk::DataEnd(cr) => match (byte, *cr) {
            (b'\r', false) => {
                *cr = true;
                Step::More
            }
            (b'\n', true) => {
                *chunk = Chunk::Size {
                    size: 0,
                    digits: false,
                    extension: false,
                    cr: false,
                };
                Step::More
            }
            _ => Step::Lost,
        },
        Chunk::Trailer { line, cr } => match (byte, *cr) {
            (b'\r', false) => {
                *cr = true;
                Step::More
            }
            (b'\n', true) if *line == 0 => Step::End,
            (b'\n', true) => {
                *line = 0;
                *cr = false;
                Step::More
            }
            (_, true) => Step::Lost,
            _ => {
                *line += 1;
                Step::More
            }
        },
        Chunk::Data(_) => Step::More,
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for HeadGuard<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            // What is ready for hyper goes first.
            if this.outbox_at < this.outbox.len() {
                let n = buf.remaining().min(this.outbox.len() - this.outbox_at);
                buf.put_slice(&this.outbox[this.outbox_at..this.outbox_at + n]);
                this.outbox_at += n;
                if this.outbox_at == this.outbox.len() {
                    this.outbox.clear();
                    this.outbox_at = 0;
                }
                return Poll::Ready(Ok(()));
            }
            match &mut this.state {
                State::Done => return Poll::Ready(Ok(())),
                State::Held => return Poll::Pending,
                State::Passing if this.inbox_at == this.inbox_end => {
                    return Pin::new(&mut this.inner).poll_read(cx, buf);
                }
                State::Writing { answer, written } => {
                    while *written < answer.len() {
                        let n =
                            ready!(Pin::new(&mut this.inner).poll_write(cx, &answer[*written..]))?;
                        if n == 0 {
                            this.state = State::Done;
                            break;
                        }
                        *written += n;
                    }
                    if matches!(this.state, State::Writing { .. }) {
                        // Sent and closed for writing (the client reads to
                        // the end), then what the client still sends is
                        // read, so closing does not reset the connection.
                        ready!(Pin::new(&mut this.inner).poll_flush(cx))?;
                        ready!(Pin::new(&mut this.inner).poll_shutdown(cx))?;
                        this.state = State::Draining {
                            left: DRAIN_BYTES,
                            hold: false,
                        };
                    }
                }
                State::Draining { left, hold } => {
                    // hyper gets no more bytes.
                    let mut scratch = [0u8; READ_BYTES];
                    let mut sink = ReadBuf::new(&mut scratch);
                    ready!(Pin::new(&mut this.inner).poll_read(cx, &mut sink))?;
                    let read = sink.filled().len();
                    *left = left.saturating_sub(read);
                    if read == 0 || *left == 0 {
                        this.state = match hold {
                            true => State::Held,
                            false => State::Done,
                        };
                    }
                }
                _ if this.inbox_at < this.inbox_end => this.look(),
                _ if this.eof => {
                    // The client ended mid-head: hyper sees what there was.
                    if let State::Head { bytes, .. } = &mut this.state {
                        this.outbox.append(bytes);
                    }
                    if this.outbox.is_empty() {
                        return Poll::Ready(Ok(()));
                    }
                }
                _ => {
                    if this.inbox.len() < READ_BYTES {
                        this.inbox.resize(READ_BYTES, 0);
                    }
                    this.inbox_at = 0;
                    let mut read = ReadBuf::new(&mut this.inbox);
                    let polled = Pin::new(&mut this.inner).poll_read(cx, &mut read);
                    let n = read.filled().len();
                    this.inbox_end = n;
                    ready!(polled)?;
                    if n == 0 {
                        this.eof = true;
                    }
                }
            }
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for HeadGuard<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(Pin::new(&mut this.inner).poll_shutdown(cx))?;
        // After a refusal, what the client still sends is read, so that
        // closing does not reset the connection before it reads the answer.
        while let State::Draining { left, .. } = &mut this.state {
            let mut scratch = [0u8; READ_BYTES];
            let mut sink = ReadBuf::new(&mut scratch);
            ready!(Pin::new(&mut this.inner).poll_read(cx, &mut sink))?;
            let read = sink.filled().len();
            *left = left.saturating_sub(read);
            if read == 0 || *left == 0 {
                this.state = State::Done;
            }
        }
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    /// What hyper would read through the guard, and what the client reads back.
    async fn through(sent: Vec<u8>) -> (Vec<u8>, Vec<u8>) {
        let (client, server) = tokio::io::duplex(1 << 16);
        let limits = Limits::default();
        let mut guard = HeadGuard::new(server, limits, &crate::gate::testing::API);
        let (mut client_read, mut client_write) = tokio::io::split(client);
        let writer = tokio::spawn(async move {
            let _ = client_write.write_all(&sent).await;
            let _ = client_write.shutdown().await;
        });
        // To the end of the stream, or until the guard holds hyper waiting
        // (after a stand-in: hyper ends the connection once it answers).
        let mut passed = Vec::new();
        let mut chunk = [0u8; 8192];
        loop {
            let read = tokio::time::timeout(
                std::time::Duration::from_millis(300),
                guard.read(&mut chunk),
            );
            match read.await {
                Ok(Ok(0)) | Err(_) => break,
                Ok(Ok(n)) => passed.extend_from_slice(&chunk[..n]),
                Ok(Err(e)) => panic!("{e}"),
            }
        }
        let _ = guard.shutdown().await;
        drop(guard);
        let mut back = Vec::new();
        client_read.read_to_end(&mut back).await.unwrap();
        writer.await.unwrap();
        (passed, back)
    }

    #[tokio::test]
    async fn a_head_within_the_cap_passes_whole_and_so_does_what_follows() {
        let mut sent =
            b"POST /a?b=c HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\n\r\n".to_vec();
        sent.extend(vec![b'x'; 200_000]);
        sent.extend(b"GET /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
        sent.extend(b"5;ext=1\r\nhello\r\n0\r\nTrailer: t\r\n\r\n");
        sent.extend(b"\r\nGET /c HTTP/1.1\r\nHost: x\r\n\r\n");
        let (passed, back) = through(sent.clone()).await;
        // The empty line before the third request line is dropped, as
        // RFC 9112 §2.2 allows; everything else passes as it came.
        let mut expected = sent.clone();
        let at = expected.windows(4).rposition(|w| w == b"\r\nGE").unwrap();
        expected.drain(at..at + 2);
        assert_eq!(passed, expected);
        assert!(back.is_empty());
    }

    /// The guard reads a line at a time: a head ending exactly at the cap,
    /// or with its last LF one byte past it, passes; one more byte of
    /// field is refused — whether the head comes in one piece or spread
    /// over several requests of one connection.
    #[tokio::test]
    async fn the_cap_is_the_same_at_its_edge_however_lines_fall() {
        let cap = Limits::default().watched_head_bytes();
        let head = |len: usize| {
            let start = b"GET / HTTP/1.1\r\nX-Pad: ".to_vec();
            let end = b"\r\n\r\n";
            let mut head = start.clone();
            head.resize(len - end.len(), b'p');
            head.extend_from_slice(end);
            head
        };
        for len in [cap - 1, cap, cap + 1] {
            let (passed, back) = through(head(len)).await;
            assert_eq!(
                passed.len(),
                len,
                "a head of {len} bytes (cap {cap}) passes"
            );
            assert!(back.is_empty());
            // After a first request, on the same connection.
            let mut sent = b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n".to_vec();
            sent.extend(head(len));
            let (passed, _) = through(sent.clone()).await;
            assert_eq!(passed, sent);
        }
        let (passed, back) = through(head(cap + 2)).await;
        assert!(passed.is_empty());
        let back = String::from_utf8(back).unwrap();
        assert!(
            back.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"),
            "{back}"
        );
    }

    #[tokio::test]
    async fn a_long_request_line_is_414_and_long_fields_431_whatever_their_size() {
        let line = format!(
            "GET /a?q={} HTTP/1.1\r\nHost: x\r\n\r\n",
            "q".repeat(100 * 1024)
        );
        let (passed, back) = through(line.into_bytes()).await;
        let back = String::from_utf8(back).unwrap();
        assert!(back.starts_with("HTTP/1.1 414 URI Too Long\r\n"), "{back}");
        assert!(back.contains("\"status\":414"), "{back}");
        assert!(passed.is_empty(), "hyper sees none of it");
        let field = format!("GET / HTTP/1.1\r\nX-Big: {}\r\n\r\n", "h".repeat(1 << 20));
        let (passed, back) = through(field.into_bytes()).await;
        let back = String::from_utf8(back).unwrap();
        assert!(
            back.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"),
            "{back}"
        );
        assert!(back.contains("\"status\":431"), "{back}");
        assert!(passed.is_empty());
    }

    #[tokio::test]
    async fn a_later_head_too_large_reaches_hyper_as_a_stand_in_after_the_earlier_requests() {
        let mut sent = b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n".to_vec();
        sent.extend(b"POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
        sent.extend(format!("GET /c HTTP/1.1\r\nX-Big: {}\r\n\r\n", "h".repeat(1 << 20)).bytes());
        sent.extend(b"GET /d HTTP/1.1\r\nHost: x\r\n\r\n");
        let (passed, back) = through(sent).await;
        assert!(back.is_empty(), "hyper answers it, after the others");
        let passed = String::from_utf8(passed).unwrap();
        let stand_in = String::from_utf8(stand_in(Refusal::FieldsTooLarge)).unwrap();
        assert_eq!(
            passed,
            format!(
                "GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc{stand_in}"
            )
        );
        let value = stand_in.split(&format!("{STAND_IN}: ")).nth(1).unwrap();
        let value = value.trim_end();
        assert_eq!(
            stood_in_for(value.as_bytes()),
            Some(Refusal::FieldsTooLarge)
        );
        // A client cannot write one.
        assert_eq!(stood_in_for(b"0000000000000000 fields"), None);
    }

    #[tokio::test]
    async fn ambiguous_framing_is_refused_wherever_it_comes() {
        let cases: [(&[u8], Refusal); 6] = [
            (
                b"Content-Length: 3\r\nTransfer-Encoding: chunked",
                Refusal::BothFramings,
            ),
            (
                b"Transfer-Encoding: chunked\r\nContent-Length: 3",
                Refusal::BothFramings,
            ),
            (b"Transfer-Encoding: gzip", Refusal::NotChunked),
            (b"Transfer-Encoding: chunked, gzip", Refusal::NotChunked),
            (
                b"Content-Length: 3\r\nContent-Length: 4",
                Refusal::BadLength,
            ),
            (b"Content-Length: -3", Refusal::BadLength),
        ];
        for (fields, refusal) in cases {
            let mut head = b"POST /a HTTP/1.1\r\nHost: x\r\n".to_vec();
            head.extend_from_slice(fields);
            head.extend_from_slice(b"\r\n\r\n");
            assert_eq!(framing(&head), Framing::Refused(refusal), "{fields:?}");
            // First on the connection: answered here.
            let mut sent = head.clone();
            sent.extend_from_slice(b"abc");
            let (passed, back) = through(sent).await;
            let back = String::from_utf8(back).unwrap();
            assert!(back.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{back}");
            assert!(back.contains("connection: close"), "{back}");
            assert!(passed.is_empty());
            // After another request: through hyper.
            let mut sent = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec();
            sent.extend_from_slice(&head);
            let (passed, _) = through(sent).await;
            assert!(passed.ends_with(&stand_in(refusal)), "{fields:?}");
        }
        // The same values repeated are one length.
        let head = b"POST /a HTTP/1.1\r\nContent-Length: 3, 3\r\n\r\n";
        assert_eq!(framing(head), Framing::Length(3));
    }

    #[tokio::test]
    async fn heads_hyper_would_answer_bare_are_refused_with_a_body() {
        let fields = |n: usize| {
            let mut head = b"GET / HTTP/1.1\r\n".to_vec();
            for i in 0..n {
                head.extend(format!("X-F{i}: v\r\n").bytes());
            }
            head.extend(b"\r\n");
            head
        };
        assert_eq!(framing(&fields(MAX_FIELDS)), Framing::Empty);
        let cases: [(Vec<u8>, Refusal, &str); 6] = [
            (fields(MAX_FIELDS + 1), Refusal::TooManyFields, "431"),
            (fields(1000), Refusal::TooManyFields, "431"),
            (
                b"GET /a b HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
                Refusal::BadLine,
                "400",
            ),
            (
                b"GET http://[::1/ HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
                Refusal::BadLine,
                "400",
            ),
            (
                b"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n".to_vec(),
                Refusal::BadField,
                "400",
            ),
            (
                b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n".to_vec(),
                Refusal::CodingInHttp10,
                "400",
            ),
        ];
        for (head, refusal, status) in cases {
            let shown = String::from_utf8_lossy(&head[..head.len().min(60)]).into_owned();
            let (passed, back) = through(head.clone()).await;
            let back = String::from_utf8(back).unwrap();
            assert!(
                back.starts_with(&format!("HTTP/1.1 {status} ")),
                "{shown}: {back}"
            );
            assert!(back.contains(&format!("\"status\":{status}")), "{back}");
            assert!(passed.is_empty(), "{shown}");
            let mut sent = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec();
            sent.extend_from_slice(&head);
            let (passed, _) = through(sent).await;
            assert!(passed.ends_with(&stand_in(refusal)), "{shown}");
        }
        // A request line that does not parse is refused when it ends, and
        // bytes that cannot start one as they come: the rest of the head is
        // not waited for.
        assert_eq!(
            line_refusal(b"GET /a b HTTP/1.1\r\n"),
            Some(Refusal::BadLine)
        );
        assert_eq!(line_refusal(b"GET /a HTTP/1.1\r\n"), None);
        let (_, back) = through(vec![0x16, 0x03, 0x01, 0x02, 0x00, 0x01]).await;
        assert!(
            String::from_utf8(back)
                .unwrap()
                .starts_with("HTTP/1.1 400 "),
            "a TLS handshake"
        );
    }

    #[tokio::test]
    async fn lines_ending_in_a_bare_lf_are_read_as_hyper_reads_them() {
        let sent = b"\nGET /a HTTP/1.1\nHost: x\n\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n".to_vec();
        let (passed, back) = through(sent.clone()).await;
        assert_eq!(passed, sent[1..].to_vec());
        assert!(back.is_empty());
    }

    #[tokio::test]
    async fn what_the_guard_does_not_follow_passes_to_hyper() {
        let mut sent = b"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".to_vec();
        sent.extend(format!("GET /c HTTP/1.1\r\nX-Big: {}\r\n\r\n", "h".repeat(100_000)).bytes());
        let (passed, back) = through(sent.clone()).await;
        assert_eq!(passed, sent, "a malformed chunk: hyper answers it");
        assert!(back.is_empty());
    }
}
