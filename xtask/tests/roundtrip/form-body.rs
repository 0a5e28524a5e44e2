// The generated client sends forms (optional fields, PascalCase names,
// integers, an untyped field, an array) that the generated server reads into
// the same type; a bad value is a 400 naming the field, JSON is a 415.


use form_body_server::*;

include!("common.rs");

#[derive(Default)]
struct Backend {
    documents: Received<(String, Option<types::CreateDocumentRequest>)>,
    permissions: Received<types::Permission>,
}

impl Api for Backend {
    async fn create_document(
        &self,
        request: CreateDocumentRequest,
    ) -> runtime::Result<CreateDocumentResponse> {
        let CreateDocumentRequest { service_sid, body } = request;
        self.documents.push((service_sid, body));
        Ok(CreateDocumentResponse::created(types::CreateDocumentResponse {
            sid: Some("ET1".to_string()),
        }))
    }

    async fn update_document_permission(
        &self,
        request: UpdateDocumentPermissionRequest,
    ) -> runtime::Result<UpdateDocumentPermissionResponse> {
        self.permissions.push(request.body);
        Ok(UpdateDocumentPermissionResponse::no_content())
    }
}

#[tokio::test(crate = "tokio")]
async fn forms_go_round_and_bad_ones_are_refused() {
    let backend = Arc::new(Backend::default());
    let base = serve(backend.clone()).await;
    let client = form_body_client::Client::new(&base, Default::default());
    let full = types::CreateDocumentRequest {
        data: Some(serde_json::Value::String("{\"a\": [1, 2]}".to_string())),
        tags: vec!["x y".to_string(), "ä&=".to_string()],
        ttl: Some(3600),
        unique_name: Some("doc one".parse().unwrap()),
    };
    let sparse = types::CreateDocumentRequest {
        data: None,
        tags: Vec::new(),
        ttl: None,
        unique_name: None,
    };
    for sent in [full, sparse] {
        let created = client
            .create_document()
            .service_sid("IS1")
            .body(sent.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(created.status().as_u16(), 201);
        assert_eq!(created.into_inner().sid.as_deref(), Some("ET1"));
        assert_eq!(backend.documents.all().pop(), Some(("IS1".to_string(), Some(sent))));
    }
    let permission = types::Permission { manage: true, read: true, write: false };
    client
        .update_document_permission()
        .service_sid("IS1")
        .sid("ET1")
        .identity("ada")
        .body(permission.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(backend.permissions.all(), vec![permission]);

    let url = format!("{base}/Services/IS1/Documents");
    let form = "application/x-www-form-urlencoded";
    let (status, problem) = raw("POST", &url, form, b"Ttl=soon&UniqueName=a").await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(
        problem["field_errors"]["body"][0],
        "/Ttl: Must be an integer. Got \"soon\"."
    );
    let (status, problem) = raw("POST", &url, form, b"Ttl=-1").await;
    assert_eq!(status, 400, "{problem}");
    assert!(problem["field_errors"]["body"][0].as_str().unwrap().starts_with("/Ttl: "), "{problem}");
    let (status, problem) = raw("POST", &url, "application/json", b"{\"Ttl\": 1}").await;
    assert_eq!(status, 415, "{problem}");
    assert_eq!(
        problem["detail"],
        "This operation does not read a body of Content-Type \"application/json\"; send application/x-www-form-urlencoded."
    );
    let permissions = format!("{base}/Services/IS1/Documents/ET1/Permissions/ada");
    let (status, problem) = raw("POST", &permissions, form, b"Read=true&Write=false").await;
    assert_eq!(status, 400, "a required field is missing: {problem}");
    let (status, _) = raw("POST", &permissions, form, b"Read=true&Write=false&Manage=false").await;
    assert_eq!(status, 204);
}
