//! Every request gets a span from the generated adapter, with what an
//! operator needs: the operation, the route template (not the raw path),
//! the method, the status, the latency and the caller's client.

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use common::*;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::Layer;

type Fields = BTreeMap<String, String>;

/// Collects the fields of every `operation` span.
#[derive(Clone, Default)]
struct Spans(Arc<Mutex<BTreeMap<u64, Fields>>>);

struct Collect<'a>(&'a mut Fields);

impl Visit for Collect<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(
            field.name().to_string(),
            format!("{value:?}").trim_matches('"').to_string(),
        );
    }
}

impl<S: tracing::Subscriber> Layer<S> for Spans {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, _: Context<'_, S>) {
        if attrs.metadata().name() == "operation" {
            let mut fields = Fields::new();
            attrs.record(&mut Collect(&mut fields));
            self.0.lock().unwrap().insert(id.into_u64(), fields);
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _: Context<'_, S>) {
        if let Some(fields) = self.0.lock().unwrap().get_mut(&id.into_u64()) {
            values.record(&mut Collect(fields));
        }
    }
}

#[tokio::test]
async fn each_request_has_an_operation_span() {
    let spans = Spans::default();
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(spans.clone()));
    let base = serve(1000).await;
    let ok = reqwest::Client::new()
        .get(format!(
            "{base}/dispatcher_logs?charging_sub_session_id={SUB_SESSION}"
        ))
        .bearer_auth(GOOD_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let unauthenticated = reqwest::Client::new()
        .get(format!("{base}/dispatcher_logs"))
        .send()
        .await
        .unwrap();
    assert_eq!(unauthenticated.status(), 401);

    let spans: Vec<Fields> = spans.0.lock().unwrap().values().cloned().collect();
    assert_eq!(spans.len(), 2, "{spans:#?}");
    for (span, status) in spans.iter().zip(["200", "401"]) {
        assert_eq!(span["operation_id"], "list_dispatcher_logs");
        assert_eq!(span["http.method"], "GET");
        assert_eq!(
            span["http.route"], "/dispatcher_logs",
            "the template, not the raw path"
        );
        assert_eq!(span["http.status"], status);
        assert!(span["latency_ms"].parse::<f64>().unwrap() >= 0.0);
    }
    assert_eq!(spans[0]["client_id"], "test-client");
    assert!(!spans[1].contains_key("client_id"), "no caller identified");
}
