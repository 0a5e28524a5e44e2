use std::path::Path;

use serde_json::json;

use super::json_schema::to_json_schema;
use super::*;
use crate::spec::Document;

const HEAD: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n";

fn load_yaml(text: &str) -> (Model, Vec<String>) {
    let document = Document::parse(Path::new("test.yaml"), text).unwrap();
    let (model, findings) = load(&document);
    (model, findings.iter().map(ToString::to_string).collect())
}

#[test]
fn nullable_admits_null_and_nothing_else() {
    let schema = json!({"type": "string", "nullable": true, "enum": ["a"]});
    assert_eq!(
        to_json_schema(&schema, false),
        json!({"type": ["string", "null"], "enum": ["a", null]})
    );
}

#[test]
fn operations_merge_path_item_parameters_and_inherit_security() {
    let (model, findings) = load_yaml(&format!(
        "{HEAD}security: [{{key: []}}, {{oauth: [read]}}]\npaths:\n  /things/{{id}}:\n    \
         parameters: [{{name: id, in: path, required: true, schema: {{type: string}}}}, {{name: q, in: query, schema: {{type: string}}}}]\n    \
         get:\n      operationId: get_thing\n      parameters: [{{name: q, in: query, required: true, schema: {{type: integer}}}}]\n      \
         responses:\n        '202': {{description: accepted, headers: {{Location: {{required: true, schema: {{type: string}}}}}}}}\n        \
         4XX: {{description: client error}}\n        default: {{description: other}}\n\
         components:\n  securitySchemes:\n    key: {{type: apiKey, in: header, name: X-Api-Key}}\n    \
         oauth: {{type: oauth2, flows: {{clientCredentials: {{tokenUrl: 'https://t', scopes: {{read: r}}}}}}}}\n"
    ));
    assert!(findings.is_empty(), "{findings:?}");
    let op = model.operation("get_thing").unwrap();
    assert_eq!(op.method, Method::Get);
    assert_eq!(op.pointer, "/paths/~1things~1{id}/get");
    let params: Vec<(Location, &str, bool)> = op
        .parameters
        .iter()
        .map(|p| (p.location, p.name.as_str(), p.required))
        .collect();
    assert_eq!(
        params,
        [(Location::Path, "id", true), (Location::Query, "q", true)]
    );
    let statuses: Vec<Status> = op.responses.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [Status::Code(202), Status::Range(4), Status::Default]
    );
    assert_eq!(op.response_for(404).unwrap().status, Status::Range(4));
    assert_eq!(op.response_for(503).unwrap().status, Status::Default);
    assert!(op.responses[0].headers[0].required);
    assert_eq!(op.security.len(), 2);
    assert_eq!(op.security[1].schemes[0].scopes, ["read"]);
    assert_eq!(
        model.security_schemes["key"].kind,
        SchemeKind::ApiKey {
            location: ApiKeyLocation::Header,
            name: "X-Api-Key".into()
        }
    );
}

#[test]
fn a_parameter_declared_twice_is_a_finding_naming_it() {
    let (model, findings) = load_yaml(&format!(
        "{HEAD}paths:\n  /a:\n    get:\n      operationId: a\n      parameters:\n        \
         - {{name: device_type, in: query, schema: {{type: string}}}}\n        \
         - {{name: device_type, in: query, schema: {{type: string}}}}\n      \
         responses: {{'200': {{description: ok}}}}\n"
    ));
    assert_eq!(
        findings,
        ["/paths/~1a/get/parameters/1: the query parameter `device_type` is declared twice in this list; \
          OpenAPI requires each (name, location) pair once: remove one of them"]
    );
    assert!(model.operation("a").is_none());
}

#[test]
fn path_templates_and_path_parameters_are_made_to_agree_with_warnings() {
    let (model, findings) = split(&format!(
        "{HEAD}paths:\n  /a/{{id}}:\n    get:\n      operationId: a\n      \
         parameters: [{{name: other, in: path, required: true, schema: {{type: string}}}}]\n      \
         responses: {{'200': {{description: ok}}}}\n"
    ));
    assert!(findings.iter().all(|(error, _)| !error), "{findings:?}");
    let texts: Vec<&str> = findings.iter().map(|(_, f)| f.as_str()).collect();
    assert_eq!(
        texts,
        [
            "/paths/~1a~1{id}/get: the path has `{id}` but the operation declares no path \
             parameter `id`: it is read as a required string path parameter",
            "/paths/~1a~1{id}/get/parameters/0: this path parameter is not in the path \
             `/a/{id}`: it is left out",
        ]
    );
    let names: Vec<&str> = model.operations[0]
        .parameters
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(names, ["id"]);
}

#[test]
fn conventions_come_from_extensions_and_are_checked() {
    let (model, findings) = load_yaml(&format!(
        "{HEAD}x-problem-details:\n  too-many-requests: {{type: 'https://x/rate', title: Slow down, detail: 'Wait {{retry_after}} s'}}\n  \
         forbidden: {{detail: 'No {{user}}'}}\n  teapot: {{title: Tea}}\npaths:\n  /a:\n    get:\n      operationId: a\n      \
         parameters: [{{name: Api-Version, in: header, x-api-version: true, schema: {{type: integer, enum: [1]}}}}]\n      \
         responses:\n        '200':\n          description: ok\n          headers:\n            \
         Api-Version: {{schema: {{type: integer}}}}\n            Limit: {{x-rate-limit: limit, schema: {{type: integer}}}}\n"
    ));
    assert_eq!(findings.len(), 2, "{findings:?}");
    assert!(
        findings[0]
            .starts_with("/x-problem-details/forbidden/detail: unknown placeholder `{user}`"),
        "{findings:?}"
    );
    assert!(
        findings[1].starts_with("/x-problem-details/teapot: unknown situation"),
        "{findings:?}"
    );
    let rate = &model.conventions.problem_details[&ProblemSituation::TooManyRequests];
    assert_eq!(rate.type_uri.as_deref(), Some("https://x/rate"));
    assert_eq!(rate.detail.as_deref(), Some("Wait {retry_after} s"));
    let op = model.operation("a").unwrap();
    assert!(op.parameters[0].api_version);
    assert_eq!(
        op.responses[0].headers[1].role,
        Some(HeaderRole::RateLimitLimit)
    );
}

#[test]
fn base_path_is_the_first_server_urls_path() {
    let (model, _) = load_yaml(&format!(
        "{HEAD}servers: [{{url: 'https://api.example/v2/'}}]\npaths: {{}}\n"
    ));
    assert_eq!(model.base_path(), "/v2");
    let (model, _) = load_yaml(&format!("{HEAD}servers: [{{url: /v3}}]\npaths: {{}}\n"));
    assert_eq!(model.base_path(), "/v3");
    let (model, _) = load_yaml(&format!("{HEAD}paths: {{}}\n"));
    assert_eq!(model.base_path(), "");
}

#[test]
fn constraints_are_read_once_whatever_variant_holds_them_and_refs_are_followed() {
    let (model, findings) = load_yaml(&format!(
        "{HEAD}paths:\n  /t:\n    get:\n      operationId: t\n      parameters:\n        \
         - {{name: at, in: query, schema: {{$ref: '#/components/schemas/At'}}}}\n        \
         - {{name: n, in: query, schema: {{type: number, enum: [2, 2.5], exclusiveMinimum: true, minimum: 1}}}}\n        \
         - {{name: ids, in: query, schema: {{type: array, uniqueItems: true, maxItems: 3, items: {{$ref: '#/components/schemas/Id'}}}}}}\n        \
         - {{name: any, in: query, schema: {{minLength: 2, nullable: true}}}}\n      \
         responses:\n        '204': {{description: none}}\n\
         components:\n  schemas:\n    At: {{$ref: '#/components/schemas/Stamp'}}\n    \
         Stamp: {{type: string, format: date-time, default: '2024-01-01T00:00:00Z'}}\n    \
         Id: {{type: integer, multipleOf: 2}}\n"
    ));
    let warned: Vec<String> = findings.iter().map(ToString::to_string).collect();
    assert_eq!(
        warned,
        ["/paths/~1t/get/parameters/3/schema/nullable: a parameter's value cannot be null (it is text, or absent): read as not nullable"]
    );
    let op = model.operation("t").unwrap();
    let [at, n, ids, any] = &op.parameters[..] else {
        panic!("four parameters")
    };
    // A chain of `$ref`s: the constraints are the last one's, the
    // component the first one's.
    assert_eq!(at.schema.node, Node::Ref("#/components/schemas/At".into()));
    assert_eq!(at.schema.constraints.ty, Some(JsonType::String));
    assert_eq!(at.schema.format.as_deref(), Some("date-time"));
    assert_eq!(at.schema.default, Some(json!("2024-01-01T00:00:00Z")));
    assert_eq!(
        model.resolve(&at.schema.node).unwrap().component,
        Some("At")
    );
    assert!(at.schema.hint().unwrap().contains("RFC 3339"));
    // A number enum keeps whole numbers whole, as written.
    assert_eq!(n.schema.enum_values, [json!(2), json!(2.5)]);
    assert_eq!(
        n.schema.constraints.minimum,
        Some(Bound {
            value: 1.0,
            exclusive: true
        })
    );
    assert_eq!(n.schema.hint(), None);
    let c = &ids.schema.constraints;
    assert!(c.unique_items);
    assert_eq!(c.max_items, Some(3));
    let items = model.resolve(c.items.as_ref().unwrap()).unwrap();
    assert_eq!(items.constraints.multiple_of, Some(2.0));
    assert_eq!(
        ids.schema.value,
        ValueKind::Array(Box::new(ValueKind::Integer))
    );
    // No `type`: openapiv3's `Any`, read the same way.
    assert_eq!(any.schema.constraints.ty, None);
    assert_eq!(any.schema.constraints.min_length, Some(2));
    // A parameter is text or absent: `nullable` is dropped (and warned).
    assert!(!any.schema.constraints.nullable);
}

/// Findings as `(is error, text)`, to check the severity split.
fn split(text: &str) -> (Model, Vec<(bool, String)>) {
    let document = Document::parse(Path::new("test.yaml"), text).unwrap();
    let (model, findings) = load(&document);
    let findings = findings
        .iter()
        .map(|f| (f.is_error(), f.to_string()))
        .collect();
    (model, findings)
}

#[test]
fn an_example_or_a_default_that_does_not_match_is_a_warning() {
    let (model, findings) = split(&format!(
        "{HEAD}paths:\n  /a:\n    get:\n      operationId: a\n      \
         parameters:\n        - {{name: q, in: query, schema: {{type: boolean, default: 'false'}}}}\n        \
         - {{name: n, in: query, schema: {{type: string, default: null}}}}\n      \
         responses:\n        '200': {{description: ok, content: {{application/json: {{schema: {{type: integer}}, example: nope}}}}}}\n"
    ));
    assert_eq!(findings.len(), 3, "{findings:?}");
    assert!(findings.iter().all(|(error, _)| !error), "{findings:?}");
    // A default whose text reads as its type is that value; any other is
    // dropped: typify cannot write a default its type does not admit.
    assert!(findings[0].1.starts_with(
        "/paths/~1a/get/parameters/0/schema/default: default \"false\" does not match"
    ));
    assert!(findings[0]
        .1
        .ends_with("its text reads as false, which the generated code uses"));
    assert!(findings[1]
        .1
        .starts_with("/paths/~1a/get/parameters/1/schema/default: default null does not match"));
    assert!(findings[1]
        .1
        .ends_with("ignored, the generated code has no default here"));
    assert!(findings[2]
        .1
        .starts_with("/paths/~1a/get/responses/200/content/application~1json/example:"));
    // Neither drops the operation from the model, which reads the coerced
    // default and no dropped one.
    let a = model.operation("a").unwrap();
    assert_eq!(
        a.parameters[0].schema.default,
        Some(serde_json::json!(false))
    );
    assert_eq!(a.parameters[1].schema.default, None);
}

#[test]
fn an_operation_without_operation_id_is_named_after_method_and_path() {
    let ok = "{responses: {'204': {description: ok}}}";
    let (model, findings) = split(&format!(
        "{HEAD}paths:\n  /:\n    get: {ok}\n  /emails:\n    post: {ok}\n  \
         /emails/{{email_id}}:\n    parameters: [{{name: email_id, in: path, required: true, schema: {{type: string}}}}]\n    \
         get: {ok}\n  /api-keys/{{keyId}}.json:\n    \
         parameters: [{{name: keyId, in: path, required: true, schema: {{type: string}}}}]\n    delete: {ok}\n"
    ));
    let ids: Vec<&str> = model.operations.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "get_root",
            "post_emails",
            "get_emails_by_email_id",
            "delete_api_keys_by_key_id_json"
        ]
    );
    // One warning per derived name, at the operation.
    assert_eq!(findings.len(), 4, "{findings:?}");
    assert!(findings.iter().all(|(error, _)| !error), "{findings:?}");
    assert!(findings.iter().any(|(_, f)| f
        == "/paths/~1emails~1{email_id}/get: operation has no `operationId`; the generated \
            code names it `get_emails_by_email_id`, after its method and path: give it an \
            `operationId` to choose the name"));
}

#[test]
fn operation_names_that_collide_are_disambiguated_with_a_warning_naming_both() {
    let ok = "{responses: {'204': {description: ok}}}";
    let (model, findings) = split(&format!(
        "{HEAD}paths:\n  /a-b:\n    get: {ok}\n  /a_b:\n    get: {ok}\n  \
         /c:\n    get: {ok}\n  /d:\n    get: {{operationId: get_c, responses: {{'204': {{description: ok}}}}}}\n  \
         /e:\n    get: {{operationId: get_c, responses: {{'204': {{description: ok}}}}}}\n"
    ));
    assert!(findings.iter().all(|(error, _)| !error), "{findings:?}");
    let texts: Vec<&str> = findings.iter().map(|(_, f)| f.as_str()).collect();
    for expected in [
        "/paths/~1a_b/get: operation has no `operationId`, and the name derived from its \
         method and path, `get_a_b`, is already used by /paths/~1a-b/get: the generated code \
         names this operation `get_a_b_2`",
        "/paths/~1c/get: operation has no `operationId`, and the name derived from its \
         method and path, `get_c`, is already used by /paths/~1d/get: the generated code names \
         this operation `get_c_2`",
        "/paths/~1e/get: operationId `get_c` is already used by /paths/~1d/get: the generated \
         code names this operation `get_c_get_e`",
    ] {
        assert!(texts.contains(&expected), "{expected}\nin {texts:#?}");
    }
    let ids: Vec<&str> = model.operations.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(
        ids,
        ["get_a_b", "get_a_b_2", "get_c_2", "get_c", "get_c_get_e"]
    );
}

#[test]
fn header_parameters_openapi_ignores_are_warned_about_and_left_out() {
    let (model, findings) = split(&format!(
        "{HEAD}paths:\n  /a:\n    parameters: [{{name: Authorization, in: header, required: true, schema: {{type: string}}}}]\n    \
         get:\n      operationId: a\n      parameters:\n        - {{name: accept, in: header, schema: {{type: string}}}}\n        \
         - {{$ref: '#/components/parameters/ContentType'}}\n        - {{name: X-Trace, in: header, schema: {{type: string}}}}\n        \
         - {{name: Accept, in: query, schema: {{type: string}}}}\n        \
         - {{name: Content-Length, in: header, required: true, schema: {{type: number}}}}\n      \
         responses: {{'204': {{description: ok}}}}\n\
         components:\n  parameters:\n    ContentType: {{name: Content-Type, in: header, schema: {{type: string}}}}\n"
    ));
    assert!(findings.iter().all(|(error, _)| !error), "{findings:?}");
    let pointers: Vec<&str> = findings
        .iter()
        .map(|(_, f)| f.split(": ").next().unwrap())
        .collect();
    assert_eq!(
        pointers,
        [
            "/paths/~1a/get/parameters/0",
            "/paths/~1a/get/parameters/1",
            "/paths/~1a/get/parameters/4",
            "/paths/~1a/parameters/0"
        ]
    );
    assert!(
        findings[2].1.contains("HTTP sets it from the body"),
        "{findings:?}"
    );
    assert!(findings[3]
        .1
        .contains("header parameter `Authorization` is ignored"));
    let op = model.operation("a").unwrap();
    let params: Vec<(Location, &str)> = op
        .parameters
        .iter()
        .map(|p| (p.location, p.name.as_str()))
        .collect();
    // Only headers are ignored: a query parameter `Accept` stays.
    assert_eq!(
        params,
        [(Location::Header, "X-Trace"), (Location::Query, "Accept")]
    );
    // progenitor reads the same: the ignored headers are gone.
    let document = Document::parse(Path::new("test.yaml"), &format!(
        "{HEAD}paths:\n  /a:\n    parameters: [{{name: Authorization, in: header, schema: {{type: string}}}}]\n    \
         get:\n      parameters: [{{name: X-Trace, in: header, schema: {{type: string}}}}]\n      \
         responses: {{'204': {{description: ok}}}}\n"
    ))
    .unwrap();
    let (model, _) = load(&document);
    let spec = serde_json::to_value(document.for_generators(&model).unwrap()).unwrap();
    assert_eq!(spec.pointer("/paths/~1a/parameters/0"), None);
    assert_eq!(
        spec.pointer("/paths/~1a/get/operationId"),
        Some(&json!("get_a"))
    );
    assert_eq!(
        spec.pointer("/paths/~1a/get/parameters/0/name"),
        Some(&json!("X-Trace"))
    );
}

#[test]
fn a_security_scheme_that_is_not_defined_is_a_warning_and_left_out() {
    let (model, findings) = split(&format!(
        "{HEAD}paths:\n  /a:\n    get:\n      operationId: a\n      security: [{{nope: []}}, {{key: [], nope: []}}]\n      \
         responses: {{'204': {{description: ok}}}}\n\
         components:\n  securitySchemes:\n    key: {{type: apiKey, in: header, name: X-Api-Key}}\n"
    ));
    assert_eq!(findings.len(), 2, "{findings:?}");
    assert!(findings.iter().all(|(error, _)| !error), "{findings:?}");
    assert!(findings[0]
        .1
        .starts_with("/paths/~1a/get/security/0/nope: security scheme `nope` is not defined"));
    let op = model.operation("a").unwrap();
    // The alternative of an undefined scheme alone is gone, not made
    // anonymous; the other keeps its defined scheme.
    assert_eq!(op.security.len(), 1);
    assert_eq!(op.security[0].schemes.len(), 1);
    assert_eq!(op.security[0].schemes[0].scheme, "key");
    assert!(!op.auth_optional());
}

#[test]
fn names_the_client_cannot_tell_apart_get_names_of_their_own_with_a_warning() {
    let (model, findings) = split(&format!(
        "{HEAD}paths:\n  /a:\n    post:\n      operationId: getUser\n      \
         parameters:\n        - {{name: userId, in: query, schema: {{type: string}}}}\n        \
         - {{name: user_id, in: header, schema: {{type: string}}}}\n        \
         - {{name: user_id, in: cookie, schema: {{type: string}}}}\n        \
         - {{name: body, in: query, schema: {{type: string}}}}\n        \
         - {{name: 'StartTime', in: query, schema: {{type: string}}}}\n        \
         - {{name: 'StartTime<', in: query, schema: {{type: string}}}}\n        \
         - {{name: 'StartTime>', in: query, schema: {{type: string}}}}\n      \
         requestBody: {{content: {{application/json: {{schema: {{type: string}}}}}}}}\n      \
         responses: {{'200': {{description: ok}}}}\n  \
         /b:\n    get:\n      operationId: get_user\n      responses: {{'200': {{description: ok}}}}\n"
    ));
    assert!(findings.iter().all(|(error, _)| !error), "{findings:?}");
    let texts: Vec<&str> = findings.iter().map(|(_, f)| f.as_str()).collect();
    for expected in [
        "/paths/~1a/post/parameters/1: header parameter `user_id` and query parameter `userId` \
         (/paths/~1a/post/parameters/0) would both be `user_id` in the generated client's request \
         builder: this one is `user_id_header` there (it is still sent as `user_id`)",
        "/paths/~1a/post/parameters/3: query parameter `body` and the request body \
         (/paths/~1a/post/requestBody) would both be `body` in the generated client's request \
         builder: this one is `body_query` there (it is still sent as `body`)",
        "/paths/~1a/post/parameters/5: query parameter `StartTime<` and query parameter \
         `StartTime` (/paths/~1a/post/parameters/4) would both be `start_time` in the generated \
         client's request builder: this one is `start_time_lt` there (it is still sent as \
         `StartTime<`)",
        "/paths/~1b/get: operation `get_user` and operation `getUser` (/paths/~1a/post) would \
         both be `get_user` in the generated client: the generated code names this operation \
         `get_user_get_b`",
    ] {
        assert!(texts.contains(&expected), "{expected}\nin {texts:#?}");
    }
    let names: Vec<(&str, &str)> = model.operations[0]
        .parameters
        .iter()
        .map(|p| (p.name.as_str(), p.client_name.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("userId", "userId"),
            ("user_id", "user_id_header"),
            // The cookie parameter is the server's alone: it tells it apart itself.
            ("user_id", "user_id"),
            ("body", "body_query"),
            ("StartTime", "StartTime"),
            ("StartTime<", "start_time_lt"),
            ("StartTime>", "start_time_gt"),
        ]
    );
    assert_eq!(model.operations[1].id, "get_user_get_b");
}

#[test]
fn request_bodies_are_read_and_sent_as_their_media_types_say() {
    let read = |content: &str| {
        let (model, findings) = load_yaml(&format!(
            "{HEAD}paths:\n  /a:\n    post:\n      operationId: a\n      requestBody:\n        \
             content: {content}\n      responses: {{'204': {{description: ok}}}}\n\
             components:\n  schemas:\n    Pet: {{type: object, properties: {{name: {{type: string}}}}}}\n"
        ));
        let body = model.operations[0].body.clone().unwrap();
        let encodings: Vec<BodyEncoding> = body.content.iter().map(Media::body_encoding).collect();
        (body, encodings, findings)
    };
    use BodyEncoding::*;
    let pet = "{schema: {$ref: '#/components/schemas/Pet'}}";
    let cases = [
        (format!("{{application/json: {pet}}}"), vec![Json], Json),
        (
            format!("{{application/merge-patch+json: {pet}}}"),
            vec![Json],
            Json,
        ),
        (
            format!("{{application/x-www-form-urlencoded: {pet}}}"),
            vec![Form],
            Form,
        ),
        (
            "{application/x-www-form-urlencoded: {schema: {type: string}}}".into(),
            vec![Binary],
            Binary,
        ),
        ("{application/json: {}}".into(), vec![Binary], Binary),
        (
            "{text/plain: {schema: {type: string}}}".into(),
            vec![Text],
            Text,
        ),
        ("{text/csv: {}}".into(), vec![Text], Text),
        (
            "{text/plain: {schema: {type: string, format: binary}}}".into(),
            vec![Binary],
            Binary,
        ),
        (
            "{image/jpeg: {schema: {type: string, format: base64}}}".into(),
            vec![Binary],
            Binary,
        ),
        (
            "{application/xml: {schema: {type: object}}}".into(),
            vec![Binary],
            Binary,
        ),
        (
            "{multipart/form-data: {schema: {type: object}}}".into(),
            vec![Multipart],
            Multipart,
        ),
        (
            "{multipart/mixed: {schema: {type: object}}}".into(),
            vec![Binary],
            Binary,
        ),
        (
            "{multipart/form-data: {}, application/json: {}}".into(),
            vec![Multipart, Binary],
            Binary,
        ),
        ("{'*/*': {schema: {type: object}}}".into(), vec![Json], Json),
        ("{'*/*': {}}".into(), vec![Binary], Binary),
        // Several: one value when JSON and form share the schema.
        (
            format!("{{application/x-www-form-urlencoded: {pet}, application/json: {pet}}}"),
            vec![Form, Json],
            Json,
        ),
        (
            format!("{{application/json: {pet}, application/xml: {pet}}}"),
            vec![Json, Binary],
            Binary,
        ),
        (
            "{image/png: {}, image/jpeg: {}}".into(),
            vec![Binary, Binary],
            Binary,
        ),
        (
            "{text/plain: {}, text/csv: {}}".into(),
            vec![Text, Text],
            Text,
        ),
    ];
    for (content, encodings, held) in cases {
        let (body, found, _) = read(&content);
        assert_eq!(found, encodings, "{content}");
        assert_eq!(body.encoding(), Some(held), "{content}");
    }
    // The client sends JSON first, then a form, then the document's first.
    let (body, _, _) = read(&format!(
        "{{application/xml: {pet}, application/x-www-form-urlencoded: {pet}, application/json: {pet}}}"
    ));
    assert_eq!(body.primary().unwrap().media_type, "application/json");
    let (body, _, findings) = read(&format!(
        "{{application/xml: {pet}, application/x-www-form-urlencoded: {pet}}}"
    ));
    assert_eq!(
        body.primary().unwrap().media_type,
        "application/x-www-form-urlencoded"
    );
    assert!(
        findings
            .iter()
            .any(|f| f.contains("cannot be read into one value")),
        "{findings:?}"
    );
    let (_, _, findings) = read("{'*/*': {schema: {type: object}}}");
    assert!(
        findings.iter().any(|f| f.contains("read and sent as JSON")),
        "{findings:?}"
    );
}

#[test]
fn an_operation_the_server_can_never_reach_is_warned_of() {
    let op = |id: &str, name: &str| {
        format!(
            "    get:\n      operationId: {id}\n      parameters: [{{name: {name}, in: path, required: true, schema: {{type: string}}}}]\n      \
             responses: {{'200': {{description: ok}}}}\n"
        )
    };
    let (model, findings) = load_yaml(&format!(
        "{HEAD}paths:\n  /genres/{{id}}/mix:\n{}  /genres/{{name}}/mix:\n{}  /genres/{{name}}.json:\n{}",
        op("by_id", "id"),
        op("by_name", "name"),
        op("as_json", "name"),
    ));
    assert_eq!(model.operations.len(), 3, "every operation is kept");
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert!(
        findings[0].contains("/paths/~1genres~1{name}~1mix/get")
            && findings[0].contains("never calls the trait's `by_name`")
            && findings[0].contains("(`by_id`), declared first"),
        "{findings:?}"
    );
}

#[test]
fn an_operation_with_a_list_valued_header_is_left_out_with_a_warning() {
    let (model, findings) = load_yaml(&format!(
        "{HEAD}paths:\n  /a:\n    get:\n      operationId: a\n      \
         parameters: [{{name: X-Attrs, in: header, schema: {{type: array, items: {{type: string}}}}}}]\n      \
         responses: {{'204': {{description: ok}}}}\n    post:\n      operationId: b\n      \
         parameters: [{{name: X-One, in: header, schema: {{type: string}}}}]\n      \
         responses: {{'204': {{description: ok}}}}\n"
    ));
    let ids: Vec<&str> = model.operations.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids, ["b"]);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert!(
        findings[0].contains("a header whose value is a list is not supported")
            && findings[0].contains("`a` (GET /a) is left out"),
        "{findings:?}"
    );
}

#[test]
fn a_response_header_whose_name_is_not_a_token_is_left_out_with_a_warning() {
    let (model, findings) = load_yaml(&format!(
        "{HEAD}paths:\n  /a:\n    get:\n      operationId: a\n      responses:\n        \
         '200':\n          description: ok\n          headers:\n            \
         'X Rate Limit': {{schema: {{type: integer}}}}\n            \
         X-Fine: {{schema: {{type: integer}}}}\n"
    ));
    let op = model.operation("a").unwrap();
    let names: Vec<&str> = op.responses[0]
        .headers
        .iter()
        .map(|h| h.name.as_str())
        .collect();
    assert_eq!(names, ["X-Fine"]);
    assert!(
        findings
            .iter()
            .any(|f| format!("{f:?}").contains("X Rate Limit")),
        "{findings:?}"
    );
}
