//! The first request head of a connection, watched before hyper parses it.
//!
//! hyper keeps a request head in its read buffer until the head is
//! complete, and past the buffer's cap ([`Limits::hard_head_bytes`]) it
//! answers a bare `431` itself, with no body. Raising that cap would let
//! each connection hold as much memory as the largest head anyone sends.
//! Instead, [`HeadGuard`] counts the bytes of the connection's first head
//! as they pass: past [`Limits::watched_head_bytes`] (well below hyper's
//! cap) without the end of the head, it stops passing bytes to hyper,
//! answers the refusal itself — `414` when the request line is not even
//! complete, else `431`, in the document's error shape — then reads and
//! drops the rest of the head (at most [`DRAIN_BYTES`]) so that closing
//! does not reset the connection before the client reads the answer, and
//! ends the stream. A head of any size gets a body, and no connection
//! holds more than the watched bytes of it.
//!
//! Later heads on a kept-alive connection are not watched (telling a head
//! from a body there needs the framing hyper parses): past hyper's cap they
//! get its bare `431`.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::serve::Limits;
use crate::spec::ApiSpec;

/// The most bytes of an oversized head read and dropped after answering it.
pub const DRAIN_BYTES: usize = 8 << 20;

enum State {
    /// The first head: bytes seen, the last four, whether the request line ended.
    Watching {
        seen: usize,
        window: u32,
        line_done: bool,
    },
    /// The head ended in time: every byte passes.
    Passing,
    /// Writing the refusal.
    Refusing { answer: Vec<u8>, written: usize },
    /// Reading and dropping the rest of the head.
    Draining { left: usize, window: u32 },
    /// The stream is over for hyper.
    Done,
}

/// Wraps a connection's stream; see the module docs.
pub struct HeadGuard<S> {
    inner: S,
    state: State,
    cap: usize,
    limits: Limits,
    /// Whose error shape the refusal takes.
    api: &'static ApiSpec,
}

impl<S> HeadGuard<S> {
    /// Watches the first head of `inner` against `limits`, refusing in
    /// `api`'s error shape.
    pub fn new(inner: S, limits: Limits, api: &'static ApiSpec) -> Self {
        Self {
            inner,
            state: State::Watching {
                seen: 0,
                window: 0,
                line_done: false,
            },
            cap: limits.watched_head_bytes(),
            limits,
            api,
        }
    }
}

const CRLF: u32 = u32::from_be_bytes([0, 0, b'\r', b'\n']);
const CRLF_CRLF: u32 = u32::from_be_bytes(*b"\r\n\r\n");

fn push(window: u32, byte: u8) -> u32 {
    (window << 8) | u32::from(byte)
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for HeadGuard<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            match &mut this.state {
                State::Passing => return Pin::new(&mut this.inner).poll_read(cx, buf),
                State::Done => return Poll::Ready(Ok(())),
                State::Watching {
                    seen,
                    window,
                    line_done,
                } => {
                    let before = buf.filled().len();
                    ready!(Pin::new(&mut this.inner).poll_read(cx, buf))?;
                    let new = &buf.filled()[before..];
                    let mut ended = false;
                    for &byte in new {
                        *window = push(*window, byte);
                        if *window & 0xffff == CRLF {
                            *line_done = true;
                        }
                        if *window == CRLF_CRLF {
                            ended = true;
                            break;
                        }
                    }
                    *seen += new.len();
                    if ended || new.is_empty() {
                        if ended {
                            this.state = State::Passing;
                        }
                        return Poll::Ready(Ok(()));
                    }
                    if *seen <= this.cap {
                        return Poll::Ready(Ok(()));
                    }
                    // Too large: hyper gets none of these bytes (nor the
                    // ones it already has a use for: it sees the stream end).
                    buf.set_filled(before);
                    let answer = crate::serve::head_refusal(&this.limits, this.api, !*line_done);
                    this.state = State::Refusing { answer, written: 0 };
                }
                State::Refusing { answer, written } => {
                    while *written < answer.len() {
                        let n =
                            ready!(Pin::new(&mut this.inner).poll_write(cx, &answer[*written..]))?;
                        if n == 0 {
                            this.state = State::Done;
                            break;
                        }
                        *written += n;
                    }
                    if matches!(this.state, State::Refusing { .. }) {
                        ready!(Pin::new(&mut this.inner).poll_flush(cx))?;
                        this.state = State::Draining {
                            left: DRAIN_BYTES,
                            window: 0,
                        };
                    }
                }
                State::Draining { left, window } => {
                    let mut scratch = [0u8; 8192];
                    let mut sink = ReadBuf::new(&mut scratch);
                    ready!(Pin::new(&mut this.inner).poll_read(cx, &mut sink))?;
                    let read = sink.filled();
                    let mut ended = read.is_empty();
                    for &byte in read {
                        *window = push(*window, byte);
                        if *window == CRLF_CRLF {
                            ended = true;
                            break;
                        }
                    }
                    *left = left.saturating_sub(read.len());
                    if ended || *left == 0 {
                        this.state = State::Done;
                    }
                }
            }
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for HeadGuard<S> {
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
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
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
        let mut passed = Vec::new();
        guard.read_to_end(&mut passed).await.unwrap();
        drop(guard);
        let mut back = Vec::new();
        client_read.read_to_end(&mut back).await.unwrap();
        writer.await.unwrap();
        (passed, back)
    }

    #[tokio::test]
    async fn a_head_within_the_cap_passes_whole_and_so_does_what_follows() {
        let mut sent = b"GET /a?b=c HTTP/1.1\r\nHost: x\r\n\r\n".to_vec();
        sent.extend(vec![b'x'; 200_000]);
        let (passed, back) = through(sent.clone()).await;
        assert_eq!(passed, sent, "a body after the head is never watched");
        assert!(back.is_empty());
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
        assert!(passed.len() <= Limits::default().watched_head_bytes());
        let field = format!("GET / HTTP/1.1\r\nX-Big: {}\r\n\r\n", "h".repeat(1 << 20));
        let (passed, back) = through(field.into_bytes()).await;
        let back = String::from_utf8(back).unwrap();
        assert!(
            back.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"),
            "{back}"
        );
        assert!(back.contains("\"status\":431"), "{back}");
        assert!(passed.len() <= Limits::default().watched_head_bytes());
    }
}
