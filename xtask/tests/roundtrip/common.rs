// Shared by the body round trips (included into each): serve a backend on
// 127.0.0.1, and send raw requests the generated client would not send.

use std::sync::{Arc, Mutex};

use runtime::reexports::{axum, tokio};

/// Serves `api` on a free port; its base URL.
#[allow(dead_code)]
async fn serve<A: Api>(api: Arc<A>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = router(api);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

/// Sends `body` with `content_type` (none when empty) to `url`: the status and the body as JSON
/// (null when it is none).
#[allow(dead_code)]
async fn raw(method: &str, url: &str, content_type: &str, body: &'static [u8]) -> (u16, serde_json::Value) {
    let mut request = reqwest::Client::new().request(method.parse().unwrap(), url);
    if !content_type.is_empty() {
        request = request.header("content-type", content_type);
    }
    let response = request.body(body).send().await.unwrap();
    let status = response.status().as_u16();
    let bytes = response.bytes().await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null))
}

/// What the backend received, in order.
#[allow(dead_code)]
struct Received<T>(Mutex<Vec<T>>);

impl<T> Default for Received<T> {
    fn default() -> Self {
        Self(Mutex::new(Vec::new()))
    }
}

#[allow(dead_code)]
impl<T: Clone> Received<T> {
    fn push(&self, value: T) {
        self.0.lock().unwrap().push(value);
    }

    fn all(&self) -> Vec<T> {
        self.0.lock().unwrap().clone()
    }
}
