//! Figure 4: the generated client receiving and decoding 10 000 logs
//! against `serde_json::from_slice` of the same bytes. The transfer alone
//! (reqwest's `bytes()`, no decoding) is measured alongside, to tell what
//! receiving over 127.0.0.1 costs from what decoding does.

use std::time::{Duration, Instant};

use ev_energy_server::axum::{self, routing::get, Router};
use ev_energy_server::types;

use crate::adapter::sample_logs;
use crate::measure::{median, serve, Alternate};
use crate::report::Figure;

pub async fn client_decoding() -> anyhow::Result<Figure> {
    let logs = sample_logs(10_000);
    let bytes = serde_json::to_vec(&logs)?;
    // Served as they are: a `Bytes` clone shares the buffer, so the
    // server's side costs no copy (nor encoding) per request.
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
    let transfer = reqwest::Client::new();
    let url = format!(
        "http://{addr}/dispatcher_logs?charging_sub_session_id=csub01HSH04KDEWF6Z4DB2J77J74K5"
    );
    let mut sides = Alternate::<Duration>::default();
    let mut transfers = Vec::new();
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
        let received = transfer.get(&url).send().await?.bytes().await?;
        let transfer_time = started.elapsed();
        anyhow::ensure!(received == bytes, "the transfer received other bytes");
        let started = Instant::now();
        let direct: Vec<types::DispatcherLog> = serde_json::from_slice(&bytes)?;
        let direct_time = started.elapsed();
        anyhow::ensure!(decoded.len() == 10_000 && direct.len() == 10_000);
        if round >= 3 {
            sides.a.push(client_time);
            sides.b.push(direct_time);
            transfers.push(transfer_time);
        }
    }
    let (client_median, direct_median) = (median(&sides.a), median(&sides.b));
    let ratio = direct_median.as_secs_f64() / client_median.as_secs_f64();
    Ok(Figure {
        name: "Client: receive + decode 10 000 logs vs serde_json::from_slice",
        measured: format!(
            "median {:.1} ms vs {:.1} ms ({} KiB); the transfer alone (reqwest `bytes()`, no decoding) {:.1} ms",
            client_median.as_secs_f64() * 1e3,
            direct_median.as_secs_f64() * 1e3,
            bytes.len() / 1024,
            median(&transfers).as_secs_f64() * 1e3
        ),
        ratio,
        target: "≥ 0.90",
        met: ratio >= 0.9,
    })
}
