//! Figure 4, the client, in two parts (issue 31): decoding alone — the
//! generated client's own decoding (progenitor's `from_response`) of 10 000
//! logs held in memory against `serde_json::from_slice` of the same bytes —
//! and receiving plus decoding from 127.0.0.1 against a plain reqwest client
//! that does `bytes()` then `from_slice` on the same server. Each pair is
//! measured alternately in the same rounds. (Until this split, one figure
//! compared the client's receive + decode with `from_slice` alone, so the
//! loopback transfer counted against the client.)

use std::time::{Duration, Instant};

use ev_energy_server::axum::{self, routing::get, Router};
use ev_energy_server::types;

use crate::adapter::sample_logs;
use crate::measure::{median, serve, Alternate};
use crate::report::Figure;

/// The generated client's decoding of a response holding `bytes`.
async fn client_decode(bytes: &[u8]) -> anyhow::Result<Vec<types::DispatcherLog>> {
    let response = http::Response::builder()
        .status(200)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(bytes.to_vec())?;
    let decoded = progenitor_client::ResponseValue::<Vec<types::DispatcherLog>>::from_response::<
        types::Problem,
    >(reqwest::Response::from(response))
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(decoded.into_inner())
}

pub async fn client_decoding() -> anyhow::Result<Vec<Figure>> {
    let logs = sample_logs(10_000);
    let bytes = serde_json::to_vec(&logs)?;

    // Decoding alone: the same bytes in memory; both sides start from an
    // owned copy of them (the client's response body needs one).
    let mut decoding = Alternate::<Duration>::default();
    for round in 0..33 {
        let copy = bytes.clone();
        let started = Instant::now();
        let decoded = client_decode(&copy).await?;
        let client_time = started.elapsed();
        let copy = bytes.clone();
        let started = Instant::now();
        let direct: Vec<types::DispatcherLog> = serde_json::from_slice(&copy)?;
        let direct_time = started.elapsed();
        anyhow::ensure!(decoded.len() == 10_000 && direct.len() == 10_000);
        if round >= 3 {
            decoding.a.push(client_time);
            decoding.b.push(direct_time);
        }
    }
    let (client_median, direct_median) = (median(&decoding.a), median(&decoding.b));
    let decoding_ratio = direct_median.as_secs_f64() / client_median.as_secs_f64();
    let decoding_figure = Figure {
        name: "Client: decoding 10 000 logs in process vs serde_json::from_slice".into(),
        measured: format!(
            "median {:.2} ms vs {:.2} ms ({} KiB; the generated client's own decoding of a response \
             held in memory)",
            client_median.as_secs_f64() * 1e3,
            direct_median.as_secs_f64() * 1e3,
            bytes.len() / 1024
        ),
        ratio: decoding_ratio,
        target: "≥ 0.95",
        met: decoding_ratio >= 0.95,
    };

    // Receive + decode: the same server, answering the pre-serialized
    // bytes as a shared `Bytes` (no encoding and no copy per request).
    let served = axum::body::Bytes::from(bytes.clone());
    let addr = serve(Router::new().route(
        "/dispatcher_logs",
        get(move || {
            let bytes = served.clone();
            async move {
                (
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    bytes,
                )
            }
        }),
    ))
    .await?;
    let client = ev_energy_client::Client::anonymous(&format!("http://{addr}"))?;
    let plain = reqwest::Client::new();
    let url = format!(
        "http://{addr}/dispatcher_logs?charging_sub_session_id=csub01HSH04KDEWF6Z4DB2J77J74K5"
    );
    let mut sides = Alternate::<Duration>::default();
    for round in 0..33 {
        let started = Instant::now();
        let decoded = client
            .list_dispatcher_logs()
            .charging_sub_session_id("csub01HSH04KDEWF6Z4DB2J77J74K5")
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .into_inner();
        let client_time = started.elapsed();
        let started = Instant::now();
        let received = plain.get(&url).send().await?.bytes().await?;
        let direct: Vec<types::DispatcherLog> = serde_json::from_slice(&received)?;
        let plain_time = started.elapsed();
        anyhow::ensure!(decoded.len() == 10_000 && direct.len() == 10_000);
        if round >= 3 {
            sides.a.push(client_time);
            sides.b.push(plain_time);
        }
    }
    let (client_median, plain_median) = (median(&sides.a), median(&sides.b));
    let ratio = plain_median.as_secs_f64() / client_median.as_secs_f64();
    Ok(vec![
        decoding_figure,
        Figure {
            name: "Client: receive + decode 10 000 logs vs a plain reqwest client (`bytes()` + `from_slice`)".into(),
            measured: format!(
                "median {:.1} ms vs {:.1} ms ({} KiB from 127.0.0.1, the same server)",
                client_median.as_secs_f64() * 1e3,
                plain_median.as_secs_f64() * 1e3,
                bytes.len() / 1024
            ),
            ratio,
            target: "≥ 0.95",
            met: ratio >= 0.95,
        },
    ])
}
