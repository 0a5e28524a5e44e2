//! The client's docs against progenitor's real output.

use std::path::Path;

use super::*;
use crate::naming::progenitor;
use crate::spec::Document;

/// Operation ids and parameter names progenitor renames: a leading digit,
/// dots and dashes, a keyword, a double underscore, a header.
const DOCUMENT: &str = r#"
openapi: 3.0.3
info: {title: Names, version: '1.0'}
paths:
  /items:
    get:
      operationId: listItems
      parameters:
        - {name: logged_at__gte, in: query, description: From when., schema: {type: string, format: date-time}}
        - {name: type, in: query, schema: {type: string, enum: [a, b]}}
        - {name: X-Request-ID, in: header, schema: {type: string, format: uuid}}
        - {name: page-size, in: query, schema: {type: integer, minimum: 1, maximum: 100}}
      responses:
        '200': {description: The items., content: {application/json: {schema: {type: array, items: {type: string}}}}}
    post:
      operationId: create-item.v2
      requestBody:
        description: The item.
        required: true
        content: {application/json: {schema: {type: object, properties: {name: {type: string}}}}}
      responses:
        '201': {description: Created., content: {application/json: {schema: {type: string}}}}
  /items/{item_id}:
    delete:
      operationId: 2fa_delete
      parameters:
        - {name: item_id, in: path, required: true, schema: {type: string, pattern: '^[a-z]+$'}}
      responses:
        '204': {description: Deleted.}
  /match:
    get:
      operationId: match
      responses:
        '204': {description: Matched.}
"#;

fn client_and_model(text: &str) -> (syn::File, Model) {
    let document = Document::parse(Path::new("names.yaml"), text).unwrap();
    let (model, findings) = crate::model::load(&document);
    assert!(findings.is_empty(), "{findings:?}");
    let spec = document.for_generators(&model).unwrap();
    let (client, _) = progenitor_client(&spec, &ClientOptions::default()).unwrap();
    (client, model)
}

fn builders(client: &syn::File) -> Vec<&syn::ItemImpl> {
    client
        .items
        .iter()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "builder" => m.content.as_ref(),
            _ => None,
        })
        .expect("a builder module")
        .1
        .iter()
        .filter_map(|item| match item {
            syn::Item::Impl(imp) if imp.trait_.is_none() => Some(imp),
            _ => None,
        })
        .collect()
}

fn has_doc(f: &syn::ImplItemFn) -> bool {
    f.attrs.iter().any(|a| a.path().is_ident("doc"))
}

#[test]
fn every_builder_method_progenitor_generates_gets_the_documents_docs() {
    let (mut client, model) = client_and_model(DOCUMENT);
    document_builders(&mut client, &model).unwrap();
    let builders = builders(&client);
    assert_eq!(builders.len(), model.operations.len());
    for imp in builders {
        let name = impl_name(imp).unwrap();
        for member in &imp.items {
            let syn::ImplItem::Fn(f) = member else {
                continue;
            };
            // `new` is progenitor's constructor; `body_map` edits a body
            // set by `body`.
            if f.sig.ident == "new" || f.sig.ident == "body_map" {
                continue;
            }
            assert!(has_doc(f), "builder::{name}::{} has no docs", f.sig.ident);
        }
    }
}

#[test]
fn the_clients_methods_are_named_as_progenitor_names_them() {
    let (client, model) = client_and_model(DOCUMENT);
    let methods: Vec<String> = client
        .items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Impl(imp)
                if imp.trait_.is_none() && impl_name(imp).as_deref() == Some("Client") =>
            {
                Some(imp)
            }
            _ => None,
        })
        .flat_map(|imp| &imp.items)
        .filter_map(|member| match member {
            syn::ImplItem::Fn(f) => Some(f.sig.ident.to_string()),
            _ => None,
        })
        .collect();
    for operation in &model.operations {
        let method = progenitor::method(&operation.id);
        assert!(
            methods.contains(&method),
            "no Client::{method} in {methods:?}"
        );
    }
}

#[test]
fn builder_docs_say_what_each_parameter_accepts() {
    let (mut client, model) = client_and_model(DOCUMENT);
    document_builders(&mut client, &model).unwrap();
    let text = quote! { #client }.to_string();
    for expected in [
        "From when.",
        "The query parameter `logged_at__gte`. Accepts an RFC 3339 date-time",
        "The query parameter `type`. Accepts one of `a`, `b`.",
        "The header parameter `X-Request-ID`. Accepts a UUID.",
        "Accepts an integer from 1 to 100.",
        "The path parameter `item_id`, required. Accepts a string matching `^[a-z]+$`.",
        "The JSON request body, required.",
        "Sends `DELETE /items/{item_id}`",
    ] {
        assert!(text.contains(expected), "no {expected:?} in the client");
    }
}

#[test]
fn an_operation_progenitor_named_otherwise_is_an_error() {
    let (mut client, _) = client_and_model(DOCUMENT);
    let (_, model) =
        client_and_model(&DOCUMENT.replace("operationId: match", "operationId: matched"));
    let error = document_builders(&mut client, &model)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("operation `matched`: no `builder::Matched`"),
        "{error}"
    );
}

#[test]
fn progenitor_names_follow_its_sanitize() {
    assert_eq!(progenitor::builder("listItems"), "ListItems");
    assert_eq!(progenitor::builder("create-item.v2"), "CreateItemV2");
    assert_eq!(progenitor::builder("2fa_delete"), "_2faDelete");
    assert_eq!(progenitor::method("2fa_delete"), "_2fa_delete");
    assert_eq!(progenitor::method("match"), "match_");
    assert_eq!(progenitor::setter("type"), "type_");
    assert_eq!(progenitor::setter("X-Request-ID"), "x_request_id");
    assert_eq!(progenitor::setter("logged_at__gte"), "logged_at_gte");
}

#[test]
fn send_says_what_it_returns_where_the_document_gives_no_one_json_type() {
    let document = Document::parse(
        Path::new("notes.yaml"),
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  \
         /typed:\n    get:\n      operationId: typed\n      responses:\n        \
         '200': {description: a, content: {application/json: {schema: {type: integer}}}}\n  \
         /text:\n    get:\n      operationId: text\n      responses:\n        \
         '200': {description: a, content: {text/plain: {schema: {type: string}}}}\n        \
         '302': {description: moved}\n  \
         /mixed:\n    get:\n      operationId: mixed\n      responses:\n        \
         '200': {description: a, content: {application/json: {schema: {type: integer}}}}\n        \
         '201': {description: b, content: {application/json: {schema: {type: string}}}}\n",
    )
    .unwrap();
    let (model, _) = crate::model::load(&document);
    let note = |id: &str| success_note(model.operation(id).unwrap());
    assert_eq!(note("typed"), None, "one JSON type: nothing to add");
    let text = note("text").unwrap();
    assert!(
        text.starts_with("The success body is the response's text."),
        "{text}"
    );
    assert!(
        text.contains("A 302 answer comes back as `Error::UnexpectedResponse`"),
        "{text}"
    );
    let mixed = note("mixed").unwrap();
    assert!(mixed.contains("otherwise per status (200, 201)"), "{mixed}");
}

/// Request bodies progenitor cannot send as written: an image, a form with
/// `encoding`, a +json type, JSON next to a form and XML.
const BODIES: &str = r#"
openapi: 3.0.3
info: {title: Bodies, version: '1.0'}
paths:
  /cover:
    put:
      operationId: put_cover
      requestBody:
        required: true
        content: {image/jpeg: {schema: {type: string, format: base64}}}
      responses: {'204': {description: ok}}
  /form:
    post:
      operationId: post_form
      requestBody:
        $ref: '#/components/requestBodies/Form'
      responses: {'204': {description: ok}}
  /patch:
    patch:
      operationId: patch_it
      requestBody:
        content: {application/merge-patch+json: {schema: {type: object}}}
      responses: {'204': {description: ok}}
  /mixed:
    post:
      operationId: post_mixed
      requestBody:
        content:
          application/xml: {schema: {$ref: '#/components/schemas/Pet'}}
          application/x-www-form-urlencoded: {schema: {$ref: '#/components/schemas/Pet'}}
          application/json: {schema: {$ref: '#/components/schemas/Pet'}}
      responses: {'204': {description: ok}}
components:
  schemas:
    Pet: {type: object, properties: {name: {type: string}, tags: {type: array, items: {type: string}}}}
  requestBodies:
    Form:
      required: true
      content:
        application/x-www-form-urlencoded:
          schema: {$ref: '#/components/schemas/Pet'}
          encoding: {tags: {style: form}}
"#;

#[test]
fn progenitor_gets_one_body_it_can_send_and_the_client_sends_the_documents_media_type() {
    let document = Document::parse(Path::new("bodies.yaml"), BODIES).unwrap();
    let (model, _) = crate::model::load(&document);
    let spec = document.for_generators(&model).unwrap();
    let body = |path: &str| {
        let item = spec.paths.paths[path].as_item().unwrap();
        let op = item.iter().next().unwrap().1;
        let body = op.request_body.as_ref().unwrap().as_item().unwrap().clone();
        serde_json::to_value(body).unwrap()
    };
    assert_eq!(
        body("/cover")["content"],
        serde_json::json!({"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}})
    );
    assert_eq!(body("/cover")["required"], true);
    let form = body("/form");
    assert_eq!(
        form["content"]["application/x-www-form-urlencoded"]["schema"],
        serde_json::json!({"$ref": "#/components/schemas/Pet"})
    );
    assert!(form["content"]["application/x-www-form-urlencoded"]
        .get("encoding")
        .is_none_or(|e| e.as_object().is_some_and(|e| e.is_empty())));
    assert!(body("/patch")["content"].get("application/json").is_some());
    let mixed = body("/mixed");
    assert_eq!(
        mixed["content"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        vec!["application/json"]
    );

    let (file, _) = progenitor_client(&spec, &ClientOptions::default()).unwrap();
    let client = without_types(file, "bodies_types", &model).unwrap();
    let client = quote::quote! { #client }.to_string();
    assert!(client.contains("from_static (\"image/jpeg\")"), "{client}");
    assert!(
        !client.contains("form_urlencoded (& body)"),
        "serde_urlencoded refuses arrays"
    );
    assert!(client.contains("fn encode_form_body"));
    for method in ["fn send_form", "fn send_raw"] {
        assert!(client.contains(method), "{method}");
    }
}

#[test]
fn trace_and_options_are_sent_through_reqwest_request() {
    let text = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /anything:\n    \
                trace:\n      operationId: trace_anything\n      responses:\n        '200': \
                {description: ok}\n    options:\n      operationId: options_anything\n      \
                responses:\n        '204': {description: ok}\n";
    let (client, model) = client_and_model(text);
    let client = without_types(client, "t_types", &model).unwrap();
    let code = quote::quote! { #client }.to_string();
    for verb in ["TRACE", "OPTIONS"] {
        assert!(
            code.contains(&format!("request (:: reqwest :: Method :: {verb} , url)")),
            "{code}"
        );
    }
    assert!(!code.contains(". trace (url)") && !code.contains(". options (url)"));
}

#[test]
fn the_client_sends_no_api_version_header_the_document_does_not_declare() {
    let doc = |declared: &str| {
        format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: '7.1'}}\npaths:\n  /a:\n    get:\n      \
             operationId: get_a\n{declared}      responses:\n        '204': {{description: ok}}\n"
        )
    };
    let (client, model) = client_and_model(&doc(""));
    let before = quote::quote! { #client }.to_string();
    assert!(
        before.contains("\"api-version\""),
        "progenitor adds it: {before}"
    );
    let client = without_types(client, "t_types", &model).unwrap();
    let code = quote::quote! { #client }.to_string();
    assert!(!code.contains("\"api-version\""), "{code}");
    assert!(code.contains("allow (unused_mut)"), "{code}");
    // Declared as a header parameter: sent, from the caller's value.
    let (client, model) = client_and_model(&doc(
        "      parameters:\n        - {name: api-version, in: header, schema: {type: string}}\n",
    ));
    let client = without_types(client, "t_types", &model).unwrap();
    let code = quote::quote! { #client }.to_string();
    assert!(code.contains("\"api-version\""), "{code}");
    assert!(!code.contains("Client :: api_version ()"), "{code}");
}

#[test]
fn access_gets_a_setter_per_scheme_and_a_table_of_the_alternatives_each_operation_takes() {
    let text = r#"
openapi: 3.0.3
info: {title: t, version: '1'}
servers: [{url: 'https://api.example/v2'}]
security: [{key: []}]
paths:
  /a:
    get:
      operationId: get_a
      responses: {'204': {description: ok}}
    post:
      operationId: post_a
      security: [{basic: [], send_with_retries: []}, {oauth: [write]}]
      responses: {'204': {description: ok}}
    put:
      operationId: put_a
      security: [{}]
      responses: {'204': {description: ok}}
components:
  securitySchemes:
    key: {type: apiKey, in: query, name: api_key}
    basic: {type: http, scheme: basic}
    send_with_retries: {type: http, scheme: bearer}
    oauth:
      type: oauth2
      flows: {clientCredentials: {tokenUrl: /oauth/token, scopes: {read: r, write: w}}}
"#;
    let (_, model) = client_and_model(text);
    let setters: Vec<(String, String, access::Takes)> = access::setters(&model)
        .into_iter()
        .map(|s| (s.scheme, s.method, s.takes))
        .collect();
    use access::Takes::*;
    assert_eq!(
        setters,
        [
            ("basic", "basic", UsernamePassword),
            ("key", "key", Secret),
            ("oauth", "oauth", Secret),
            ("oauth", "oauth_client_credentials", ClientCredentials),
            // A scheme named like one of `Access`'s own methods.
            ("send_with_retries", "send_with_retries_scheme", Secret),
        ]
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c))
    );
    let code = access::module(&model).unwrap().to_string();
    // Schemes in the document's (sorted) order: basic 0, key 1, oauth 2, bearer 3.
    assert!(code.contains("\"get_a\" => & [& [1]]"), "{code}");
    assert!(
        code.contains("\"post_a\" => & [& [0 , 3] , & [2]]"),
        "{code}"
    );
    // An operation whose only alternative is empty sends nothing.
    assert!(!code.contains("\"put_a\""), "{code}");
    // The token URL resolved against the server.
    assert!(
        code.contains("Some (\"https://api.example/oauth/token\")"),
        "{code}"
    );
    assert!(code.contains("Placement :: Query (\"api_key\")"), "{code}");
}
