// Bodies the server does not parse reach the backend as bytes with their
// Content-Type, as the generated client sends them.


use binary_body_server::*;

include!("common.rs");

#[derive(Default)]
struct Backend(Received<runtime::Binary>);

impl Api for Backend {
    async fn upload_cover(&self, request: UploadCoverRequest) -> runtime::Result<UploadCoverResponse> {
        assert_eq!(request.id, "p1");
        self.0.push(request.body);
        Ok(UploadCoverResponse::accepted())
    }

    async fn upload_file(&self, request: UploadFileRequest) -> runtime::Result<UploadFileResponse> {
        self.0.push(request.body);
        Ok(UploadFileResponse::no_content())
    }

    async fn post_order_xml(&self, request: PostOrderXmlRequest) -> runtime::Result<PostOrderXmlResponse> {
        self.0.extend_from(request.body);
        Ok(PostOrderXmlResponse::no_content())
    }

    async fn post_events_msgpack(
        &self,
        request: PostEventsMsgpackRequest,
    ) -> runtime::Result<PostEventsMsgpackResponse> {
        self.0.push(request.body);
        Ok(PostEventsMsgpackResponse::no_content())
    }
}

impl<T: Clone> Received<T> {
    fn extend_from(&self, value: Option<T>) {
        self.0.lock().unwrap().extend(value);
    }
}

#[tokio::test(crate = "tokio")]
async fn bytes_go_round_with_their_content_type() {
    let backend = Arc::new(Backend::default());
    let base = serve(backend.clone()).await;
    let client = binary_body_client::Client::new(&base, Default::default());
    client.upload_cover().id("p1").body(b"/9j/2wCE".to_vec()).send().await.unwrap();
    client.upload_file().body(vec![0u8, 1, 2, 255]).send().await.unwrap();
    client.post_order_xml().body("<order><id>1</id></order>").send().await.unwrap();
    client.post_events_msgpack().body(vec![0x81, 0xa1, 0x61, 0x01]).send().await.unwrap();
    let received: Vec<(String, Vec<u8>)> = backend
        .0
        .all()
        .into_iter()
        .map(|b| (b.content_type, b.bytes.to_vec()))
        .collect();
    assert_eq!(
        received,
        vec![
            ("image/jpeg".to_string(), b"/9j/2wCE".to_vec()),
            ("application/octet-stream".to_string(), vec![0, 1, 2, 255]),
            ("application/xml".to_string(), b"<order><id>1</id></order>".to_vec()),
            ("application/msgpack".to_string(), vec![0x81, 0xa1, 0x61, 0x01]),
        ]
    );
    let (status, problem) = raw("PUT", &format!("{base}/playlists/p1/images"), "image/png", b"x").await;
    assert_eq!(status, 415, "{problem}");
    let (status, problem) = raw("POST", &format!("{base}/events"), "", b"").await;
    assert_eq!(status, 400, "a required body: {problem}");
    let (status, _) = raw("POST", &format!("{base}/events"), "application/msgpack", b"").await;
    assert_eq!(status, 204, "an empty body that says what it is, is one");
    let (status, _) = raw("POST", &format!("{base}/orders"), "", b"").await;
    assert_eq!(status, 204, "an optional body may be left out");
    assert_eq!(backend.0.all().len(), 5);
}
