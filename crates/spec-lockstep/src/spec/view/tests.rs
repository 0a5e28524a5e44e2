use serde_json::json;

use super::*;

/// The view of a document with these `components/schemas`, and its
/// findings as `pointer: message` strings.
fn view(version: &str, schemas: Value) -> (Value, Vec<String>) {
    let raw = json!({
        "openapi": version,
        "info": {"title": "t", "version": "1"},
        "paths": {},
        "components": {"schemas": schemas},
    });
    let (view, findings) = normalize(raw).unwrap();
    assert!(findings.iter().all(|f| !f.is_error()), "{findings:?}");
    let findings = findings.iter().map(ToString::to_string).collect();
    (view["components"]["schemas"].clone(), findings)
}

#[test]
fn type_arrays_become_nullable_or_any_of() {
    let (schemas, findings) = view(
        "3.1.0",
        json!({
            "A": {"type": ["integer", "null"], "minimum": 1},
            "B": {"type": ["string", "integer"], "minLength": 2, "maximum": 9, "description": "d"},
            "C": {"type": "object", "properties": {"p": {"type": ["null", "string"]}}},
        }),
    );
    assert!(findings.is_empty(), "{findings:?}");
    assert_eq!(
        schemas["A"],
        json!({"type": "integer", "nullable": true, "minimum": 1})
    );
    assert_eq!(
        schemas["B"],
        json!({"description": "d", "anyOf": [
            {"type": "string", "minLength": 2},
            {"type": "integer", "maximum": 9},
        ]})
    );
    assert_eq!(
        schemas["C"]["properties"]["p"],
        json!({"type": "string", "nullable": true})
    );
    // Written by mistake in a 3.0 document, read the same way.
    let (schemas, findings) = view("3.0.3", json!({"A": {"type": ["integer", "null"]}}));
    assert_eq!(schemas["A"], json!({"type": "integer", "nullable": true}));
    assert_eq!(findings.len(), 1);
    assert!(findings[0].starts_with("/components/schemas/A: OpenAPI 3.1 (JSON Schema) keywords"));
}

#[test]
fn const_examples_and_numeric_exclusive_bounds_become_3_0() {
    let (schemas, findings) = view(
        "3.1.0",
        json!({
            "K": {"const": "on"},
            "E": {"type": "string", "examples": ["a", "b"]},
            "N": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 10, "maximum": 5},
            "T": true,
            "F": false,
            "S": {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "string",
                  "contentMediaType": "text/plain"},
            "I": {"type": "object", "if": {"required": ["a"]}, "then": {"required": ["b"]}},
        }),
    );
    assert_eq!(schemas["K"], json!({"enum": ["on"]}));
    assert_eq!(schemas["E"], json!({"type": "string", "example": "a"}));
    // The stricter bound wins: `maximum: 5` is below the exclusive 10.
    assert_eq!(
        schemas["N"],
        json!({"type": "number", "minimum": 0, "exclusiveMinimum": true, "maximum": 5})
    );
    assert_eq!(schemas["T"], json!({}));
    assert_eq!(schemas["F"], json!({"not": {}}));
    assert_eq!(schemas["S"], json!({"type": "string"}));
    assert_eq!(schemas["I"], json!({"type": "object"}));
    assert_eq!(findings.len(), 2, "{findings:?}");
    assert!(findings[0].starts_with("/components/schemas/I/if: `if` has no OpenAPI 3.0"));
    assert!(findings[1].starts_with("/components/schemas/I/then:"));
}

#[test]
fn a_ref_with_siblings_is_wrapped_in_3_1_where_they_constrain_and_alone_otherwise() {
    let schemas = json!({
        "X": {"type": "string"},
        "Wrapped": {"$ref": "#/components/schemas/X", "maxLength": 3, "description": "d"},
        "Plain": {"$ref": "#/components/schemas/X", "description": "d"},
    });
    let (v31, findings) = view("3.1.0", schemas.clone());
    assert_eq!(
        v31["Wrapped"],
        json!({"allOf": [{"$ref": "#/components/schemas/X"}], "maxLength": 3, "description": "d"})
    );
    assert_eq!(v31["Plain"], json!({"$ref": "#/components/schemas/X"}));
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert!(findings[0].starts_with(
        "/components/schemas/Plain/$ref: `$ref` with sibling keyword(s) `description`"
    ));
    // OpenAPI 3.0 ignores the siblings: so does the view, with a warning.
    let (v30, findings) = view("3.0.3", schemas);
    assert_eq!(v30["Wrapped"], json!({"$ref": "#/components/schemas/X"}));
    assert_eq!(findings.len(), 2, "{findings:?}");
    assert!(
        findings[0].contains("`maxLength`, `description`: OpenAPI 3.0 ignores"),
        "{findings:?}"
    );
}

#[test]
fn arrays_without_items_and_formats_nobody_reads_are_warned() {
    let (schemas, findings) = view(
        "3.0.3",
        json!({
            "L": {"type": "array"},
            "M": {"type": "object", "format": "uri-map"},
            "M2": {"type": "object", "properties": {"m": {"type": "object", "format": "uri-map"}}},
            "U": {"type": "string", "format": "uriref"},
            "U2": {"type": "string", "format": "uriref"},
            "D": {"type": "string", "format": "date-time"},
            "B": {"type": "boolean", "format": "date-time"},
        }),
    );
    assert_eq!(schemas["L"], json!({"type": "array", "items": {}}));
    assert_eq!(schemas["M"], json!({"type": "object"}));
    assert_eq!(schemas["U"], json!({"type": "string", "format": "uriref"}));
    assert_eq!(schemas["B"], json!({"type": "boolean"}));
    assert_eq!(findings.len(), 4, "{findings:?}");
    assert!(findings[0].starts_with("/components/schemas/L: `type: array` without `items`"));
    // Once per format name, at its first node.
    assert!(
        findings[1].starts_with(
            "/components/schemas/B/format: `format: date-time` on a schema of type `boolean`:"
        ),
        "{findings:?}"
    );
    assert!(
        findings[2].starts_with(
            "/components/schemas/M/format: `format: uri-map` on a schema of type `object` (and 1 more node(s))"
        ),
        "{findings:?}"
    );
    assert!(
        findings[3].starts_with(
            "/components/schemas/U/format: `format: uriref` (and 1 more node(s)) is not a format"
        ),
        "{findings:?}"
    );
}

#[test]
fn a_3_1_document_reads_as_3_0_without_paths_or_webhooks() {
    let raw = json!({
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {"title": "t", "version": "1"},
        "webhooks": {"newPet": {"post": {"responses": {"200": {"description": "ok"}}}}},
    });
    let (view, findings) = normalize(raw).unwrap();
    assert_eq!(
        view,
        json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}})
    );
    // An operation without responses, and a `null`-only type.
    let (view, more) = normalize(json!({
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {"/a": {"delete": {"requestBody": {"content": {"application/json": {
            "schema": {"type": "null"}}}}}}},
    }))
    .unwrap();
    let delete = &view["paths"]["/a"]["delete"];
    assert_eq!(
        delete["responses"],
        json!({"default": {"description": "No response declared."}})
    );
    assert_eq!(
        delete["requestBody"]["content"]["application/json"]["schema"],
        json!({"nullable": true, "enum": [null]})
    );
    assert_eq!(more.len(), 1);
    assert!(more[0]
        .to_string()
        .starts_with("/paths/~1a/delete: the operation declares no `responses`"));
    assert_eq!(findings.len(), 1);
    assert_eq!(
        findings[0].to_string(),
        "/webhooks: webhooks are not supported: the generated code has nothing for this webhook (newPet)"
    );
    assert!(normalize(json!({"openapi": "2.0"})).is_err());
    // Path items from `components/pathItems`, inline.
    let item = json!({"get": {"operationId": "a", "responses": {"200": {"description": "ok"}}}});
    let (view, _) = normalize(json!({
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {"/a": {"$ref": "#/components/pathItems/A"}},
        "components": {"pathItems": {"A": item}},
    }))
    .unwrap();
    assert_eq!(view["paths"]["/a"], item);
    assert_eq!(view["components"], json!({}));
}

#[test]
fn schemas_in_parameters_bodies_responses_and_headers_are_converted() {
    let raw = json!({
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {"/a": {
            "parameters": [{"name": "p", "in": "query", "schema": {"type": ["string", "null"]}}],
            "post": {
                "parameters": [
                    {"name": "q", "in": "query", "schema": {"const": 1}},
                    {"name": "ids", "in": "query", "schema": {"type": "array"}},
                ],
                "requestBody": {"content": {"application/json": {"schema": {"type": ["integer", "null"]}}}},
                "responses": {"200": {
                    "description": "ok",
                    "headers": {"H": {"schema": {"type": ["integer", "null"]}}},
                    "content": {"application/json": {"schema": {"type": ["boolean", "null"]}}},
                }},
            },
        }},
    });
    let (view, findings) = normalize(raw).unwrap();
    assert_eq!(findings.len(), 2, "{findings:?}");
    assert!(findings[0].to_string().starts_with(
        "/paths/~1a/post/parameters/1/schema: `type: array` without `items`: generated as an array of strings"
    ));
    // `["string", "null"]` reads as nullable, which a parameter cannot be.
    assert!(findings[1].to_string().starts_with(
        "/paths/~1a/parameters/0/schema/nullable: a parameter's value cannot be null"
    ));
    let a = &view["paths"]["/a"];
    assert_eq!(
        a["post"]["parameters"][1]["schema"],
        json!({"type": "array", "items": {"type": "string"}})
    );
    assert_eq!(a["parameters"][0]["schema"], json!({"type": "string"}));
    assert_eq!(a["post"]["parameters"][0]["schema"], json!({"enum": [1]}));
    let post = &a["post"];
    assert_eq!(
        post["requestBody"]["content"]["application/json"]["schema"]["type"],
        json!("integer")
    );
    let ok = &post["responses"]["200"];
    assert_eq!(ok["headers"]["H"]["schema"]["type"], json!("integer"));
    assert_eq!(
        ok["content"]["application/json"]["schema"]["type"],
        json!("boolean")
    );
}

#[test]
fn defaults_are_coerced_where_their_text_reads_as_the_type_and_dropped_otherwise() {
    let (schemas, findings) = view(
        "3.0.3",
        json!({
            "O": {"type": "object", "properties": {
                "b": {"type": "boolean", "default": "TRUE"},
                "i": {"type": "integer", "default": "10"},
                "n": {"type": "number", "default": "2.5"},
                "s": {"type": "string", "default": 3},
                "a": {"type": "array", "items": {"type": "integer"}, "default": "1,2,3"},
                "x": {"type": "integer", "default": "ten"},
                "z": {"type": "string", "default": null},
                "ok": {"type": "string", "nullable": true, "default": null},
                "big": {"type": "integer", "maximum": 5, "default": "10"},
                "unit": {"type": "string", "enum": ["Miles", "KM"], "default": "miles"},
                "i32": {"type": "integer", "format": "int32", "default": 3000000000u64},
            }},
        }),
    );
    let p = &schemas["O"]["properties"];
    assert_eq!(p["b"]["default"], json!(true));
    assert_eq!(p["i"]["default"], json!(10));
    assert_eq!(p["n"]["default"], json!(2.5));
    assert_eq!(p["s"]["default"], json!("3"));
    assert_eq!(p["a"]["default"], json!([1, 2, 3]));
    assert_eq!(p["x"].get("default"), None);
    assert_eq!(p["z"].get("default"), None);
    assert_eq!(p["ok"]["default"], json!(null));
    // A reading that breaks another rule is no reading.
    assert_eq!(p["big"].get("default"), None);
    assert_eq!(p["unit"]["default"], json!("Miles"));
    // typify cannot write an `i32` that large.
    assert_eq!(p["i32"].get("default"), None);
    assert_eq!(findings.len(), 10, "{findings:?}");
    assert!(
        findings[9].contains("3000000000 is beyond `format: int32`"),
        "{findings:?}"
    );
}

#[test]
fn swagger_2_habits_are_read_with_a_warning() {
    let (schemas, findings) = view(
        "3.0.3",
        json!({
            "Upload": {"type": "object", "required": ["a"], "properties": {
                "a": {"type": "string"},
                "file": {"type": "file", "required": true},
                "size": {"type": "int", "required": false},
                "tag": {"type": "string", "examples": {"one": {"value": "x"}}},
                "id": {"type": "string", "examples": ["abc", "def"]},
            }},
        }),
    );
    let upload = &schemas["Upload"];
    assert_eq!(upload["required"], json!(["a", "file"]));
    let p = &upload["properties"];
    assert_eq!(p["file"], json!({"type": "string", "format": "binary"}));
    assert_eq!(p["size"], json!({}));
    assert_eq!(p["tag"], json!({"type": "string"}));
    assert_eq!(p["id"], json!({"type": "string", "example": "abc"}));
    assert_eq!(findings.len(), 5, "{findings:?}");
    assert!(findings.iter().any(|f| f.starts_with(
        "/components/schemas/Upload/properties/file/required: `required: true` on a property is Swagger 2.0"
    )));
}
