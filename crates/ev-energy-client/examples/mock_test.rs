//! Tests code that uses the client without a running service: the `mock`
//! feature's typed helpers answer exactly what the document declares, and
//! match exactly what the client sends.
//!
//! ```sh
//! cargo run -p ev-energy-client --features mock --example mock_test
//! ```

use ev_energy_client::chrono::{TimeZone, Utc};
use ev_energy_client::httpmock::MockServer;
use ev_energy_client::mock::MockServerExt;
use ev_energy_client::{types, ApiError, Client, StatusCode};

/// The code under test: how many logs of a sub-session were not sent.
async fn unsent(client: &Client, sub_session: &str) -> Result<usize, ApiError> {
    let logs = client
        .list_dispatcher_logs()
        .charging_sub_session_id(sub_session)
        .logged_at_gte(Utc.with_ymd_and_hms(2024, 4, 1, 4, 0, 0).unwrap())
        .send()
        .await?
        .into_inner();
    Ok(logs.iter().filter(|l| l.reason_not_sent.is_some()).count())
}

#[tokio::main]
async fn main() {
    let server = MockServer::start_async().await;
    let client = Client::builder()
        .base_url(server.base_url())
        .bearer_token("test")
        .build()
        .expect("a client for the mock server");
    let id: types::ChargingSubSessionId = "csub01HSH04KDEWF6Z4DB2J77J74K5".parse().unwrap();
    let since = Utc.with_ymd_and_hms(2024, 4, 1, 4, 0, 0).unwrap();

    let mut listing = server.list_dispatcher_logs(|when, then| {
        when.charging_sub_session_id(&id).logged_at_gte(&since);
        then.ok(&vec![]);
    });
    assert_eq!(unsent(&client, id.as_str()).await.unwrap(), 0);
    listing.assert();
    listing.delete();

    let other: types::ChargingSubSessionId = "csub01HSH04KDEWF6Z4DB2J77J74K6".parse().unwrap();
    server.list_dispatcher_logs(|when, then| {
        when.charging_sub_session_id(&other);
        let problem = types::Problem::builder()
            .status(403)
            .title("Forbidden")
            .detail("You do not have permission to perform this action.")
            .try_into()
            .expect("a problem with its required fields");
        then.forbidden(&problem);
    });
    match unsent(&client, other.as_str()).await {
        Err(ApiError::Problem { status, .. }) => assert_eq!(status, StatusCode::FORBIDDEN),
        other => panic!("expected a typed 403, got {other:?}"),
    }
    println!("the code under test handles a listing and a 403");
}
