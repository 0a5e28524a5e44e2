//! Every local `$ref` as the generators can follow it.
//!
//! typify resolves a schema `$ref` only when it names an entry of
//! `components/schemas`, and the model and progenitor read responses,
//! parameters, request bodies and headers the same way; real documents
//! point anywhere in themselves (`#/paths/~1orders/get/responses/200/…`,
//! `#/components/schemas/Address/definitions/type`,
//! `#/components/parameters/id/schema`), and some write the pointer
//! percent-encoded (`~1jobs~1%7Bid%7D`). So, before anything reads the
//! document: a `$ref` written percent-encoded is decoded, and one that
//! points at a node that is not an entry of `components/<kind>` has that
//! node copied there under a name of its own (the same target once), the
//! `$ref` then naming the copy (warned, naming both places).

use std::collections::{BTreeMap, BTreeSet};

use heck::ToPascalCase;
use serde_json::{Map, Value};

use super::{child, Finding};
use crate::spec::bundle::BUNDLED;

/// What a `$ref` stands for, by where it is written.
fn kind_of(parent: &str, grandparent: &str) -> Option<&'static str> {
    Some(match (parent, grandparent) {
        ("schema" | "items" | "additionalProperties" | "not", _) => "schemas",
        (_, "allOf" | "anyOf" | "oneOf" | "properties" | "patternProperties" | "schemas") => {
            "schemas"
        }
        (_, "definitions" | "$defs") => "schemas",
        (_, "responses") => "responses",
        (_, "parameters") => "parameters",
        ("requestBody", _) | (_, "requestBodies") => "requestBodies",
        (_, "headers") => "headers",
        (_, "examples") => "examples",
        _ => return None,
    })
}

/// The segments of a JSON pointer, unescaped.
fn segments(pointer: &str) -> Vec<String> {
    pointer
        .split('/')
        .skip(1)
        .map(crate::spec::unescape_pointer)
        .collect()
}

/// A `$ref` met in the walk: where it is, what it stands for, and what it says.
struct Found {
    at: String,
    kind: &'static str,
    reference: String,
}

fn walk(node: &Value, pointer: &str, parent: &str, grandparent: &str, found: &mut Vec<Found>) {
    match node {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                if let Some(kind) = kind_of(parent, grandparent) {
                    found.push(Found {
                        at: pointer.to_string(),
                        kind,
                        reference: reference.clone(),
                    });
                }
            }
            for (key, value) in map {
                // Data, not schemas: a `$ref` key there is not a reference
                // (but `default` among responses is the default response).
                let data = match key.as_str() {
                    "default" => parent != "responses",
                    // A schema's `examples` is values; a media type's is
                    // a map of Example objects, which may be `$ref`s.
                    "examples" => !value.is_object(),
                    "example" | "enum" | "const" => true,
                    // Extensions are their tools' business.
                    key if key.starts_with("x-") => true,
                    _ => false,
                };
                if data {
                    continue;
                }
                walk(value, &child(pointer, key), key, parent, found);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(
                    item,
                    &format!("{pointer}/{i}"),
                    &i.to_string(),
                    parent,
                    found,
                );
            }
        }
        _ => {}
    }
}

/// A name for the copy of the node at `pointer` in `components/<kind>`:
/// the pointer's telling segments in PascalCase, made unique. In another
/// file ([`BUNDLED`]): its component's name, or the file's name and the
/// rest of the pointer.
fn copy_name(pointer: &str, taken: &Map<String, Value>) -> String {
    let pointer = match pointer.strip_prefix(&format!("/{BUNDLED}/")) {
        Some(rest) => match rest.split_once("/components/") {
            Some((_, inner)) => format!("/components/{inner}"),
            None => format!("/{rest}"),
        },
        None => pointer.to_string(),
    };
    let pointer = pointer.as_str();
    const PLAIN: &[&str] = &[
        "paths",
        "components",
        "schemas",
        "content",
        "schema",
        "properties",
        "items",
        "responses",
        "parameters",
        "requestBodies",
        "headers",
        "definitions",
        "$defs",
        "allOf",
        "anyOf",
        "oneOf",
        "requestBody",
        "get",
        "put",
        "post",
        "delete",
        "patch",
        "head",
        "options",
        "trace",
    ];
    let words: Vec<String> = segments(pointer)
        .into_iter()
        .filter(|s| !PLAIN.contains(&s.as_str()) && !s.contains('/') || s.starts_with('/'))
        .filter(|s| !s.starts_with("application") && !s.starts_with("text"))
        .collect();
    let mut base = words.join(" ").to_pascal_case();
    base.retain(|c| c.is_ascii_alphanumeric());
    if !base.starts_with(|c: char| c.is_ascii_alphabetic()) {
        base = format!("Ref{base}");
    }
    std::iter::once(base.clone())
        .chain((2..).map(|n| format!("{base}{n}")))
        .find(|name| !taken.contains_key(name))
        .unwrap_or(base)
}

/// Decodes and redirects the document's `$ref`s (see the module's text).
pub fn hoist(doc: &mut Value, findings: &mut Vec<Finding>) {
    // Copies made, by the target's pointer: each target is copied once.
    let mut copies: BTreeMap<(&'static str, String), String> = BTreeMap::new();
    // A copy may hold `$ref`s of its own to follow: rounds until none is
    // left (a chain of files each naming the next takes one round each).
    for _ in 0..64 {
        let mut found = Vec::new();
        walk(doc, "", "", "", &mut found);
        let mut changed = false;
        for Found {
            at,
            kind,
            reference,
        } in found
        {
            let Some(fragment) = reference.strip_prefix('#') else {
                continue;
            };
            let decoded = crate::spec::percent_decoded(fragment);
            let parts = segments(&decoded);
            let is_entry = parts.len() == 3 && parts[0] == "components" && parts[1] == kind;
            let target = if is_entry {
                decoded.clone()
            } else {
                if doc.pointer(&decoded).is_none() {
                    continue;
                }
                if let Some(name) = copies.get(&(kind, decoded.clone())) {
                    format!("/components/{kind}/{}", super::escape_pointer(name))
                } else {
                    let Some(node) = doc.pointer(&decoded).cloned() else {
                        continue;
                    };
                    let Some(components) = doc
                        .as_object_mut()
                        .map(|d| {
                            d.entry("components")
                                .or_insert_with(|| Value::Object(Map::new()))
                        })
                        .and_then(Value::as_object_mut)
                    else {
                        continue;
                    };
                    let Some(entries) = components
                        .entry(kind)
                        .or_insert_with(|| Value::Object(Map::new()))
                        .as_object_mut()
                    else {
                        continue;
                    };
                    let name = copy_name(&decoded, entries);
                    entries.insert(name.clone(), node);
                    // Another file's node is where the writer meant it
                    // to be: nothing to warn about.
                    let bundled = decoded.starts_with(&format!("/{BUNDLED}/"));
                    findings.extend((!bundled).then(|| {
                        Finding::warning(
                            format!("{at}/$ref"),
                            format!(
                                "`{reference}` points at a node that is not an entry of \
                             `components/{kind}`, which is where the generators follow \
                             references: read as a copy of it, `#/components/{kind}/{name}` \
                             (a type of its own)"
                            ),
                        )
                    }));
                    copies.insert((kind, decoded.clone()), name.clone());
                    format!("/components/{kind}/{}", super::escape_pointer(&name))
                }
            };
            let written = format!("#{target}");
            if written != reference {
                if let Some(Value::Object(map)) = doc.pointer_mut(&at) {
                    map.insert("$ref".into(), Value::String(written));
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    // The other files, once every `$ref` into them names a copy: gone.
    if !refers_into(doc, &format!("#/{BUNDLED}")) {
        if let Some(map) = doc.as_object_mut() {
            map.remove(BUNDLED);
        }
    }
}

/// Whether a `$ref` of `node` outside [`BUNDLED`] starts with `prefix`.
fn refers_into(node: &Value, prefix: &str) -> bool {
    match node {
        Value::Object(map) => map.iter().any(|(k, v)| match (k.as_str(), v) {
            ("$ref", Value::String(r)) => r.starts_with(prefix),
            (BUNDLED, _) => false,
            _ => refers_into(v, prefix),
        }),
        Value::Array(items) => items.iter().any(|v| refers_into(v, prefix)),
        _ => false,
    }
}

/// `components/schemas` entries whose names typify makes one Rust type
/// name (`StringValueLength1to255` and `stringValueLength1to255`,
/// `FileDTO` and `FileDto`: the types crate would define it twice): each
/// after the first is renamed `<name>-Alt` (`-Alt2`, …), every `$ref` to
/// it with it, and warned. Names are not on the wire; only the Rust type
/// changes. Run after [`hoist`], so that every schema `$ref` names an entry.
pub fn distinct_type_names(doc: &mut Value, findings: &mut Vec<Finding>) {
    use crate::naming::progenitor::component_type;
    let Some(Value::Object(schemas)) = doc.pointer("/components/schemas") else {
        return;
    };
    let mut taken: BTreeMap<String, String> = BTreeMap::new();
    let mut renames: Vec<(String, String, String)> = Vec::new();
    let keys: Vec<String> = schemas.keys().cloned().collect();
    for key in &keys {
        let ty = component_type(key);
        let Some(first) = taken.get(&ty).cloned() else {
            taken.insert(ty, key.clone());
            continue;
        };
        let new = (1..)
            .map(|n| match n {
                1 => format!("{key}-Alt"),
                n => format!("{key}-Alt{n}"),
            })
            .find(|candidate| {
                !keys.contains(candidate) && !taken.contains_key(&component_type(candidate))
            })
            .unwrap_or_else(|| format!("{key}-Alt"));
        taken.insert(component_type(&new), new.clone());
        renames.push((key.clone(), new, first));
    }
    if renames.is_empty() {
        return;
    }
    if let Some(Value::Object(schemas)) = doc.pointer_mut("/components/schemas") {
        let entries = std::mem::take(schemas);
        *schemas = entries
            .into_iter()
            .map(
                |(key, value)| match renames.iter().find(|(old, _, _)| *old == key) {
                    Some((_, new, _)) => (new.clone(), value),
                    None => (key, value),
                },
            )
            .collect();
    }
    let targets: BTreeMap<String, String> = renames
        .iter()
        .map(|(old, new, _)| {
            (
                format!("#/components/schemas/{}", super::escape_pointer(old)),
                format!("#/components/schemas/{}", super::escape_pointer(new)),
            )
        })
        .collect();
    retarget(doc, &targets);
    for (old, new, first) in renames {
        findings.push(Finding::warning(
            format!("/components/schemas/{}", super::escape_pointer(&new)),
            format!(
                "`{old}` and `{first}` would be one Rust type, `{}`: `{old}` is read as \
                 `{new}` (the type `{}`), and every `$ref` to it with it",
                component_type(&first),
                component_type(&new),
            ),
        ));
    }
}

/// `nullable: true` dropped from the inline schema of every parameter, with
/// a warning: a parameter's value is text in a path, query, header or
/// cookie, which cannot be JSON's `null` (absent is the only "no value").
/// Read as written, the types made it `Option<Option<String>>`, which the
/// client cannot write into a header or path (it has no `Display`).
pub fn parameters_not_null(doc: &mut Value, findings: &mut Vec<Finding>) {
    fn not_null(at: &str, parameter: &mut Value, findings: &mut Vec<Finding>) {
        let Some(Value::Object(schema)) = parameter.get_mut("schema") else {
            return;
        };
        if schema.get("nullable") == Some(&Value::Bool(true)) {
            schema.remove("nullable");
            findings.push(Finding::warning(
                format!("{at}/schema/nullable"),
                "a parameter's value cannot be null (it is text, or absent): read as not nullable",
            ));
        }
    }
    fn list(at: &str, list: &mut Value, findings: &mut Vec<Finding>) {
        if let Value::Array(list) = list {
            for (i, parameter) in list.iter_mut().enumerate() {
                not_null(&format!("{at}/{i}"), parameter, findings);
            }
        }
    }
    if let Some(Value::Object(paths)) = doc.get_mut("paths") {
        for (path, item) in paths.iter_mut() {
            let Value::Object(item) = item else { continue };
            let at = format!("/paths/{}", super::escape_pointer(path));
            for (key, value) in item.iter_mut() {
                match key.as_str() {
                    "parameters" => list(&format!("{at}/parameters"), value, findings),
                    _ => {
                        if let Some(parameters) = value.get_mut("parameters") {
                            list(&format!("{at}/{key}/parameters"), parameters, findings);
                        }
                    }
                }
            }
        }
    }
    if let Some(Value::Object(parameters)) = doc.pointer_mut("/components/parameters") {
        for (name, parameter) in parameters.iter_mut() {
            let at = format!("/components/parameters/{}", super::escape_pointer(name));
            not_null(&at, parameter, findings);
        }
    }
}

/// Inline schemas of a component that typify would name as another
/// component is named. typify names an untitled property's schema
/// `<parent>_<property>` and an array's items `<parent>_item` (typify 0.8
/// `structs.rs`, `convert.rs`), in PascalCase: `Classification`'s property
/// `$template` becomes `ClassificationTemplate`, which is also the
/// component `ClassificationTemplate`, and the types crate defines it
/// twice (E0428). Such a schema is given a title typify names apart
/// (`<parent>_<property>_inline`), and warned. Run before
/// [`distinct_titles`], which then sees that title as taken.
pub fn distinct_derived_names(doc: &mut Value, findings: &mut Vec<Finding>) {
    use crate::naming::progenitor::component_type;
    let Some(Value::Object(schemas)) = doc.pointer_mut("/components/schemas") else {
        return;
    };
    let mut names: BTreeSet<String> = schemas.keys().map(|k| component_type(k)).collect();
    for (key, schema) in schemas.iter_mut() {
        let at = format!("/components/schemas/{}", super::escape_pointer(key));
        derived_names(schema, key, &at, &mut names, findings);
    }
}

/// The inline schemas under `node` (named `base`): each one typify would
/// name as a type in `names` is titled apart.
fn derived_names(
    node: &mut Value,
    base: &str,
    at: &str,
    names: &mut BTreeSet<String>,
    findings: &mut Vec<Finding>,
) {
    use crate::naming::progenitor::component_type;
    use heck::ToSnakeCase;
    let Value::Object(map) = node else { return };
    let mut children: Vec<(String, String, &mut Value)> = Vec::new();
    let (properties, rest): (Vec<_>, Vec<_>) = map
        .iter_mut()
        .filter(|(k, _)| matches!(k.as_str(), "properties" | "items"))
        .partition(|(k, _)| k.as_str() == "properties");
    for (_, props) in properties {
        if let Value::Object(props) = props {
            for (prop, child) in props.iter_mut() {
                children.push((
                    format!("{base}_{}", prop.to_snake_case()),
                    format!("{at}/properties/{}", super::escape_pointer(prop)),
                    child,
                ));
            }
        }
    }
    for (_, items) in rest {
        children.push((format!("{base}_item"), format!("{at}/items"), items));
    }
    for (name, pointer, child) in children {
        let Value::Object(child_map) = child else {
            continue;
        };
        if child_map.contains_key("$ref") {
            continue;
        }
        let name = match child_map.get("title").and_then(Value::as_str) {
            Some(title) => title.to_string(),
            None if names.contains(&component_type(&name)) => {
                let taken = component_type(&name);
                let title = (1..)
                    .map(|n| match n {
                        1 => format!("{name}_inline"),
                        n => format!("{name}_inline{n}"),
                    })
                    .find(|t| !names.contains(&component_type(t)))
                    .unwrap_or_else(|| format!("{name}_inline"));
                names.insert(component_type(&title));
                child_map.insert("title".into(), Value::String(title.clone()));
                findings.push(Finding::warning(
                    pointer.clone(),
                    format!(
                        "typify would name this schema `{taken}`, as another type is named: it is \
                         named `{}`",
                        component_type(&title)
                    ),
                ));
                title
            }
            None => name,
        };
        derived_names(child, &name, &pointer, names, findings);
    }
}

/// Responses whose status never has content (RFC 9110: 1xx, 204, 205,
/// 304) but declare some (mailchimp declares JSON for its 204s): HTTP
/// sends them without a body whatever the server writes, so a client that
/// waited for the declared JSON failed on every success. Their `content` is
/// dropped, with a warning; a `$ref` to a shared response with content is
/// replaced by a copy without it.
pub fn bodiless_statuses(doc: &mut Value, findings: &mut Vec<Finding>) {
    let shared = doc.pointer("/components/responses").cloned();
    let Some(Value::Object(paths)) = doc.get_mut("paths") else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Value::Object(item) = item else { continue };
        for (key, operation) in item.iter_mut() {
            if crate::spec::Method::from_key(key).is_none() {
                continue;
            }
            let Some(Value::Object(responses)) = operation.get_mut("responses") else {
                continue;
            };
            for (status, response) in responses.iter_mut() {
                // 204, 205, 304, and every 1xx (`1XX` too).
                let bodiless = matches!(status.as_str(), "204" | "205" | "304")
                    || (status.len() == 3 && status.starts_with('1'));
                if !bodiless {
                    continue;
                }
                if let Some(reference) = response.get("$ref").and_then(Value::as_str) {
                    let target = reference
                        .strip_prefix("#/components/responses/")
                        .map(crate::spec::unescape_pointer)
                        .and_then(|name| shared.as_ref()?.get(&name).cloned());
                    match target {
                        Some(target) if target.get("content").is_some() => *response = target,
                        _ => continue,
                    }
                }
                let Value::Object(map) = response else {
                    continue;
                };
                if map.remove("content").is_some() {
                    findings.push(Finding::warning(
                        format!(
                            "/paths/{}/{key}/responses/{status}/content",
                            super::escape_pointer(path)
                        ),
                        format!(
                            "a {status} response has no content (RFC 9110): HTTP sends it \
                             without a body whatever the server writes, so the generated code \
                             reads and answers it without one; remove `content`"
                        ),
                    ));
                }
            }
        }
    }
}

/// Inline response schemas of one operation that differ from each other.
/// progenitor (and the model, which must agree with it) suggests the one
/// name `{operationId}-response` for every typed response of an
/// operation, and typify, meeting a name it has, reuses that type without
/// comparing (see [`distinct_titles`]): an inline 400 schema unlike the
/// inline 200 one was typed as the 200's type, so neither the server nor
/// the client could read the other's bodies. The operation's first
/// inline success schema keeps the name; every other inline response
/// schema unlike it is titled `{operationId}-{status}-response` (equal ones
/// share the first one's title, so one type), and warned. A schema inline
/// in a shared response (`$ref: '#/components/responses/Failure'`) is
/// titled once, `{Failure}-response`, for every operation. Run before
/// [`distinct_titles`], which then sees those titles as taken.
pub fn distinct_response_types(doc: &mut Value, findings: &mut Vec<Finding>) {
    use crate::naming::progenitor::component_type;
    let mut names: BTreeSet<String> = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|schemas| schemas.keys().map(|k| component_type(k)).collect())
        .unwrap_or_default();
    // Only a schema typify names (a struct, an enum) can clash; an
    // integer or a string is a Rust type of its own.
    let nameable = |schema: &Value| {
        let Value::Object(schema) = schema else {
            return false;
        };
        let named = ["properties", "allOf", "anyOf", "oneOf", "enum"]
            .iter()
            .any(|k| schema.contains_key(*k))
            || schema.get("type").and_then(Value::as_str) == Some("object");
        named && !schema.contains_key("$ref") && !schema.contains_key("title")
    };
    // Decided first, applied after: pointer of the schema -> its title.
    let mut decided: BTreeMap<String, String> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    let Some(Value::Object(paths)) = doc.get("paths") else {
        return;
    };
    for (path, item) in paths {
        let Value::Object(item) = item else { continue };
        for (key, operation) in item {
            let Some(method) = crate::spec::Method::from_key(key) else {
                continue;
            };
            let name = match operation.get("operationId").and_then(Value::as_str) {
                Some(id) => id.to_string(),
                None => crate::spec::derived_operation_id(method, path),
            };
            let at = format!("/paths/{}/{key}/responses", super::escape_pointer(path));
            let Some(Value::Object(responses)) = operation.get("responses") else {
                continue;
            };
            // (status, pointer of the schema, shared response's name, schema).
            let mut inline: Vec<(String, String, Option<String>, &Value)> = Vec::new();
            for (status, response) in responses {
                let (base, shared, response) = match response
                    .get("$ref")
                    .and_then(Value::as_str)
                    .and_then(|r| r.strip_prefix("#/components/responses/"))
                {
                    Some(component) => (
                        format!("/components/responses/{component}"),
                        Some(crate::spec::unescape_pointer(component)),
                        match doc.pointer(&format!("/components/responses/{component}")) {
                            Some(target) => target,
                            None => continue,
                        },
                    ),
                    None => (
                        format!("{at}/{}", super::escape_pointer(status)),
                        None,
                        response,
                    ),
                };
                let Some(Value::Object(content)) = response.get("content") else {
                    continue;
                };
                for (media, media_object) in content {
                    let Some(schema) = media_object.get("schema") else {
                        continue;
                    };
                    if nameable(schema) {
                        let pointer =
                            format!("{base}/content/{}/schema", super::escape_pointer(media));
                        inline.push((status.clone(), pointer, shared.clone(), schema));
                    }
                }
            }
            if inline.len() < 2 {
                continue;
            }
            let keeper = inline
                .iter()
                .position(|(status, _, _, _)| status.starts_with('2'))
                .unwrap_or(0);
            let kept = inline[keeper].3;
            let mut titled: Vec<(&Value, String)> = Vec::new();
            for (i, (status, pointer, shared, schema)) in inline.iter().enumerate() {
                if i == keeper || *schema == kept || decided.contains_key(pointer) {
                    continue;
                }
                let title = match titled.iter().find(|(c, _)| *c == *schema) {
                    Some((_, title)) => title.clone(),
                    None => {
                        let base = match shared {
                            Some(component) => format!("{component}-response"),
                            None => format!("{name}-{}-response", status.to_ascii_lowercase()),
                        };
                        let title = (1..)
                            .map(|n| match n {
                                1 => base.clone(),
                                n => format!("{base}{n}"),
                            })
                            .find(|t| !names.contains(&component_type(t)))
                            .unwrap_or(base);
                        names.insert(component_type(&title));
                        titled.push((schema, title.clone()));
                        title
                    }
                };
                decided.insert(pointer.clone(), title);
                order.push(pointer.clone());
            }
        }
    }
    for pointer in order {
        let (Some(title), Some(Value::Object(schema))) =
            (decided.get(&pointer), doc.pointer_mut(&pointer))
        else {
            continue;
        };
        schema.insert("title".into(), Value::String(title.clone()));
        findings.push(Finding::warning(
            pointer.clone(),
            format!(
                "this inline schema differs from another inline response schema of an \
                 operation, which typify would give the same name: its type is named `{}`",
                component_type(title)
            ),
        ));
    }
}

/// Inline schemas whose `title` typify would take for a type that is
/// already another's. typify names an inline schema after its title and,
/// meeting a name it has, reuses that type without comparing (typify 0.8
/// `TypeSpace::assign_type`): two request bodies titled alike, or titled as
/// a component is named, would be sent as one of them, losing properties.
/// Such a title (the same Rust name as a component's, or an earlier inline
/// schema's with other content) is folded into the schema's description,
/// as typify writes both in the docs, and warned; the type is then named
/// from where the schema stands.
pub fn distinct_titles(doc: &mut Value, findings: &mut Vec<Finding>) {
    use crate::naming::progenitor::component_type;
    let mut taken: BTreeMap<String, Option<Value>> = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|schemas| schemas.keys().map(|k| (component_type(k), None)).collect())
        .unwrap_or_default();
    let mut folded = Vec::new();
    for top in ["paths", "components"] {
        if let Some(node) = doc.get_mut(top) {
            let at = format!("/{top}");
            titles(node, &at, &mut taken, &mut folded);
        }
    }
    findings.extend(folded.into_iter().map(|(at, title)| {
        Finding::warning(
            format!("{at}/title"),
            format!(
                "the title `{title}` names another type too (typify would read this schema as \
                 that one): it is read as the start of the description, and the type is named \
                 after where the schema stands"
            ),
        )
    }));
}

fn titles(
    node: &mut Value,
    at: &str,
    taken: &mut BTreeMap<String, Option<Value>>,
    folded: &mut Vec<(String, String)>,
) {
    use crate::naming::progenitor::component_type;
    match node {
        Value::Object(map) => {
            // A `components/schemas` entry is named after its key.
            let entry = at.starts_with("/components/schemas/") && at.matches('/').count() == 3;
            if let (false, Some(Value::String(title))) = (entry, map.get("title")) {
                let title = title.clone();
                let name = component_type(&title);
                let mut content = map.clone();
                content.remove("title");
                let content = Value::Object(content);
                let clash = match taken.get(&name) {
                    None => {
                        taken.insert(name, Some(content));
                        false
                    }
                    Some(Some(earlier)) => *earlier != content,
                    Some(None) => true,
                };
                if clash {
                    map.remove("title");
                    let description = match map.get("description").and_then(Value::as_str) {
                        Some(d) if !title.trim().is_empty() => format!("{title}\n\n{d}"),
                        Some(d) => d.to_string(),
                        None => title.clone(),
                    };
                    if !description.trim().is_empty() {
                        map.insert("description".into(), Value::String(description));
                    }
                    folded.push((at.to_string(), title));
                }
            }
            for (key, child) in map.iter_mut() {
                // Data, not schemas.
                if matches!(
                    key.as_str(),
                    "example" | "examples" | "default" | "enum" | "const"
                ) || key.starts_with("x-")
                {
                    continue;
                }
                titles(
                    child,
                    &format!("{at}/{}", super::escape_pointer(key)),
                    taken,
                    folded,
                );
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                titles(item, &format!("{at}/{i}"), taken, folded);
            }
        }
        _ => {}
    }
}

/// Every `$ref` in `node` that is a key of `targets`, replaced by its value.
fn retarget(node: &mut Value, targets: &BTreeMap<String, String>) {
    match node {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get_mut("$ref") {
                if let Some(new) = targets.get(reference.as_str()) {
                    *reference = new.clone();
                }
            }
            map.values_mut().for_each(|v| retarget(v, targets));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| retarget(v, targets)),
        _ => {}
    }
}

/// Path templates and path parameters made to agree, as a server must
/// read them: a `{name}` of the template that no path parameter of the
/// operation (or its path item) declares is read as a required string
/// path parameter, and a path parameter the template does not have is
/// left out (both warned, naming the node). Run after [`hoist`], so that
/// parameter `$ref`s name `components/parameters` entries.
pub fn path_parameters(doc: &mut Value, findings: &mut Vec<Finding>) {
    let components = doc
        .pointer("/components/parameters")
        .cloned()
        .unwrap_or(Value::Null);
    let resolve = |parameter: &Value| -> Option<(String, String)> {
        let node = match parameter.get("$ref").and_then(Value::as_str) {
            Some(r) => components.get(r.strip_prefix("#/components/parameters/")?)?,
            None => parameter,
        };
        Some((
            node.get("in")?.as_str()?.to_string(),
            node.get("name")?.as_str()?.to_string(),
        ))
    };
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let template: Vec<String> = path
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_string()))
            .collect();
        let item_pointer = child("/paths", path);
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        // Path-item parameters the template does not have.
        let strays = |list: &mut Value, at: &str, findings: &mut Vec<Finding>| {
            let Some(list) = list.as_array_mut() else {
                return;
            };
            let mut i = 0;
            list.retain(|parameter| {
                let keep = match resolve(parameter) {
                    Some((location, name)) => location != "path" || template.contains(&name),
                    None => true,
                };
                if !keep {
                    findings.push(Finding::warning(
                        format!("{at}/{i}"),
                        format!("this path parameter is not in the path `{path}`: it is left out"),
                    ));
                }
                i += 1;
                keep
            });
        };
        if let Some(list) = item.get_mut("parameters") {
            strays(list, &child(&item_pointer, "parameters"), findings);
        }
        // The path parameters a `parameters` list declares.
        let path_names = |node: &Map<String, Value>| -> Vec<String> {
            node.get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(resolve)
                .filter(|(location, _)| location == "path")
                .map(|(_, name)| name)
                .collect()
        };
        let from_item = path_names(item);
        for (key, operation) in item.iter_mut() {
            if !matches!(
                key.as_str(),
                "get" | "put" | "post" | "delete" | "options" | "head" | "patch" | "trace"
            ) {
                continue;
            }
            let pointer = child(&item_pointer, key);
            let Some(operation) = operation.as_object_mut() else {
                continue;
            };
            if let Some(list) = operation.get_mut("parameters") {
                strays(list, &child(&pointer, "parameters"), findings);
            }
            let mut declared = path_names(operation);
            declared.extend(from_item.iter().cloned());
            for name in template.iter().filter(|n| !declared.contains(n)) {
                findings.push(Finding::warning(
                    &pointer,
                    format!(
                        "the path has `{{{name}}}` but the operation declares no path parameter \
                         `{name}`: it is read as a required string path parameter"
                    ),
                ));
                let list = operation
                    .entry("parameters")
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Some(list) = list.as_array_mut() {
                    list.push(serde_json::json!({
                        "name": name, "in": "path", "required": true, "schema": {"type": "string"}
                    }));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parameters_are_never_null() {
        let mut doc = json!({
            "paths": {"/a": {
                "parameters": [{"name": "p", "in": "query", "schema": {"type": "string", "nullable": true}}],
                "get": {"parameters": [{"name": "h", "in": "header", "schema": {"type": "string", "nullable": true}},
                                       {"name": "q", "in": "query", "schema": {"type": "string"}}]}
            }},
            "components": {"parameters": {"C": {"name": "c", "in": "path", "required": true,
                "schema": {"type": "string", "nullable": true}}}}
        });
        let mut findings = Vec::new();
        parameters_not_null(&mut doc, &mut findings);
        assert!(!doc.to_string().contains("nullable"), "{doc}");
        let at: Vec<&str> = findings.iter().map(|f| f.pointer.as_str()).collect();
        assert_eq!(
            at,
            [
                "/paths/~1a/parameters/0/schema/nullable",
                "/paths/~1a/get/parameters/0/schema/nullable",
                "/components/parameters/C/schema/nullable"
            ]
        );
    }

    #[test]
    fn inline_schemas_typify_would_name_as_a_component_are_titled_apart() {
        let mut doc = json!({"components": {"schemas": {
            "Classification": {"type": "object", "properties": {
                "$template": {"type": "string", "enum": ["a"]},
                "name": {"type": "string"}
            }},
            "ClassificationTemplate": {"type": "object"},
            "externalCloudInfoSchema": {"type": "array", "items": {"type": "object",
                "properties": {"key": {"type": "string"}}}},
            "externalCloudInfoSchemaItem": {"type": "object"}
        }}});
        let mut findings = Vec::new();
        distinct_derived_names(&mut doc, &mut findings);
        let schemas = &doc["components"]["schemas"];
        assert_eq!(
            schemas["Classification"]["properties"]["$template"]["title"],
            "Classification_template_inline"
        );
        assert_eq!(
            schemas["externalCloudInfoSchema"]["items"]["title"],
            "externalCloudInfoSchema_item_inline"
        );
        // Nothing else is titled.
        assert!(schemas["Classification"]["properties"]["name"]
            .get("title")
            .is_none());
        assert_eq!(findings.len(), 2, "{findings:?}");
        assert!(
            findings[0].message.contains("`ClassificationTemplate`"),
            "{findings:?}"
        );
    }

    #[test]
    fn references_anywhere_become_references_to_components() {
        let mut doc = json!({
            "paths": {"/jobs/{id}": {"get": {"responses": {
                "200": {"description": "ok", "content": {"application/json": {"schema": {
                    "type": "object",
                    "properties": {"kind": {"$ref": "#/components/schemas/Job/definitions/kind"}}
                }}}},
                "401": {"$ref": "#/paths/~1jobs~1%7Bid%7D/get/responses/200"}
            }}}},
            "components": {"schemas": {"Job": {"type": "object", "definitions": {"kind": {"type": "string"}}}}}
        });
        let mut findings = Vec::new();
        hoist(&mut doc, &mut findings);
        let responses = &doc["paths"]["/jobs/{id}"]["get"]["responses"];
        let kind = &responses["200"]["content"]["application/json"]["schema"]["properties"]["kind"];
        assert_eq!(kind["$ref"], "#/components/schemas/JobKind");
        assert_eq!(
            doc["components"]["schemas"]["JobKind"],
            json!({"type": "string"})
        );
        let copied = responses["401"]["$ref"].as_str().unwrap();
        assert_eq!(copied, "#/components/responses/JobsId200");
        assert_eq!(findings.len(), 2, "{findings:?}");
    }

    #[test]
    fn schemas_that_would_be_one_rust_type_are_told_apart() {
        let mut doc = json!({
            "paths": {"/a": {"get": {"responses": {"200": {"description": "ok", "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/fileDto"}}}}}}}},
            "components": {"schemas": {
                "FileDTO": {"type": "string"},
                "fileDto": {"type": "object", "properties": {"f": {"$ref": "#/components/schemas/FileDTO"}}},
                "Other": {"type": "integer"}
            }}
        });
        let mut findings = Vec::new();
        distinct_type_names(&mut doc, &mut findings);
        let keys: Vec<&String> = doc["components"]["schemas"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        assert_eq!(keys, ["FileDTO", "fileDto-Alt", "Other"]);
        assert_eq!(
            doc.pointer("/paths/~1a/get/responses/200/content/application~1json/schema/$ref"),
            Some(&json!("#/components/schemas/fileDto-Alt"))
        );
        assert_eq!(
            doc.pointer("/components/schemas/fileDto-Alt/properties/f/$ref"),
            Some(&json!("#/components/schemas/FileDTO"))
        );
        assert_eq!(findings.len(), 1);
        assert!(
            findings[0].to_string().contains("the type `FileDtoAlt`"),
            "{findings:?}"
        );
    }

    #[test]
    fn titles_that_would_name_another_type_are_folded_into_the_description() {
        let body = |props: serde_json::Value| {
            json!({"content": {"application/json": {"schema":
            {"type": "array", "items": {"title": "", "type": "object", "properties": props}}}}})
        };
        let mut doc = json!({
            "paths": {
                "/a": {"post": {"requestBody": body(json!({"value": {"type": "number"}}))}},
                "/b": {"post": {"requestBody": body(json!({"name": {"type": "string"}}))}},
                "/c": {"post": {"requestBody": body(json!({"value": {"type": "number"}}))}},
                "/d": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json":
                    {"schema": {"title": "User", "description": "d", "type": "object"}}}}}}}
            },
            "components": {"schemas": {"User": {"title": "User", "type": "object", "properties": {"id": {"type": "string"}}}}}
        });
        let mut findings = Vec::new();
        distinct_titles(&mut doc, &mut findings);
        let items = |p: &str| {
            doc.pointer(&format!(
                "/paths/~1{p}/post/requestBody/content/application~1json/schema/items"
            ))
            .unwrap()
            .clone()
        };
        // The first keeps its title; another with other content loses it;
        // one with the same content keeps it (it is the same type).
        assert_eq!(items("a")["title"], json!(""));
        assert!(items("b").get("title").is_none());
        assert_eq!(items("c")["title"], json!(""));
        // A component's name is taken: the inline `User` is folded.
        let user = doc
            .pointer("/paths/~1d/get/responses/200/content/application~1json/schema")
            .unwrap();
        assert!(user.get("title").is_none());
        assert_eq!(user["description"], json!("User\n\nd"));
        // The component entry keeps its own title.
        assert_eq!(
            doc.pointer("/components/schemas/User/title"),
            Some(&json!("User"))
        );
        assert_eq!(findings.len(), 2, "{findings:?}");
    }
}
