// Multipart bodies: the client encodes the parts, the server checks the
// fields against the schema and hands the backend every part.

use multipart_body_server::*;
use multipart_body_client::{multipart_body, MultipartPart};

include!("common.rs");

#[derive(Default)]
struct Backend(Received<runtime::Multipart>);

impl Api for Backend {
    async fn upload_photos(&self, request: UploadPhotosRequest) -> runtime::Result<UploadPhotosResponse> {
        assert_eq!(request.id, "p1");
        self.0.push(request.body);
        Ok(UploadPhotosResponse::no_content())
    }
}

#[tokio::test(crate = "tokio")]
async fn parts_go_round() {
    let backend = Arc::new(Backend::default());
    let base = serve(backend.clone()).await;
    let client = multipart_body_client::Client::new(&base, Default::default());
    let parts = vec![
        MultipartPart::text("caption", "Rex, asleep"),
        MultipartPart::text("rating", "5"),
        MultipartPart::text("tags", "dog"),
        MultipartPart::text("tags", "sleepy"),
        MultipartPart::file("photo", "rex.jpg", "image/jpeg", vec![0xff, 0xd8, b'\r', b'\n', b'-', b'-']),
        MultipartPart::file("extra", "a.png", "image/png", vec![1, 2, 3]),
    ];
    client
        .upload_photos()
        .id("p1")
        .body(multipart_body(&parts).unwrap())
        .send()
        .await
        .unwrap();
    let received = backend.0.all().pop().unwrap();
    assert_eq!(received.text("caption"), Some("Rex, asleep"));
    let tags: Vec<&str> = received
        .parts_named("tags")
        .map(|p| std::str::from_utf8(&p.bytes).unwrap())
        .collect();
    assert_eq!(tags, vec!["dog", "sleepy"]);
    let photo = received.part("photo").unwrap();
    assert_eq!(photo.filename.as_deref(), Some("rex.jpg"));
    assert_eq!(photo.content_type.as_deref(), Some("image/jpeg"));
    assert_eq!(&photo.bytes[..], &[0xff, 0xd8, b'\r', b'\n', b'-', b'-']);
    assert_eq!(received.parts.len(), 6);

    let url = format!("{base}/pets/p1/photos");
    let ct = "multipart/form-data; boundary=b";
    let (status, problem) = raw(
        "POST",
        &url,
        ct,
        b"--b\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\nx\r\n--b\r\nContent-Disposition: form-data; name=\"rating\"\r\n\r\nnine\r\n--b--\r\n",
    )
    .await;
    assert_eq!(status, 400, "{problem}");
    let reasons = problem["field_errors"]["body"].to_string();
    assert!(reasons.contains("/rating: Must be an integer"), "{reasons}");
    let (status, problem) = raw(
        "POST",
        &url,
        ct,
        b"--b\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\nx\r\n--b--\r\n",
    )
    .await;
    assert_eq!(status, 400, "the photo is required: {problem}");
    assert!(problem["field_errors"]["body"].to_string().contains("photo"), "{problem}");
    let (status, _) = raw("POST", &url, "multipart/form-data", b"--b--").await;
    assert_eq!(status, 400, "no boundary");
    let (status, _) = raw("POST", &url, "application/json", b"{}").await;
    assert_eq!(status, 415);
}
