//! How a client team tests its own code against the generated mock server
//! (feature `mock`), without a real service.

use ev_energy_client::mock::MockServerExt;
use ev_energy_client::types::{self, ChargingSubSessionOrUrl, DeviceType};
use ev_energy_client::{ApiError, Client};

/// The code under test: counts the commands that were not sent.
async fn unsent_commands(client: &Client, sub_session: &str) -> Result<usize, ApiError> {
    let logs = client
        .list_dispatcher_logs()
        .charging_sub_session_id(sub_session)
        .send()
        .await?
        .into_inner();
    Ok(logs.iter().filter(|l| l.reason_not_sent.is_some()).count())
}

fn log(reason: Option<&str>) -> types::DispatcherLog {
    types::DispatcherLog {
        logged_at: "2024-04-17T09:39:45Z".parse().unwrap(),
        charging_sub_session: ChargingSubSessionOrUrl::ResourceUrl(
            "https://api.ev.energy/v2/charging_sub_sessions/csub01HSH04KDEWF6Z4DB2J77J74K5"
                .to_string()
                .into(),
        ),
        schedule_valid_period_start: "2024-04-17T09:30:00Z".parse().unwrap(),
        schedule_created_at: "2024-04-17T09:29:00Z".parse().unwrap(),
        internal_command_id: "12345678-1234-5678-1234-567812345678".parse().unwrap(),
        device_type: DeviceType::Vehicle,
        reason_not_sent: reason.map(str::to_string),
    }
}

#[tokio::test]
async fn code_using_the_client_is_tested_against_the_mock() {
    let server = httpmock::MockServer::start_async().await;
    let id: types::ChargingSubSessionId = "csub01HSH04KDEWF6Z4DB2J77J74K5".parse().unwrap();
    let mock = server.list_dispatcher_logs(|when, then| {
        when.charging_sub_session_id(&id);
        then.ok(&vec![
            log(None),
            log(Some("Charger offline")),
            log(Some("Vehicle asleep")),
        ]);
    });
    let client = Client::builder()
        .base_url(server.base_url())
        .bearer_token("test")
        .build()
        .unwrap();
    assert_eq!(unsent_commands(&client, id.as_str()).await.unwrap(), 2);
    mock.assert();
}

#[tokio::test]
async fn problems_from_the_mock_are_typed() {
    let server = httpmock::MockServer::start_async().await;
    server.list_dispatcher_logs(|_, then| {
        then.forbidden(&types::Problem {
            type_: None,
            status: 403,
            title: "Forbidden".into(),
            detail: "You do not have permission to perform this action.".into(),
            instance: None,
            notification: None,
            field_errors: Default::default(),
        });
    });
    let client = Client::builder()
        .base_url(server.base_url())
        .build()
        .unwrap();
    let error = unsent_commands(&client, "csub01HSH04KDEWF6Z4DB2J77J74K5")
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(403));
}
