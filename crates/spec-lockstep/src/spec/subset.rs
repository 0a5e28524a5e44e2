//! Part of a document: the operations under some path prefixes
//! (`codegen --paths`), with only the components they use, and the limit on
//! the operations one set of crates is generated for.

use std::collections::BTreeSet;

use anyhow::{bail, Result};
use serde_json::Value;

/// The most operations one set of crates is generated for. The largest
/// document of the public OpenAPI directory that generates whole has 2,958
/// (autotask.net); Microsoft Graph's 11,422 came to 250 MB of Rust, more
/// than rustc builds on a developer's machine. Above it, a team generates
/// the parts it calls with `--paths`.
pub const MAX_OPERATIONS: usize = 5_000;

/// The HTTP methods of a path item.
const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// How many operations the document's `paths` hold.
pub fn operation_count(raw: &Value) -> usize {
    raw.get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|paths| paths.values())
        .filter_map(Value::as_object)
        .map(|item| {
            item.keys()
                .filter(|k| METHODS.contains(&k.as_str()))
                .count()
        })
        .sum()
}

/// An error when the document has more operations than [`MAX_OPERATIONS`]:
/// words the directory run reads as a documented unsupported feature.
pub fn check_size(raw: &Value) -> Result<()> {
    let count = operation_count(raw);
    if count > MAX_OPERATIONS {
        bail!(
            "`/paths`: {count} operations in one set of crates are not supported (at most \
             {MAX_OPERATIONS}: the generated Rust would be more than rustc builds in reasonable \
             time and memory). Generate the parts you call, each with `--paths PREFIX` (repeat it: \
             `--paths /users --paths /groups`)"
        );
    }
    Ok(())
}

/// Keeps the path items whose template starts with one of `prefixes` (a
/// whole segment: `/users` keeps `/users` and `/users/{id}`, not
/// `/usersettings`), then every `components` entry nothing kept refers to
/// (through any chain of `$ref`s and discriminator mappings) is dropped.
/// Security schemes are kept: they are named, not referred to.
pub fn keep_paths(raw: &mut Value, prefixes: &[String]) -> Result<()> {
    let under = |path: &str| {
        prefixes.iter().any(|prefix| {
            let prefix = prefix.trim_end_matches('/');
            prefix.is_empty()
                || path == prefix
                || path
                    .strip_prefix(prefix)
                    .is_some_and(|rest| rest.starts_with('/'))
        })
    };
    let Some(paths) = raw.get_mut("paths").and_then(Value::as_object_mut) else {
        bail!("the document has no `paths` to choose from");
    };
    let before = paths.len();
    paths.retain(|path, _| under(path));
    if paths.is_empty() {
        bail!(
            "`--paths {}`: none of the document's {before} paths starts with it (a prefix is \
             whole segments, such as `/users`)",
            prefixes.join(" --paths ")
        );
    }
    let used = used_components(raw);
    if let Some(components) = raw.get_mut("components").and_then(Value::as_object_mut) {
        for (section, entries) in components.iter_mut() {
            if section == "securitySchemes" {
                continue;
            }
            if let Some(entries) = entries.as_object_mut() {
                entries.retain(|name, _| used.contains(&(section.clone(), name.clone())));
            }
        }
    }
    Ok(())
}

/// The `(section, name)` of every component reached from the document's
/// root outside `components`.
fn used_components(raw: &Value) -> BTreeSet<(String, String)> {
    let mut used = BTreeSet::new();
    let mut pending: Vec<&Value> = raw
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(key, _)| key.as_str() != "components")
        .map(|(_, value)| value)
        .collect();
    while let Some(node) = pending.pop() {
        let mut found = Vec::new();
        references(node, false, &mut found);
        for reference in found {
            let Some(key) = component_of(&reference) else {
                continue;
            };
            if used.contains(&key) {
                continue;
            }
            if let Some(target) = raw
                .get("components")
                .and_then(|c| c.get(&key.0))
                .and_then(|s| s.get(&key.1))
            {
                pending.push(target);
            }
            used.insert(key);
        }
    }
    used
}

/// Every `$ref` in `node`, and every discriminator mapping target (a
/// schema name or a reference), as a reference. `properties`: `node` is a
/// schema's `properties`, whose keys are names, not keywords.
fn references(node: &Value, properties: bool, found: &mut Vec<String>) {
    match node {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                found.push(reference.clone());
            }
            if let Some(mapping) = map
                .get("discriminator")
                .and_then(|d| d.get("mapping"))
                .and_then(Value::as_object)
            {
                for target in mapping.values().filter_map(Value::as_str) {
                    found.push(match target.starts_with('#') {
                        true => target.to_string(),
                        false => format!("#/components/schemas/{target}"),
                    });
                }
            }
            for (key, value) in map {
                // Examples and defaults are data, whatever keys they hold.
                if properties || !matches!(key.as_str(), "example" | "default" | "enum" | "const") {
                    references(value, !properties && key == "properties", found);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| references(item, false, found)),
        _ => {}
    }
}

/// `#/components/<section>/<name>[/…]` → its section and (unescaped) name.
fn component_of(reference: &str) -> Option<(String, String)> {
    let mut segments = reference.strip_prefix("#/components/")?.split('/');
    let section = segments.next()?;
    let name = super::unescape_pointer(segments.next()?);
    Some((section.to_string(), name))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn document() -> Value {
        json!({
            "openapi": "3.0.3",
            "paths": {
                "/users": {"get": {"responses": {"200": {"$ref": "#/components/responses/Users"}}}},
                "/users/{id}": {"get": {}, "delete": {}},
                "/usersettings": {"get": {"responses": {"200": {"content": {"application/json":
                    {"schema": {"$ref": "#/components/schemas/Settings"}}}}}}},
                "/groups": {"post": {}}
            },
            "components": {
                "responses": {"Users": {"content": {"application/json": {"schema": {"type": "array",
                    "items": {"$ref": "#/components/schemas/User"}}}}}},
                "schemas": {
                    "User": {"properties": {"pet": {"$ref": "#/components/schemas/Pet"},
                        "example": {"$ref": "#/components/schemas/Unused"}}},
                    "Pet": {"discriminator": {"propertyName": "kind",
                        "mapping": {"cat": "Cat", "dog": "#/components/schemas/Dog"}}},
                    "Cat": {}, "Dog": {}, "Settings": {}, "Unused": {}
                },
                "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "k"}}
            }
        })
    }

    #[test]
    fn operations_are_counted_by_method() {
        assert_eq!(operation_count(&document()), 5);
        assert!(check_size(&document()).is_ok());
    }

    #[test]
    fn a_prefix_keeps_whole_segments_and_the_components_they_reach() {
        let mut raw = document();
        keep_paths(&mut raw, &["/users/".to_string()]).unwrap();
        let paths: Vec<&String> = raw["paths"].as_object().unwrap().keys().collect();
        assert_eq!(paths, ["/users", "/users/{id}"]);
        let mut schemas: Vec<&String> = raw["components"]["schemas"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        schemas.sort();
        // Through a response, an item, a property and both kinds of mapping;
        // `Settings` only `/usersettings` used, and `Unused` is a property
        // named `example`, not an example.
        assert_eq!(schemas, ["Cat", "Dog", "Pet", "Unused", "User"]);
        assert!(raw["components"]["securitySchemes"]["key"].is_object());
        assert_eq!(operation_count(&raw), 3);
    }

    #[test]
    fn a_prefix_nothing_is_under_is_an_error_naming_it() {
        let mut raw = document();
        let error = keep_paths(&mut raw, &["/teams".to_string()]).unwrap_err();
        assert!(error
            .to_string()
            .contains("`--paths /teams`: none of the document's 4 paths"));
    }

    #[test]
    fn more_operations_than_the_limit_are_an_unsupported_feature_naming_the_remedy() {
        let paths: serde_json::Map<String, Value> = (0..=MAX_OPERATIONS / 2)
            .map(|i| (format!("/r{i}"), json!({"get": {}, "put": {}})))
            .collect();
        let raw = json!({"paths": paths});
        let error = check_size(&raw).unwrap_err().to_string();
        assert!(error.starts_with("`/paths`: 5002 operations"), "{error}");
        assert!(crate::spec::is_unsupported_feature(&error));
        assert!(error.contains("--paths PREFIX"));
    }
}
