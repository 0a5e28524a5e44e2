//! `$ref`s into other files, brought into the document.
//!
//! A document split over files (`$ref: schemas/pet.yaml`,
//! `$ref: common.yaml#/components/parameters/Limit`) is read as one: each
//! file a `$ref` names, relative to the file the `$ref` is written in, is
//! read once and kept whole under [`BUNDLED`], keyed by its file name
//! without extension; the `$ref` then points there, and the `$ref`s inside
//! that file are rewritten the same way (a `#/…` one into its own copy).
//! What reads the document next (the view's hoisting of `$ref`s into
//! `components`, the gate) sees local `$ref`s only. A URL is refused: the
//! tools read no network.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde_json::{Map, Value};

/// The top-level extension the other files are kept under.
pub const BUNDLED: &str = "x-bundled";

/// Reads another file of the document, by its path (as `bundle` made it
/// from the document's own path).
pub type Reader<'a> = dyn Fn(&Path) -> Result<String> + 'a;

/// Reads `file` from the disk for [`bundle`], only where a document may
/// point: a regular file under `document`'s own directory or under `root`
/// (the directory the tool works in), symbolic links followed. A document
/// is often someone else's (a pull request's): a `$ref` to
/// `../../.ssh/id_rsa`, `/etc/passwd` or `/dev/zero` must not be read into
/// what the gate prints, nor hang it.
pub fn read_under(root: &Path, document: &Path, file: &Path) -> Result<String> {
    let full = root.join(file);
    let canonical = |path: &Path| {
        path.canonicalize()
            .with_context(|| format!("{} cannot be read", path.display()))
    };
    let target = canonical(&full)?;
    let document_dir = root.join(document);
    let document_dir = document_dir.parent().unwrap_or(Path::new(""));
    let allowed = [root, document_dir].map(|dir| match dir.as_os_str().is_empty() {
        true => Path::new("."),
        false => dir,
    });
    let inside = allowed
        .iter()
        .filter_map(|dir| dir.canonicalize().ok())
        .any(|dir| target.starts_with(dir));
    if !inside {
        bail!(
            "{} is outside the document's directory and the directory the tool runs in: only              files under them are read; copy it there",
            full.display()
        );
    }
    if !target.is_file() {
        bail!("{} is not a regular file", full.display());
    }
    Ok(std::fs::read_to_string(&target)?)
}

/// Whether any `$ref` of `node` names another file.
pub fn has_external(node: &Value) -> bool {
    match node {
        Value::Object(map) => map.iter().any(|(k, v)| match (k.as_str(), v) {
            ("$ref", Value::String(r)) => !r.starts_with('#'),
            _ => has_external(v),
        }),
        Value::Array(items) => items.iter().any(has_external),
        _ => false,
    }
}

/// `base`'s directory joined with `relative`, with `.` and `..` taken out:
/// how every other file's path is made from the document's.
pub fn resolve(base: &Path, relative: &str) -> PathBuf {
    let mut out = PathBuf::new();
    let joined = base.parent().unwrap_or(Path::new("")).join(relative);
    for part in joined.components() {
        match part {
            Component::CurDir => {}
            // `..` takes out the folder before it; a `..` before it (a
            // path that starts above the current folder) stays.
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                _ => out.push(".."),
            },
            other => out.push(other.as_os_str()),
        }
    }
    out
}

struct Bundler<'a> {
    read: &'a Reader<'a>,
    parse: &'a dyn Fn(&Path, &str) -> Result<Value>,
    /// Files read, by path: their key under [`BUNDLED`].
    keys: BTreeMap<PathBuf, String>,
    /// The files' trees, by key, `$ref`s rewritten.
    trees: Map<String, Value>,
}

impl Bundler<'_> {
    /// The key of `file` under [`BUNDLED`], reading it the first time.
    fn key(&mut self, file: PathBuf, from: &Path, reference: &str) -> Result<String> {
        if let Some(key) = self.keys.get(&file) {
            return Ok(key.clone());
        }
        let stem = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "file".into());
        let mut key = stem.clone();
        let mut n = 2;
        while self.trees.contains_key(&key) {
            key = format!("{stem}_{n}");
            n += 1;
        }
        self.keys.insert(file.clone(), key.clone());
        // Held while its own `$ref`s are read: a cycle finds the key.
        self.trees.insert(key.clone(), Value::Null);
        let text = (self.read)(&file).with_context(|| {
            format!(
                "`$ref: {reference}` in {} names {}, which cannot be read",
                from.display(),
                file.display()
            )
        })?;
        let mut tree = (self.parse)(&file, &text)?;
        self.rewrite(&mut tree, &file, Some(&key))?;
        self.trees.insert(key.clone(), tree);
        Ok(key)
    }

    /// Rewrites the `$ref`s of `node`, written in `file` (kept under
    /// `key`, or the document itself when `None`).
    fn rewrite(&mut self, node: &mut Value, file: &Path, key: Option<&str>) -> Result<()> {
        match node {
            Value::Object(map) => {
                for (k, v) in map.iter_mut() {
                    match (k.as_str(), v) {
                        ("$ref", Value::String(reference)) => {
                            *reference = self.local(reference, file, key)?;
                        }
                        (_, v) => self.rewrite(v, file, key)?,
                    }
                }
            }
            Value::Array(items) => {
                for item in items {
                    self.rewrite(item, file, key)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// `reference`, written in `file` (under `key`), as a local `$ref`.
    fn local(&mut self, reference: &str, file: &Path, key: Option<&str>) -> Result<String> {
        let (target, fragment) = match reference.split_once('#') {
            Some((target, fragment)) => (target, fragment),
            None => (reference, ""),
        };
        let fragment = fragment.trim_end_matches('/');
        if target.is_empty() {
            return Ok(match key {
                None => reference.to_string(),
                Some(key) => format!("#/{BUNDLED}/{key}{fragment}"),
            });
        }
        if target.contains("://") {
            bail!(
                "`$ref: {reference}` in {} names a URL: the tools read files, never the network. \
                 Download it beside the document and `$ref` the file",
                file.display()
            );
        }
        let target = resolve(file, &crate::spec::percent_decoded(target));
        let key = self.key(target, file, reference)?;
        Ok(format!("#/{BUNDLED}/{key}{fragment}"))
    }
}

/// Brings the files `raw`'s `$ref`s name into it (see the module docs).
/// `path` is the document's own path, which `read` gets other files
/// relative to; `parse` reads a file's text (YAML or JSON).
pub fn bundle(
    raw: &mut Value,
    path: &Path,
    read: &Reader<'_>,
    parse: &dyn Fn(&Path, &str) -> Result<Value>,
) -> Result<()> {
    if !has_external(raw) {
        return Ok(());
    }
    let mut bundler = Bundler {
        read,
        parse,
        keys: BTreeMap::new(),
        trees: Map::new(),
    };
    bundler.rewrite(raw, path, None)?;
    // A path item in another file is read in place: 3.0 has nowhere else
    // to keep one, and the `$ref`s in it are then followed like any other.
    let prefix = format!("#/{BUNDLED}/");
    if let Some(paths) = raw.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            let target = item
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix(&prefix))
                .and_then(|rest| {
                    let (key, pointer) = match rest.split_once('/') {
                        Some((key, pointer)) => (key, format!("/{pointer}")),
                        None => (rest, String::new()),
                    };
                    bundler.trees.get(key)?.pointer(&pointer)
                })
                .cloned();
            if let Some(target) = target {
                *item = target;
            }
        }
    }
    if let Some(map) = raw.as_object_mut() {
        map.insert(BUNDLED.to_string(), Value::Object(bundler.trees));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn paths_resolve_with_every_leading_dot_dot_kept() {
        assert_eq!(
            resolve(Path::new("../../api/pets.yaml"), "schemas/pet.yaml"),
            Path::new("../../api/schemas/pet.yaml")
        );
        assert_eq!(
            resolve(Path::new("./api/../api/pets.yaml"), "../common.yaml"),
            Path::new("common.yaml")
        );
        assert_eq!(
            resolve(Path::new("pets.yaml"), "../../common.yaml"),
            Path::new("../../common.yaml")
        );
    }

    #[test]
    fn files_are_read_relative_to_the_file_that_names_them_once_each() {
        let files: BTreeMap<PathBuf, Value> = [
            (
                "api/schemas/pet.json",
                json!({"type": "object", "properties": {
                    "owner": {"$ref": "../common.json#/components/schemas/Owner"},
                    "kind": {"$ref": "#/definitions/Kind"}},
                    "definitions": {"Kind": {"type": "string"}}}),
            ),
            (
                "api/common.json",
                json!({"components": {"schemas": {
                    "Owner": {"type": "object", "properties": {"pets": {"type": "array",
                        "items": {"$ref": "schemas/pet.json"}}}}}}}),
            ),
        ]
        .into_iter()
        .map(|(p, v)| (PathBuf::from(p), v))
        .collect();
        let reads = std::cell::RefCell::new(Vec::new());
        let read = |p: &Path| -> Result<String> {
            reads.borrow_mut().push(p.to_path_buf());
            files
                .get(p)
                .map(|v| v.to_string())
                .with_context(|| format!("no {}", p.display()))
        };
        let parse = |_: &Path, text: &str| -> Result<Value> { Ok(serde_json::from_str(text)?) };
        let mut raw = json!({"paths": {"/pets": {"get": {"responses": {"200": {
            "content": {"application/json": {"schema": {"$ref": "./schemas/pet.json"}}}}}}}},
            "components": {"schemas": {"Local": {"$ref": "#/components/schemas/Other"}}}});
        bundle(&mut raw, Path::new("api/openapi.yaml"), &read, &parse).unwrap();
        let schema = &raw["paths"]["/pets"]["get"]["responses"]["200"]["content"]
            ["application/json"]["schema"];
        assert_eq!(schema["$ref"], "#/x-bundled/pet");
        assert_eq!(
            raw["components"]["schemas"]["Local"]["$ref"],
            "#/components/schemas/Other"
        );
        let pet = &raw[BUNDLED]["pet"];
        assert_eq!(
            pet["properties"]["owner"]["$ref"],
            "#/x-bundled/common/components/schemas/Owner"
        );
        assert_eq!(
            pet["properties"]["kind"]["$ref"],
            "#/x-bundled/pet/definitions/Kind"
        );
        // The cycle back to pet.json reads it no second time.
        assert_eq!(
            raw[BUNDLED]["common"]["components"]["schemas"]["Owner"]["properties"]["pets"]["items"]
                ["$ref"],
            "#/x-bundled/pet"
        );
        assert_eq!(reads.borrow().len(), 2);
        assert!(!has_external(&raw));
    }

    #[test]
    fn a_url_or_a_missing_file_is_an_error_naming_the_ref() {
        let read = |p: &Path| -> Result<String> { bail!("no {}", p.display()) };
        let parse = |_: &Path, text: &str| -> Result<Value> { Ok(serde_json::from_str(text)?) };
        let mut raw = json!({"components": {"schemas": {"A": {"$ref": "https://x/a.json"}}}});
        let error = bundle(&mut raw, Path::new("api.yaml"), &read, &parse).unwrap_err();
        assert!(format!("{error:#}").contains("names a URL"), "{error:#}");
        let mut raw = json!({"components": {"schemas": {"A": {"$ref": "gone.yaml#/A"}}}});
        let error = bundle(&mut raw, Path::new("api.yaml"), &read, &parse).unwrap_err();
        assert!(
            format!("{error:#}").contains("`$ref: gone.yaml#/A` in api.yaml names gone.yaml"),
            "{error:#}"
        );
    }
}
