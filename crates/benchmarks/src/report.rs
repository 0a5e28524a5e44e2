//! `perf bench`: measures the seven figures and writes docs/benchmarks.md.

use std::path::Path;
use std::time::Duration;

use crate::{adapter, client_decoding, codegen, end_to_end, instructions, limiter, store_scaling};

/// The target of a figure shown beside others, with no target of its own.
pub const SHOWN: &str = "—";

/// One row of the report.
pub struct Figure {
    pub name: String,
    pub measured: String,
    pub ratio: f64,
    pub target: &'static str,
    pub met: bool,
}

/// `perf bench`: measures the figures `only` names (all when empty) and
/// writes the report to `out`, or, with `only`, prints them instead.
pub async fn bench(
    out: &Path,
    large_store_logs: u64,
    seconds: u64,
    only: &[u8],
) -> anyhow::Result<()> {
    let root = crate::workspace_root();
    let figures = measure(&root, large_store_logs, seconds, only).await?;
    if !only.is_empty() {
        for f in &figures {
            println!(
                "{}: {} — ratio {:.2} (target {}, met: {})",
                f.name, f.measured, f.ratio, f.target, f.met
            );
        }
        eprintln!("--only: {} not written", out.display());
        return Ok(());
    }
    let report = report(&figures);
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let out = if out.is_relative() {
        root.join(out)
    } else {
        out.to_path_buf()
    };
    std::fs::write(&out, &report)?;
    print!("{report}");
    eprintln!("wrote {}", out.display());
    Ok(())
}

/// Measures the figures `only` names (all when empty), in order.
async fn measure(
    root: &Path,
    large_store_logs: u64,
    seconds: u64,
    only: &[u8],
) -> anyhow::Result<Vec<Figure>> {
    let root = root.to_path_buf();
    let wanted = |n: u8| only.is_empty() || only.contains(&n);
    let mut figures = Vec::new();
    if wanted(1) {
        eprintln!("1/7 generated adapter vs hand-written axum handler…");
        figures.push(adapter::adapter_overhead(Duration::from_secs(seconds)).await?);
    }
    if wanted(2) {
        eprintln!("2/7 store scaling (seeding the large store once, this takes a while)…");
        figures.push(store_scaling::store_scaling(&root, large_store_logs).await?);
    }
    if wanted(3) {
        eprintln!("3/7 cargo xtask codegen --check…");
        figures.push(codegen::codegen_check(&root)?);
    }
    if wanted(4) {
        eprintln!("4/7 client decoding…");
        figures.extend(client_decoding::client_decoding().await?);
    }
    if wanted(5) {
        eprintln!("5/7 rate limiter with 30 000 live callers…");
        figures.push(limiter::limiter_scaling(&root).await?);
    }
    if wanted(6) {
        eprintln!(
            "6/7 end to end: the service vs the feature-equal and the bare hand-written servers, loaded by wrk…"
        );
        figures.extend(end_to_end::end_to_end(&root, seconds).await?);
    }
    if wanted(7) {
        eprintln!("7/7 instructions a request, under callgrind (service, feature-equal, bare)…");
        let store = end_to_end::e2e_store(&root).await?;
        figures.extend(instructions::instructions(&store)?);
    }
    Ok(figures)
}

/// The report: the table of `figures`, how each is measured, and the profiles.
fn report(figures: &[Figure]) -> String {
    let mut report = String::from(
        "# Benchmarks\n\nWritten by `cargo xtask bench` (release build). Each figure compares two things \
         measured side by side in the same run, alternating between them, so the ratio holds on a noisy \
         shared machine even where the absolute numbers do not.\n\n",
    );
    report.push_str(&format!(
        "Machine: {} cores; run at {}.\n\n| Figure | Measured | Ratio | Target | Met |\n|---|---|---|---|---|\n",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC")
    ));
    for f in figures {
        report.push_str(&format!(
            "| {} | {} | {:.2} | {} | {} |\n",
            f.name,
            f.measured,
            f.ratio,
            f.target,
            match (f.target, f.met) {
                (SHOWN, _) => "—",
                (_, true) => "yes",
                (_, false) => "**no**",
            }
        ));
    }
    report.push_str(METHODS);
    report.push_str(PROFILE);
    report
}

/// How each figure is measured, for the report.
const METHODS: &str =
    "\nReproduce: `cargo xtask bench` (seeds `target/bench/store-large.sqlite` once; later runs reuse it).\n\n\
         - **Adapter overhead**: the generated router with an in-memory implementation (20 logs) against a \
         hand-written axum handler that serializes the same 20 logs per request (the ratio), and against one \
         returning pre-serialized bytes (shown, to tell the adapter's cost from JSON encoding's), all three \
         served from this process on 127.0.0.1 by `axum::serve`, loaded by wrk (`-t1 -c32`), alternating 3 \
         rounds each.\n\
         - **Store scaling**: the same 50-log window of the same sub-session (seeding is deterministic), \
         queried through the store on the large and on the 10 000-log SQLite store, alternating.\n\
         - **Drift check**: wall time of a built `target/debug/xtask codegen --check` (all documents).\n\
         - **Client**, two figures (since 2026-12-07; one figure compared the client's receive + decode with \
         `from_slice` alone before, so the loopback transfer counted against the client). *Decoding*: the \
         generated client's own decoding (progenitor's `from_response`: the headers, `bytes()`, then \
         `serde_json::from_slice`) of a response holding 10 000 logs in memory, against `from_slice` of the \
         same bytes into the same types, alternating, each from its own copy of the bytes; ratio = \
         from_slice time / client time. *Receive + decode*: the generated client's call against a plain \
         reqwest client doing `bytes()` then `from_slice`, on the same in-process server, which answers with \
         the pre-serialized bytes as a shared `Bytes` (no encoding and no copy per request), alternating in \
         the same rounds; ratio = plain time / client time. No `serde_json::Value`, `flatten` or \
         `preserve_order` map is on this path; the one untagged enum, `charging_sub_session`, costs both \
         sides the same. Decoding each element as its chunk comes was tried and gained nothing measurable \
         (reqwest's connection task is woken on the decoding worker, so reading and decoding do not \
         overlap; decoding on a blocking thread was slower on 2 shared cores).\n\
         - **Rate limiter**: the reference service in process (its axum app called directly, no sockets), \
         one cheap request (a valid token, an invalid sub-session ID: authenticated, counted, answered 400) \
         by one caller, when the limiter counts 1 caller against when it counts 30 000 (each warmed by one \
         request of its own); median of 4 alternating rounds of 2 000 requests each.\n\
         - **End to end**: the release-built reference service (`serve --rate-limit 0`) against two \
         hand-written servers, each in a process of its own (this binary's `serve-baseline --kind`), all \
         three on the same seeded 200 000-log SQLite store: the *feature-equal* baseline \
         (`crates/benchmarks/src/feature_equal.rs`: axum with tower-http's request-ID, trace and \
         set-header layers, `metrics` with the Prometheus exporter by operation and status, hyper-util's \
         HTTP/1 server with a 10 s header-read timeout, a connection cap and graceful shutdown, the \
         service's rate limiter type, problems with `instance`, `field_errors` and the challenges, \
         `Accept` negotiated as RFC 9110 says, and the service's token policy: `exp`/`iss`/`aud` \
         required, `nbf`, 30 s leeway, at most a day from `iat` to `exp`, `crit` refused) and the \
         *bare* one (`baseline.rs`: the work alone). Both use rusqlite with a pooled connection per core, \
         jsonwebtoken HS256, the same SQL, hand-written serde model types and mimalloc; before measuring, \
         the run checks that the feature-equal baseline answers every case with the service's status, \
         headers and body (but the request ID) and the bare one with the same JSON; the feature-equal \
         one also on seven requests that are not measured (406 by media type and by `q=0`, 200 by \
         wildcard, expired, week-long and malformed tokens, a token without the scope) and, on a second \
         pair started with 2 requests an hour, the rate limiter's 200, 200 and 429 (`Retry-After` within \
         a second). Loaded by wrk \
         (Debian's package; `wrk -t1 -c32`): per case a 1 s warm-up each, then 3 alternating rounds per \
         side; ratio = service req/s / baseline req/s (median rounds). CPU per request = the process's \
         user + system time (`/proc/<pid>/stat`) over a round / requests wrk counted, median of the \
         rounds. The 401 case sends no token, the 400 case a valid token and an invalid ID. Resident \
         memory is each process's `VmRSS`, read right after the last round with nothing trimmed in \
         between.\n\
         - **Instructions a request** (the steady figure; this machine's timing noise is larger than most \
         features cost): `perf calls --side service|feature-equal|baseline --case \
         invalid|no-token|empty|plain` answers one kind of request N times in process (the whole \
         application through `tower::ServiceExt::oneshot`, no sockets: hyper and each server's \
         connection handling are counted on no side) under `valgrind --tool=callgrind`, with 200 and \
         2 200 requests (20 and 220 for the listing); the difference over the difference in requests is \
         a request's cost. The metrics clock's calibration (a `once_cell` initializer that runs for a \
         time, not a number of steps) is taken out of each run's total (`callgrind_annotate \
         --inclusive=yes`); the counts then repeat to within a few hundred instructions a run.\n";

/// Where the time goes: measured with perf, by hand, not by this run (the
/// report carries it so the figures above can be read against it).
const PROFILE: &str = "
## Where the time goes (profiles)

**Against the feature-equal baseline, 2026-12-07** (issue 31; callgrind through `perf calls` unless \
said). Start of the round, instructions a request, service / feature-equal / bare: 400 path 89.4k / \
76.4k / 60.2k, 401 30.1k / 26.1k / 13.2k, empty window 118.3k / 98.6k / 87.5k, plain listing 3 232k / \
2 929k / 2 934k. What was cut, in order: the generated types write date-times digit by digit (chrono \
wrote each through `fmt` a piece at a time, each piece escaped on its own: ~2 000 instructions a \
date-time, 441 in the plain listing; 3 232k → 2 556k); the API's routes are registered under the \
base path in one router (`router_at`, merged) instead of a nested router whose prefix strip rebuilt \
every URI (~4k on every path); the runtime's problems are written with their `instance`, so the \
request-ID stamp no longer reads them back; header names of declared headers and header parameters \
are made once, rate-limit figures written as numbers, plain challenges static, query values \
borrowed, an empty request body not collected; the reference service's token check reads only the \
claims it uses (its untagged `aud` was buffered and tried both ways). On the wire, the head guard \
zeroed its 8 KiB inbox before every read (24k instructions a request under callgrind, `rep stosb`); \
it is zeroed once now. End of the round: see the table.

Where the rest goes (service over feature-equal, exclusive instructions a request, 400 and empty \
paths): parameters go through a JSON value, the compiled schema and serde — the pattern of \
`charging_sub_session_id` is checked twice (by the schema's regex and by the generated type's), the \
date-time parsed twice (by the format check and by serde, chrono's generic parser), `parse` and \
`RawRequest::read` ~2k, the query's owned pairs; the declared refusal (the document's problem type \
round trip and its headers) ~2–3k; the token check ~1.4k over jsonwebtoken's own; the span, metrics \
and the request ID ~1k. The next step is a typed parameter path that validates each value once, \
in the generated type, with no JSON value in between. Over the wire the service also runs the head \
guard (each head read before hyper, for the 414/431/400 problems on every head of a connection) and \
an idle timeout, which the feature-equal server does not have; those are in the throughput and CPU \
figures but not in the instruction counts.

**Second round, 2026-12-08** (issue 31). The feature-equal baseline now refuses what the service \
refuses (the token policy and `Accept` above; it accepted week-long tokens and never answered 406): \
+0.4k on its 400 path. On the service: the query is split once and a name or value without `+` or \
`%` is a span of the query as received (`form_urlencoded::decode` cost ~640 instructions a part); \
date-time parameters are read by chrono's RFC 3339 parser (its general parser, which its \
`Deserialize` runs, only for what that refuses); declared headers are written straight into the \
response; a parameter's default is checked against its schema once, when compiled. The head guard \
reads a head a line at a time instead of a byte at a time and keeps its buffer between requests \
(over the wire, 401 path: 13.1 µs of CPU a request against the feature-equal server's 13.2, from \
15.0 against 13.5). Instructions a request, service, before → after: 400 83.4k → 81.8k, 401 24.4k \
→ 23.7k, empty window 111.0k → 106.6k.

What is left on the 400 and empty-window paths (exclusive instructions a request over the \
feature-equal server): the parameters' JSON value, compiled schema and serde pipeline (`parse`, \
`read`, the pattern checked by the schema's regex and again by the generated type's, `jsonschema`'s \
message formatting on the 400) ~3–4k; the declared refusal's typed round trip (`to_body` 1.5k, \
then serializing the document's problem type 3.3k where the hand-written server serializes its own \
struct once, ~2.1k) and `Context::finish`/`write_headers` ~1.5k over `tower-http`'s set-header \
layers; the operation's layers moving larger futures (`memcpy` +1.5k). The typed parameter path \
(each value validated once, in the generated type, no JSON value) remains the next step.

Measured by hand on this machine (2026-12-01) with Debian's `perf`: `perf record -F 499 --call-graph \
dwarf -e cpu-clock -p <service pid>` on the release service (`serve --rate-limit 0`, `RUST_LOG=warn`) \
while `wrk -t1 -c32` loads one request; shares are of the service's samples. Hardware counters are not \
available on this VM.

**Plain listing, before the store change** (sqlx `Any` driver on SQLite; end to end 0.25 of the \
baseline): 48 % of samples in the kernel, a third of all of them futex wait/wake and task switches. \
User space was led by `flume::Sender::send` / `SyncSignal::fire` and glibc's lock wake/wait: sqlx-sqlite's \
worker thread hands every row to the async task over a channel, about 147 cross-thread wake-ups per \
request. Then malloc/free ~10 %, SQLite itself (`sqlite3VdbeExec`) 2.5 %, sqlx's `Any` row and column \
conversions ~2.5 %, JSON encoding (`format_escaped_str_contents`, chrono's ISO 8601) ~3.5 %, tracing ~1 %. \
Token verification and parameter validation were below 0.3 % each.

So the cost was sqlx's SQLite driver itself (the per-row thread hop, which its native SQLite driver \
shares with `Any`), not the `Any` layer alone. The store now has one query layer (each statement's SQL \
and row mapping written once) over rusqlite for SQLite (an r2d2 pool; one `spawn_blocking` per store \
call, so a whole listing, sub-session and logs, is one hop; cached prepared statements) and sqlx's native \
driver for PostgreSQL. That took the plain listing from 0.25 to 0.87 and the expanded one from 0.37 to \
0.82 with glibc's malloc on both sides, and to the figures above with mimalloc on both sides.

**Invalid ID → 400 and no token → 401, 2026-12-02** (no store access on either path; `perf record -F 499 \
--call-graph dwarf -e cpu-clock`, 4 s under `wrk -t1 -c32`, shares inclusive of callees; taken with the metric, middleware and request-ID \
changes below in, before the typed round trip was replaced). 400: kernel \
(TCP on loopback, scheduling) 39 %, libc 5 %, the service 55 %; of all samples the generated operation \
(`routes::answer`) 29 %: the token 13.5 % (jsonwebtoken's decode: base64, two JSON parses, a new \
HMAC verifier per call — the baseline pays the same), the refusal (`gate::refuse`) 7.7 % of which the \
typed problem round trip 5.1 % (`Problem::to_body` 3.8 %), parameter parsing and validation 3.2 %, the \
invalid-parameters texts 1.4 %, the request-ID stamp 1.7 %, metrics and span 1.0 %, the common \
headers 0.9 %; hyper's parse and write and serve's read guards (`HeadGuard`, `IdleTimeout`) \
~12 %; allocation (mimalloc) ~9 % in all. 401: the operation 17.6 %: the refusal 7.7 % (typed round \
trip 3.3 %), parameter parsing 6.1 % (the parameters are parsed before the checks, so a request refused \
for its credentials pays for them; the baseline checks the token first), challenges 1.6 %, \
stamp 2.5 %, metrics 1.3 %.

What changed on these paths (issue 22): the four metric registry lookups a request are now handles \
resolved once per recorder, operation and status and kept per worker thread (`observe.rs`; a \
`with_local_recorder` in a test gets its own, a unit test checks it); the request ID is handled in the \
route's handler, one lookup under `serve`, instead of a second middleware pass through \
`Router::layer`, and the service's `TraceLayer` covers only its own pages (the API's requests have \
the runtime's spans), so a request passes one middleware; a new request ID is written on the stack \
(one allocation); the adapter's problem is read into the document's problem type member by member \
(`problem_de.rs`) instead of being written as JSON and parsed back. Memory: the Prometheus recorder \
keeps every recorded latency until a scrape or an upkeep drains it, and `install_recorder` runs no \
upkeep: ~8 bytes a request, without bound; the service now drains it every 5 s.

**Second round, 2026-12-02 (16:00–17:10 UTC).** Release builds now use fat LTO and one codegen unit \
(`[profile.release]` of the workspace; both sides are built by it). Measured side by side by hand \
(`wrk -t1 -c32`, 3 s rounds, process CPU from `/proc`), the same code with and without it: 400 path \
25 → 17–19 µs a request for the service and 14 → 12–13 µs for the baseline; the ratio went from about \
0.68 to 0.78, because the service's deeper stack of generic layers gains more from inlining across \
crates. Then, on the refusal paths: the parameters are parsed only once the request is authenticated \
and within its rate limit (the version header alone is read first, since every answer reports the \
version; a refused request no longer pays for parsing and the pattern check), `serve`'s outer \
middleware is a `tower::Service` of its own instead of `axum::middleware::from_fn` (which boxed \
`Next` and cloned the router's boxed service per request), and the request's URI is kept for \
error bodies by reference count instead of copying its path. Same A/B method, alternating builds: \
service 400 path 18.9 → 16.0 µs, 401 path 14.1 → 11.9 µs. Two earlier full runs of this build gave +5.7 / +3.7 µs \
and +4.5 / +5.0 µs (400 / 401) over the baseline, besides the table's: the CPU target sits at the \
edge of this machine's noise. What the service still adds on the 400 path, from a profile of this build \
(`perf record -F 999 -e cpu-clock`, 5 s): the kernel 7.0 vs 6.6 µs (its answer is 622 bytes against \
235: request ID, version, rate-limit, `nosniff`, `Cache-Control` and `Vary` headers, and `instance`), \
user space 8.2 vs 5.2 µs, spread thin: hyper's per-request header-read timer (re-armed for every head; \
the baseline's `axum::serve` sets none) ~0.3 µs, the request ID (a ULID, its span, the stamp that \
reads the problem back to add `instance`) ~0.5 µs, the typed problem and its headers ~0.6 µs, metrics \
~0.2 µs, the nested router's prefix strip and second routing level (`Router::nest` rewrites the URI \
with `format!`) ~0.3 µs, allocation throughout. None of these is large enough alone to reach 0.9 of \
the baseline's throughput; what would is dropping features (the header-read timeout, the request ID, \
the declared headers), which the issue rules out. The empty window (0 logs) spends more CPU a request \
than the baseline. Its profile (2026-12-02 morning, 13 000 req/s) is the blocking pool's hand-off, not \
the adapter: 68 % of samples on the blocking threads, a third of all in futex wait/wake and 26 % in \
task switches; the operation's own code (`routes::answer` less the store call) ~10 %. The baseline \
makes the same hop per request but takes its connection from a `Mutex<Vec>` and opens one per \
concurrent request, where the service waits on a semaphore of two permits and r2d2's pool of two: \
that, not the adapter, is what to look at next for this row. The plain listing moves between 0.66 and \
0.85 from run to run on this machine (0.80 in a second run of this build).

**Instructions a request, feature by feature (callgrind, 2026-12-02).** Times on this shared VM move \
by ±3 µs between rounds, more than most single features cost, so the features were counted in \
instructions instead, which are repeatable: `perf calls --side service|baseline --case \
invalid|no-token|empty --count N --database target/bench/store-e2e.sqlite` answers one request N \
times in process (the whole application through `tower::ServiceExt::oneshot`: no sockets, so neither \
hyper nor `serve`'s guards are counted) under `valgrind --tool=callgrind`; runs of 200 and 1 200 \
requests, the difference divided by 1 000. Whole request, service vs baseline: 400 path 86.4k vs \
60.1k instructions, 401 path 30.2k vs 13.2k, empty window 116.8k vs 87.3k (the service's figures \
carry about ±3k of noise from the metrics clock's start-up calibration, which runs for a fixed time). \
Inclusive, per request, on the 400 path: the token 43.6k (both sides), the refusal (`declared`: the \
document's problem type, its texts and headers) 11.1k of which the typed problem 4.3k and the \
invalid-parameters texts 1.4k, parameter parsing and validation with the query's decoding 7.5k, the \
request-ID stamp 2.4k and the ID itself 0.5k, the request's other parts 0.4k and its (empty) body 1.0k, the credentials' \
lookup 1.1k, metrics and span 1.1k, the version header read alone 0.7k, the problem's texts 0.7k; \
the rest is axum's routing, the nested router's prefix strip and moving futures. On the 401 path: the \
refusal 6.1k (typed problem 2.0k, challenges 1.4k), the stamp 3.1k, the request's parts 0.4k, the \
gate's checks 3.0k, the body 1.0k, metrics 1.1k, the version header 0.6k. Two of these were cut with \
this count: the stamp parsed the `X-Request-Id` name on every answer and searched the body for \
`\"instance\":` eleven bytes at a time (4.2k → 2.4–3.1k); the query was decoded into owned pairs \
for every request, also those refused before their parameters are read (it is now decoded on first \
use: the 401 path's request parts 2.7k → 0.4k).
";
