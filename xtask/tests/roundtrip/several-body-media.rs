// An operation with several request media types: the client offers each,
// the server reads each by Content-Type.


use several_body_media_server::*;

include!("common.rs");

#[derive(Default)]
struct Backend {
    pets: Received<types::Pet>,
    bytes: Received<runtime::Binary>,
}

impl Api for Backend {
    async fn add_pet(&self, request: AddPetRequest) -> runtime::Result<AddPetResponse> {
        self.pets.push(request.body);
        Ok(AddPetResponse::no_content())
    }

    async fn import_pets(&self, request: ImportPetsRequest) -> runtime::Result<ImportPetsResponse> {
        self.bytes.push(request.body);
        Ok(ImportPetsResponse::no_content())
    }

    async fn put_photo(&self, request: PutPhotoRequest) -> runtime::Result<PutPhotoResponse> {
        self.bytes.push(request.body);
        Ok(PutPhotoResponse::no_content())
    }
}

#[tokio::test(crate = "tokio")]
async fn each_media_type_goes_round() {
    let backend = Arc::new(Backend::default());
    let base = serve(backend.clone()).await;
    let client = several_body_media_client::Client::new(&base, Default::default());
    let pet = types::Pet { age: Some(3), name: "Rex".to_string(), vaccinated: Some(true) };
    client.add_pet().body(pet.clone()).send().await.unwrap();
    client.add_pet().body(pet.clone()).send_form().await.unwrap();
    assert_eq!(backend.pets.all(), vec![pet.clone(), pet.clone()]);
    let (status, problem) = raw("POST", &format!("{base}/pets"), "application/x-www-form-urlencoded", b"name=Rex&age=old").await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(problem["field_errors"]["body"][0], "/age: Must be an integer. Got \"old\".");

    client.import_pets().body(pet.clone()).send().await.unwrap();
    client.import_pets().body(pet.clone()).send_form().await.unwrap();
    // The typed body is not needed (nor set) to send another media type.
    client
        .import_pets()
        .send_raw("application/xml", "<pet><name>Rex</name></pet>")
        .await
        .unwrap();
    client.put_photo().body(vec![1u8, 2]).send().await.unwrap();
    client.put_photo().body(vec![3u8]).send_as("image/jpeg").await.unwrap();
    let received: Vec<String> = backend.bytes.all().into_iter().map(|b| b.content_type).collect();
    assert_eq!(
        received,
        vec![
            "application/json",
            "application/x-www-form-urlencoded",
            "application/xml",
            "image/png",
            "image/jpeg"
        ]
    );
    let bodies: Vec<Vec<u8>> = backend.bytes.all().into_iter().map(|b| b.bytes.to_vec()).collect();
    assert_eq!(bodies[1], b"age=3&name=Rex&vaccinated=true".to_vec());
    assert_eq!(bodies[2], b"<pet><name>Rex</name></pet>".to_vec());
}
