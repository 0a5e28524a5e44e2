//! Serving a generated router on a TCP listener, with limits that hold
//! against hostile clients: slow or idle connections, too many of them,
//! oversized request heads and bodies.
//!
//! `axum::serve` sets no header-read timeout (hyper has no timer to run it
//! with), no idle timeout and no connection cap: a client that drips half a
//! request line holds its connection forever, and enough of them exhaust
//! file descriptors. [`serve`] runs hyper's HTTP/1 connections itself:
//!
//! | limit | default | what happens |
//! |---|---|---|
//! | [`Limits::header_read_timeout`] | 10 s | a request head not complete in time, or no next request on a kept-alive connection: the connection is closed (hyper starts this clock whenever it waits for a head) |
//! | [`Limits::idle_timeout`] | 60 s | no byte either way (a stalled body upload, a client that stopped reading): the connection is closed |
//! | [`Limits::max_connections`] | 1024 | one more connection is answered `503` problem+json with `Retry-After` and closed; accepted connections are never starved by it |
//! | [`Limits::max_uri_bytes`] | 8 KiB | `414` problem+json |
//! | [`Limits::max_header_bytes`] | 16 KiB | `431` problem+json |
//! | [`Limits::max_body_bytes`] | 1 MiB | `413` problem+json, before reading a byte when `Content-Length` says so, else (chunked) as soon as the body grows past it |
//!
//! Where the application has installed no `tracing` subscriber, `serve`
//! installs a plain one (warnings and errors to stderr, or what `RUST_LOG`
//! says), so a backend's error is logged with its causes by default.
//!
//! Every request head of a connection, of any size, gets its `414`/`431`
//! problem, and a head with ambiguous framing (`Content-Length` with
//! `Transfer-Encoding`, …) its `400`: `head.rs` reads the connection before
//! hyper and follows each request's framing to the next head, so no
//! connection buffers more than [`Limits::watched_head_bytes`] of a head.
//! Heads hyper would refuse (more than 100 header fields, a request line or
//! field that does not parse) get their problem from `head.rs` too; hyper
//! still answers a malformed chunk itself, with an empty body (`400`).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::response::Response;
use axum::Router;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::Instant;

use crate::problem::{Problem, Situation};
use crate::spec::ApiSpec;

pub use crate::limits::Limits;
use crate::limits::{raw_answer, refusal};

/// Serves `router` on `listener` within `limits` until `shutdown`
/// completes; requests in flight then get [`Limits::shutdown_grace`] to
/// finish. The refusals this layer makes are the document's problems
/// (`api` gives their texts).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    api: &'static ApiSpec,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    default_logs();
    let guard = Arc::new(Guard { limits, api });
    // Around the router as a whole rather than `Router::layer` (which wraps
    // every route, and clones the wrapped stack per request): one
    // middleware does the request ID and the size checks.
    let app = tower::ServiceBuilder::new()
        .map_request(|request: Request<hyper::body::Incoming>| request.map(axum::body::Body::new))
        .layer(axum::extract::DefaultBodyLimit::max(limits.max_body_bytes))
        .service(Front { guard, router });
    let service = hyper_util::service::TowerToHyperService::new(app);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_buf_size(limits.hard_head_bytes().max(8192))
        .keep_alive(true);
    let connections = Arc::new(Semaphore::new(limits.max_connections));
    // Refusing costs a little too: at most this many refusals at once,
    // past that an excess connection is closed without an answer.
    let refusals = Arc::new(Semaphore::new(256));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors, or the peer left: wait a
                    // moment rather than spin, then go on accepting.
                    tracing::warn!(%error, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        match connections.clone().try_acquire_owned() {
            Ok(permit) => {
                let io = hyper_util::rt::TokioIo::new(crate::head::HeadGuard::new(
                    IdleTimeout::new(stream, limits.idle_timeout),
                    limits,
                    api,
                ));
                let connection = graceful.watch(http.serve_connection(io, service.clone()));
                tokio::spawn(async move {
                    if let Err(error) = connection.await {
                        tracing::debug!(%peer, %error, "connection ended with an error");
                    }
                    drop(permit);
                });
            }
            Err(_) => {
                metrics::counter!("http_connections_refused_total").increment(1);
                if let Ok(permit) = refusals.clone().try_acquire_owned() {
                    tokio::spawn(async move {
                        refuse_connection(stream, api).await;
                        drop(permit);
                    });
                }
            }
        }
    }
    drop(listener);
    if tokio::time::timeout(limits.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            grace = ?limits.shutdown_grace,
            "requests still in flight after the shutdown grace period were cut off"
        );
    }
    Ok(())
}

/// Answers a connection over the cap with the document's 503 problem and
/// closes it, within a quarter of a second whatever the client does.
async fn refuse_connection(mut stream: TcpStream, api: &'static ApiSpec) {
    // The document's 503 problem, saying why this time.
    let mut problem = Problem::of(Some(api), Situation::Unavailable, &[]);
    problem.detail =
        "The server has as many connections open as it serves at once. Try again in a second."
            .to_string();
    let answer = raw_answer(api, &problem, "retry-after: 1\r\n");
    let _ = tokio::time::timeout(Duration::from_millis(250), async {
        stream.write_all(&answer).await?;
        stream.shutdown().await?;
        // Read what the client sent, so closing does not reset the
        // connection before it has read the answer.
        let mut sink = [0u8; 4096];
        while stream.read(&mut sink).await? > 0 {}
        io::Result::Ok(())
    })
    .await;
}

struct Guard {
    limits: Limits,
    api: &'static ApiSpec,
}

/// A backend's `Err` is answered 500 and logged with its causes
/// (`tracing::error!`); with no `tracing` subscriber installed nobody would
/// ever see it. So where the application has installed none, `serve`
/// installs a plain one: warnings and errors to stderr, or what `RUST_LOG`
/// says. An application that installs its own (before `serve`) keeps it.
fn default_logs() {
    if tracing::dispatcher::has_been_set() {
        return;
    }
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Outermost: the request ID (so refusals carry one too), then the size
/// checks, then the router. A service of its own rather than
/// `axum::middleware::from_fn`, which boxes and clones the router's
/// service stack for every request.
#[derive(Clone)]
struct Front {
    guard: Arc<Guard>,
    router: Router,
}

impl tower::Service<Request> for Front {
    type Response = Response;
    type Error = std::convert::Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        // A `Router` is always ready.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let guard = self.guard.clone();
        let router = self.router.clone();
        Box::pin(async move {
            Ok(crate::request_id::around(request, |request| async move {
                // A head `head.rs` refused, reaching here after the answers
                // to the requests before it on the connection.
                if let Some(refused) = request
                    .headers()
                    .get(crate::head::STAND_IN)
                    .and_then(|value| crate::head::stood_in_for(value.as_bytes()))
                {
                    let (status, detail) = refused.answer(&guard.limits);
                    return refusal(guard.api, status, detail);
                }
                match refuse_oversized(&guard.limits, guard.api, &request) {
                    Some(refusal) => refusal,
                    None => match tower::ServiceExt::oneshot(router, request).await {
                        Ok(response) => response,
                        Err(never) => match never {},
                    },
                }
            })
            .await)
        })
    }
}

/// The 414 / 431 / 413 problem of a request over `limits`, if it is.
fn refuse_oversized(limits: &Limits, api: &'static ApiSpec, request: &Request) -> Option<Response> {
    let target = request
        .uri()
        .path_and_query()
        .map_or(0, |p| p.as_str().len());
    if target > limits.max_uri_bytes {
        return Some(refusal(
            api,
            StatusCode::URI_TOO_LONG,
            format!(
                "The request target is {target} bytes long; this server accepts at most {}.",
                limits.max_uri_bytes
            ),
        ));
    }
    let header_bytes: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    if header_bytes > limits.max_header_bytes {
        return Some(refusal(
            api,
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            format!(
                "The request's header fields are {header_bytes} bytes; this server accepts at most {}.",
                limits.max_header_bytes
            ),
        ));
    }
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|length| length > limits.max_body_bytes as u64) {
        return Some(refusal(
            api,
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "The request body is {} bytes; this server accepts at most {}.",
                declared.unwrap_or_default(),
                limits.max_body_bytes
            ),
        ));
    }
    None
}

/// A stream that fails with `TimedOut` once no byte has moved either way
/// for `timeout`.
struct IdleTimeout<S> {
    inner: S,
    timeout: Duration,
    last_activity: Instant,
    timer: Pin<Box<tokio::time::Sleep>>,
}

impl<S> IdleTimeout<S> {
    fn new(inner: S, timeout: Duration) -> Self {
        let now = Instant::now();
        Self {
            inner,
            timeout,
            last_activity: now,
            timer: Box::pin(tokio::time::sleep_until(now + timeout)),
        }
    }

    fn touch(&mut self) {
        // Cheap: the timer is only moved when it fires (see `expired`).
        self.last_activity = Instant::now();
    }

    /// What a write did: bytes written are activity; a write that cannot
    /// go on runs the idle clock.
    fn wrote(
        &mut self,
        written: Poll<io::Result<usize>>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<usize>> {
        match written {
            Poll::Ready(Ok(n)) => {
                if n > 0 {
                    self.touch();
                }
                Poll::Ready(Ok(n))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => self.expired(cx).map(Err),
        }
    }

    /// Polled when the stream has nothing: `Ready(error)` once idle for
    /// too long, else `Pending` with the timer armed.
    fn expired(&mut self, cx: &mut Context<'_>) -> Poll<io::Error> {
        loop {
            if self.timer.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            let deadline = self.last_activity + self.timeout;
            if deadline <= Instant::now() {
                return Poll::Ready(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the connection was idle for too long",
                ));
            }
            self.timer.as_mut().reset(deadline);
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for IdleTimeout<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(result) => {
                if buf.filled().len() > before {
                    this.touch();
                }
                Poll::Ready(result)
            }
            Poll::Pending => this.expired(cx).map(Err),
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for IdleTimeout<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.wrote(written, cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.wrote(written, cx)
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
