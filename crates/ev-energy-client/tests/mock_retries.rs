//! The README's advice for client teams testing their error handling with
//! the typed mock: retries are on by default. Needs the `mock` feature.

/// The README's advice for testing error handling with the mock: the
/// client retries a 503, so the mock sees 3 requests unless retries are off.
#[tokio::test]
async fn a_mocked_503_is_retried_unless_retries_are_off() {
    use ev_energy_client::mock::MockServerExt;
    use ev_energy_client::{ApiError, Client, RetryPolicy};
    let server = httpmock::MockServer::start_async().await;
    let problem = ev_energy_client::types::Problem::builder()
        .status(503)
        .title("Service Unavailable")
        .detail("down")
        .try_into()
        .unwrap();
    let mock = server.list_dispatcher_logs(|_, then| {
        then.service_unavailable(&problem);
    });
    let client = Client::builder()
        .base_url(server.base_url())
        .build()
        .unwrap();
    let call = |client: Client| async move {
        client
            .list_dispatcher_logs()
            .charging_sub_session_id("csub01HSH04KDEWF6Z4DB2J77J74K5")
            .send()
            .await
            .map_err(ApiError::from)
    };
    let error = call(client.clone()).await.unwrap_err();
    assert!(
        matches!(error, ApiError::Problem { attempts: 3, .. }),
        "{error:?}"
    );
    mock.assert_calls(3);
    let error = call(client.with_retry(RetryPolicy::none()))
        .await
        .unwrap_err();
    assert!(
        matches!(error, ApiError::Problem { attempts: 1, .. }),
        "{error:?}"
    );
    mock.assert_calls(4);
}
