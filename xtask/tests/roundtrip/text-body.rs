// Text bodies are strings, checked against their schema.


use text_body_server::*;

include!("common.rs");

#[derive(Default)]
struct Backend(Received<Option<String>>);

impl Api for Backend {
    async fn post_note(&self, request: PostNoteRequest) -> runtime::Result<PostNoteResponse> {
        self.0.push(Some(request.body));
        Ok(PostNoteResponse::no_content())
    }

    async fn import_csv(&self, request: ImportCsvRequest) -> runtime::Result<ImportCsvResponse> {
        self.0.push(request.body);
        Ok(ImportCsvResponse::no_content())
    }
}

#[tokio::test(crate = "tokio")]
async fn text_goes_round_as_strings() {
    let backend = Arc::new(Backend::default());
    let base = serve(backend.clone()).await;
    let client = text_body_client::Client::new(&base, Default::default());
    client.post_note().body("héllo").send().await.unwrap();
    client.import_csv().body("a,b\n1,2\n").send().await.unwrap();
    assert_eq!(
        backend.0.all(),
        vec![Some("héllo".to_string()), Some("a,b\n1,2\n".to_string())]
    );
    let long: &'static [u8] = Box::leak(vec![b'x'; 141].into_boxed_slice());
    let (status, problem) = raw("POST", &format!("{base}/notes"), "text/plain", long).await;
    assert_eq!(status, 400, "{problem}");
    let (status, _) = raw("POST", &format!("{base}/notes"), "text/plain", b"\xff").await;
    assert_eq!(status, 400, "not UTF-8");
    let (status, _) = raw("POST", &format!("{base}/imports"), "text/plain", b"a").await;
    assert_eq!(status, 415, "text/csv only");
}
